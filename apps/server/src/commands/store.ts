/**
 * Command rows: every status change is one conditional UPDATE that names the statuses it may
 * leave, so late, repeated or reordered acknowledgements (and several server replicas applying
 * the same one) can never move a command backwards or out of a final status.
 */
import { and, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../telemetry/database';
import { type CommandRow, type CommandStatus, Commands, OPEN_STATUSES } from './schema';

/** A command as the API and the event bus show it (times as ISO 8601 text). */
export type CommandView = {
  id: string;
  deviceId: string;
  name: string;
  params: Record<string, unknown>;
  status: CommandStatus;
  createdBy: string;
  createdAt: string;
  sentAt: string | null;
  ackedAt: string | null;
  expiresAt: string;
  result: unknown;
  error: string | null;
  attempts: number;
};

/** Device acknowledgements, each with the statuses it may follow. */
const ACK_FROM: Record<'accepted' | 'done' | 'rejected' | 'failed', CommandStatus[]> = {
  // 'pending' too: after a server restart the device may answer before our PUBACK is recorded.
  accepted: ['pending', 'sent'],
  done: ['pending', 'sent', 'accepted'],
  rejected: ['pending', 'sent', 'accepted'],
  failed: ['pending', 'sent', 'accepted'],
};

export type DeviceAck = {
  status: keyof typeof ACK_FROM;
  result?: unknown;
  error?: string;
};

/** Converts a row to its view. */
export function toView(row: CommandRow): CommandView {
  return {
    id: row.id,
    deviceId: row.deviceId,
    name: row.name,
    params: row.params,
    status: row.status,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    ackedAt: row.ackedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt.toISOString(),
    result: row.result ?? null,
    error: row.error,
    attempts: row.attempts,
  };
}

export function createCommandStore(database: Database) {
  const { db } = database;
  return {
    async insert(row: {
      id: string;
      deviceId: string;
      name: string;
      params: Record<string, unknown>;
      createdBy: string;
      createdAt: Date;
      expiresAt: Date;
    }): Promise<CommandRow> {
      const [inserted] = await db.insert(Commands).values(row).returning();
      if (inserted === undefined) throw new Error('insert returned no row');
      return inserted;
    },

    async get(id: string): Promise<CommandRow | undefined> {
      const [row] = await db.select().from(Commands).where(eq(Commands.id, id));
      return row;
    },

    /** Newest first; `before` pages on by id (ids sort by creation time). */
    list(deviceId: string, limit: number, before?: string): Promise<CommandRow[]> {
      const where =
        before === undefined
          ? eq(Commands.deviceId, deviceId)
          : and(eq(Commands.deviceId, deviceId), lt(Commands.id, before));
      return db.select().from(Commands).where(where).orderBy(desc(Commands.id)).limit(limit);
    },

    /**
     * Records one broker acknowledgement (PUBACK): counts the attempt, and moves a pending
     * command to sent. Returns the row when its status changed.
     */
    async recordPublished(id: string, at: Date): Promise<CommandRow | undefined> {
      const [sent] = await db
        .update(Commands)
        .set({ status: 'sent', sentAt: at, attempts: sql`${Commands.attempts} + 1` })
        .where(and(eq(Commands.id, id), eq(Commands.status, 'pending')))
        .returning();
      if (sent !== undefined) return sent;
      // A redelivery, or a device that answered before this PUBACK was recorded: the status
      // stays, the attempt counts, and the first broker acknowledgement time is kept.
      await db
        .update(Commands)
        .set({
          attempts: sql`${Commands.attempts} + 1`,
          sentAt: sql`coalesce(${Commands.sentAt}, ${at.toISOString()}::timestamptz)`,
        })
        .where(eq(Commands.id, id));
      return undefined;
    },

    /**
     * Applies a device's acknowledgement to its own command (the topic's device must own it).
     * Returns the updated row, or undefined when the ack changes nothing (repeat, late, foreign).
     */
    async applyAck(
      id: string,
      deviceId: string,
      ack: DeviceAck,
      at: Date,
    ): Promise<CommandRow | undefined> {
      const [row] = await db
        .update(Commands)
        .set({
          status: ack.status,
          ackedAt: at,
          ...(ack.result !== undefined ? { result: ack.result } : {}),
          ...(ack.error !== undefined ? { error: ack.error } : {}),
        })
        .where(
          and(
            eq(Commands.id, id),
            eq(Commands.deviceId, deviceId),
            inArray(Commands.status, ACK_FROM[ack.status]),
          ),
        )
        .returning();
      return row;
    },

    /**
     * Expires open commands whose expiry has passed. An accepted command (the device is running
     * it) gets `acceptedGraceMs` more to report its outcome.
     */
    expireDue(now: Date, acceptedGraceMs: number): Promise<CommandRow[]> {
      const graceCutoff = new Date(now.getTime() - acceptedGraceMs);
      return db
        .update(Commands)
        .set({ status: 'expired', error: 'expired before the device reported an outcome' })
        .where(
          or(
            and(inArray(Commands.status, ['pending', 'sent']), lte(Commands.expiresAt, now)),
            and(eq(Commands.status, 'accepted'), lte(Commands.expiresAt, graceCutoff)),
          ),
        )
        .returning();
    },

    /** Open commands the device has not yet answered, oldest first (all devices when omitted). */
    undelivered(
      filter: { deviceId?: string; statuses: CommandStatus[] },
      now: Date,
    ): Promise<CommandRow[]> {
      const conditions = [
        inArray(Commands.status, filter.statuses),
        sql`${Commands.expiresAt} > ${now.toISOString()}::timestamptz`,
      ];
      if (filter.deviceId !== undefined) conditions.push(eq(Commands.deviceId, filter.deviceId));
      return db
        .select()
        .from(Commands)
        .where(and(...conditions))
        .orderBy(Commands.id);
    },

    /** Ids of devices with an open command (the redelivery watch list). */
    async devicesWithOpenCommands(): Promise<string[]> {
      const rows = await db
        .selectDistinct({ deviceId: Commands.deviceId })
        .from(Commands)
        .where(inArray(Commands.status, [...OPEN_STATUSES]));
      return rows.map((r) => r.deviceId);
    },
  };
}

export type CommandStore = ReturnType<typeof createCommandStore>;
