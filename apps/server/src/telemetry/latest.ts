/**
 * The newest stored reading of each device, for a dashboard's first paint: one row per device
 * that has any reading, found through the readings key (device_id, ts, ...) backwards, so the
 * cost grows with the number of devices, not with the readings they have stored.
 */
import { desc, eq, inArray, sql } from 'drizzle-orm';
import { Devices } from '../devices/schema';
import type { Database } from './database';
import type { LatestQuery } from './inputs';
import { type MetricValue, Readings } from './schema';

export type LatestReadingView = {
  deviceId: string;
  /** Reading time, epoch milliseconds. */
  ts: number;
  metrics: Record<string, MetricValue>;
};

/** The newest reading of every registered device (or of `deviceIds`), ordered by device id. */
export async function latestReadings(
  database: Database,
  query: LatestQuery,
): Promise<LatestReadingView[]> {
  const newest = database.db
    .select({ ts: Readings.ts, metrics: Readings.metrics })
    .from(Readings)
    .where(eq(Readings.deviceId, Devices.id))
    .orderBy(desc(Readings.ts), desc(Readings.boot), desc(Readings.seq))
    .limit(1)
    .as('newest');
  const rows = await database.db
    .select({ deviceId: Devices.id, ts: newest.ts, metrics: newest.metrics })
    .from(Devices)
    .innerJoinLateral(newest, sql`true`)
    .where(query?.deviceIds === undefined ? undefined : inArray(Devices.id, query.deviceIds))
    .orderBy(Devices.id);
  return rows.map((row) => ({
    deviceId: row.deviceId,
    ts: row.ts.getTime(),
    metrics: row.metrics,
  }));
}
