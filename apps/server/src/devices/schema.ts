/** The device registry table. Devices are registered by an admin or, when allowed, by ingest. */
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm';
import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const DEVICE_SOURCES = ['admin', 'auto'] as const;
export type DeviceSource = (typeof DEVICE_SOURCES)[number];

export const Devices = pgTable('devices', {
  id: text('id').primaryKey(),
  name: text('name').notNull().default(''),
  model: text('model').notNull().default('generic'),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  /** 'admin' when registered by an operator, 'auto' when ingest registered it on first message. */
  source: text('source', { enum: DEVICE_SOURCES }).notNull().default('admin'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** Updated once per ingest batch, not per message. */
  lastSeen: timestamp('last_seen', { withTimezone: true }),
});

export type Device = InferSelectModel<typeof Devices>;
export type NewDevice = InferInsertModel<typeof Devices>;
