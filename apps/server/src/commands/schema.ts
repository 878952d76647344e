/** The commands table: every command sent to a device, who sent it, and how it ended. */
import { type InferSelectModel, sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * pending: stored, not yet accepted by the broker; sent: the broker acknowledged it (PUBACK);
 * accepted: the device started it; done / rejected / failed: the device's final word;
 * expired: its expiry passed before a final word. The last four are final.
 */
export const COMMAND_STATUSES = [
  'pending',
  'sent',
  'accepted',
  'done',
  'rejected',
  'failed',
  'expired',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** Statuses a command can still leave. */
export const OPEN_STATUSES = ['pending', 'sent', 'accepted'] as const satisfies CommandStatus[];

export const Commands = pgTable(
  'commands',
  {
    /** Sortable by creation time (48-bit ms timestamp, then randomness), 26 characters. */
    id: text('id').primaryKey(),
    deviceId: text('device_id').notNull(),
    name: text('name').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: COMMAND_STATUSES }).notNull().default('pending'),
    /** Username or token name of whoever sent it, or 'cli'. */
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** First broker acknowledgement. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** The device's latest acknowledgement. */
    ackedAt: timestamp('acked_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    result: jsonb('result'),
    error: text('error'),
    /** Publishes handed to the broker so far (redeliveries included). */
    attempts: integer('attempts').notNull().default(0),
  },
  (table) => [
    index('commands_device_created_idx').on(table.deviceId, table.createdAt.desc()),
    // The sweeper and the redelivery look only at commands still open; keep that index small.
    index('commands_open_idx')
      .on(table.expiresAt)
      .where(sql`${table.status} in ('pending', 'sent', 'accepted')`),
  ],
);

export type CommandRow = InferSelectModel<typeof Commands>;
