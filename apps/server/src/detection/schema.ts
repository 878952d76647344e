/**
 * Anomalies: what the detector concluded about one stored reading, with everything an auditor
 * needs to recompute its evidence leaf — the reading's key, the model and threshold that judged
 * it, and the exact raw payload bytes (whose SHA-256 the leaf commits to).
 */
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { bytea } from '../telemetry/bytea';

export const Anomalies = pgTable(
  'anomalies',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    deviceId: text('device_id').notNull(),
    /** The reading's key in `readings`: (device_id, ts, boot, seq). */
    readingTs: timestamp('reading_ts', { withTimezone: true, precision: 3 }).notNull(),
    readingBoot: bigint('reading_boot', { mode: 'number' }).notNull(),
    readingSeq: bigint('reading_seq', { mode: 'number' }).notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true, precision: 3 }).notNull(),
    /** Fault type (spike, tamper, replay, ...). */
    type: text('type').notNull(),
    severity: text('severity').notNull(),
    score: doublePrecision('score').notNull(),
    /** The feature row the model saw, by feature name. */
    features: jsonb('features').$type<Record<string, number>>().notNull(),
    /** The exact bytes the reading arrived as; auditors recompute their SHA-256. */
    payload: bytea('payload').notNull(),
    payloadSha256: bytea('payload_sha256').notNull(),
    /** SHA-256 of the ONNX model file that scored the reading. */
    modelSha256: bytea('model_sha256').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    index('anomalies_detected_at_idx').on(table.detectedAt.desc()),
    index('anomalies_device_detected_at_idx').on(table.deviceId, table.detectedAt.desc()),
    // One verdict per reading: scoring a redelivered reading again never stores a second anomaly.
    unique('anomalies_reading_key').on(
      table.deviceId,
      table.readingTs,
      table.readingBoot,
      table.readingSeq,
    ),
  ],
);

export type Anomaly = InferSelectModel<typeof Anomalies>;
export type NewAnomaly = InferInsertModel<typeof Anomalies>;
