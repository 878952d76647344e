/**
 * Device broker credentials and one-time claim codes. A device has at most one credential row;
 * its secret is stored only as an argon2id hash and shown once, at creation or rotation.
 */
import type { InferSelectModel } from 'drizzle-orm';
import { boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { Devices } from './schema';

export const DeviceCredentials = pgTable('device_credentials', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => Devices.id, { onDelete: 'cascade' }),
  /** MQTT username; equal to the device id so broker ACLs and topics name the same thing. */
  username: text('username').notNull().unique(),
  secretHash: text('secret_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  rotatedAt: timestamp('rotated_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const ClaimCodes = pgTable('claim_codes', {
  /** SHA-256 of the code; the code is shown once to the admin who minted it. */
  codeHash: text('code_hash').primaryKey(),
  model: text('model').notNull(),
  createdBy: text('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  /** The device the code was redeemed for. */
  usedBy: text('used_by'),
});

/** Last reported state of each device (retained `state` topic, Last Will, silence timeout). */
export const DeviceStates = pgTable('device_states', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => Devices.id, { onDelete: 'cascade' }),
  online: boolean('online').notNull(),
  fw: text('fw'),
  model: text('model'),
  rssi: integer('rssi'),
  uptimeS: integer('uptime_s'),
  /** When the state last changed (state message, Will, or the silence timeout). */
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
  /** Last time anything was heard from the device. */
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
});

export type DeviceCredential = InferSelectModel<typeof DeviceCredentials>;
export type ClaimCode = InferSelectModel<typeof ClaimCodes>;
export type DeviceState = InferSelectModel<typeof DeviceStates>;
