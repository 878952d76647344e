/**
 * Telemetry storage: one row per accepted reading, one row per rejected message. With
 * TimescaleDB, `readings` becomes a hypertable with continuous aggregates (drizzle/0001).
 */
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { bytea } from './bytea';

export type MetricValue = number | boolean;

export const Readings = pgTable(
  'readings',
  {
    deviceId: text('device_id').notNull(),
    /** When the device took the reading. */
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    /** Random per device boot; with seq it identifies a message for deduplication. */
    boot: bigint('boot', { mode: 'number' }).notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    metrics: jsonb('metrics').$type<Record<string, MetricValue>>().notNull(),
    /** SHA-256 of the exact bytes received: evidence anchoring hashes this, not a re-encoding. */
    payloadSha256: bytea('payload_sha256').notNull(),
  },
  (table) => [
    // ts is part of the key because a hypertable's unique keys must contain its time column; a
    // redelivered message carries the same ts, so redelivery still deduplicates. Its btree also
    // serves every (device_id, ts range) scan in either direction, so there is deliberately no
    // second (device_id, ts) index doubling the write cost of the hottest table.
    unique('readings_device_ts_boot_seq_key').on(table.deviceId, table.ts, table.boot, table.seq),
  ],
);

export const DeadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    topic: text('topic').notNull(),
    /** Machine-readable reason (e.g. 'bad_json', 'schema', 'unknown_device'). */
    reason: text('reason').notNull(),
    /** Human-readable detail: which field, which limit. */
    detail: text('detail').notNull(),
    /** The device the topic named, when it named one. */
    deviceId: text('device_id'),
    /** The first 256 bytes of the payload, enough to diagnose without storing floods. */
    payloadHead: bytea('payload_head').notNull(),
    payloadBytes: integer('payload_bytes').notNull(),
  },
  (table) => [
    index('dead_letters_received_at_idx').on(table.receivedAt.desc()),
    index('dead_letters_device_received_at_idx').on(table.deviceId, table.receivedAt.desc()),
  ],
);

export type Reading = InferSelectModel<typeof Readings>;
export type NewReading = InferInsertModel<typeof Readings>;
export type DeadLetter = InferSelectModel<typeof DeadLetters>;
export type NewDeadLetter = InferInsertModel<typeof DeadLetters>;
