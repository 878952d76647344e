/**
 * Rebuilds a device's detection window from its stored readings after a cache miss (a restart,
 * an evicted device, or a device whose messages were handled by another replica until now).
 */
import type { TelemetryReading } from '@vigil/ml/features';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../telemetry/database';
import { Readings } from '../telemetry/schema';

/**
 * Readings replayed into a rebuilt window: the detector learns a metric's scales and longest
 * normal runs over its first 1,800 readings and counts the model's verdict only after 900, so a
 * shorter history would leave the model blind for up to 900 readings per device after a restart.
 */
export const RECENT_READINGS = 1_800;

export type RecentReadings = {
  /** The detector's `loadRecent` hook: the device's latest readings before the batch, oldest first. */
  load(deviceId: string): Promise<TelemetryReading[]>;
  /**
   * Sets, per device, the reading time the batch being scored starts at. The batch is already
   * committed, so without this cut its own readings would be replayed into the window and then
   * seen again as repeats.
   */
  startBatch(cutoffs: ReadonlyMap<string, number>): void;
};

/** The columns a detection window is rebuilt or caught up from. */
export const windowColumns = {
  ts: Readings.ts,
  receivedAt: Readings.receivedAt,
  boot: Readings.boot,
  seq: Readings.seq,
  metrics: Readings.metrics,
};

/** A row of `windowColumns` as the detector reads it. */
export function toTelemetryReading(row: {
  ts: Date;
  receivedAt: Date;
  boot: number;
  seq: number;
  metrics: TelemetryReading['metrics'];
}): TelemetryReading {
  return {
    receivedAt: row.receivedAt.getTime(),
    tsMs: row.ts.getTime(),
    boot: row.boot,
    seq: row.seq,
    metrics: row.metrics,
  };
}

/** The recent-readings loader over `database`. */
export function createRecentReadings(database: Database, limit = RECENT_READINGS): RecentReadings {
  let cutoffs: ReadonlyMap<string, number> = new Map();
  return {
    startBatch(next) {
      cutoffs = next;
    },
    async load(deviceId) {
      const cut = cutoffs.get(deviceId);
      const rows = await database.db
        .select(windowColumns)
        .from(Readings)
        .where(
          cut === undefined
            ? eq(Readings.deviceId, deviceId)
            : and(eq(Readings.deviceId, deviceId), lt(Readings.ts, new Date(cut))),
        )
        .orderBy(desc(Readings.ts))
        .limit(limit);
      return rows.reverse().map(toTelemetryReading);
    },
  };
}
