/**
 * Ingest members: the server replicas consuming one shared-subscription group, each with its
 * heartbeat. A member whose heartbeat is stale, or which stopped, leaves broker sessions that
 * still receive their round-robin share; the live members adopt them (see takeover.ts).
 */
import type { InferSelectModel } from 'drizzle-orm';
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const IngestMembers = pgTable('ingest_members', {
  /** MQTT_CLIENT_ID; its connections are `<id>`, `<id>-2`, ... */
  clientId: text('client_id').primaryKey(),
  shareGroup: text('share_group').notNull(),
  /** Connections the member opens now (MQTT_CONSUMERS). */
  consumers: integer('consumers').notNull(),
  /** Connections it ever opened: each left a persistent session in the group on the broker. */
  sessions: integer('sessions').notNull(),
  /** Set from the database's clock, so replicas' clocks never decide staleness. */
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
  /** Set by a clean stop; cleared when the member starts again. */
  stoppedAt: timestamp('stopped_at', { withTimezone: true }),
});

export type IngestMemberRow = InferSelectModel<typeof IngestMembers>;
