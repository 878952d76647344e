/** Known data for storage and API tests, so expected aggregates can be computed by hand. */
import { createHash } from 'node:crypto';
import { Devices } from '../../src/devices/schema';
import type { Database } from '../../src/telemetry/database';
import { DeadLetters, type NewReading, Readings } from '../../src/telemetry/schema';

/** Start of the fixture hour, aligned to the hour. */
export const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);
export const READING_INTERVAL_MS = 10_000;
/** One hour of readings every 10 s. */
export const READING_COUNT = 360;

/** Reading i of device 'dev-1': temperature = i, motion = (i is even), label is not numeric. */
export function fixtureReading(i: number, deviceId = 'dev-1'): NewReading {
  const payload = JSON.stringify({ i });
  return {
    deviceId,
    ts: new Date(T0 + i * READING_INTERVAL_MS),
    boot: 7,
    seq: i,
    receivedAt: new Date(T0 + i * READING_INTERVAL_MS + 5),
    metrics: { temperature: i, motion: i % 2 === 0, ...(i % 3 === 0 ? { humidity: 40 } : {}) },
    payloadSha256: createHash('sha256').update(payload).digest(),
  };
}

/** Registers dev-1 and dev-2, an hour of dev-1 readings, a few dev-2 readings, 5 dead letters. */
export async function loadFixtures(database: Database): Promise<void> {
  await database.db.insert(Devices).values([
    { id: 'dev-1', name: 'Boiler room', model: 'esp32-env', lastSeen: new Date(T0 + 3_600_000) },
    { id: 'dev-2', source: 'auto' },
  ]);
  const readings = Array.from({ length: READING_COUNT }, (_, i) => fixtureReading(i));
  readings.push(fixtureReading(0, 'dev-2'), fixtureReading(1, 'dev-2'));
  await database.db.insert(Readings).values(readings);
  await database.db.insert(DeadLetters).values(
    ['schema', 'bad_json', 'schema', 'unknown_device', 'schema'].map((reason, i) => ({
      receivedAt: new Date(T0 + i * 1000),
      topic: `devices/dev-${(i % 2) + 1}/telemetry`,
      reason,
      detail: `detail ${i}`,
      deviceId: `dev-${(i % 2) + 1}`,
      payloadHead: new TextEncoder().encode(`{"bad":${i}`),
      payloadBytes: 100 + i,
    })),
  );
}
