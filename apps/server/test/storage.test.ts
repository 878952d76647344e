/**
 * Storage on real databases: the same cases on PostgreSQL 15 and on PGlite. Migrations apply,
 * the dedup key holds, queries and bucketed aggregates return what the known data implies.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { InvalidInputError, NotFoundError } from '../src/errors';
import type { Database } from '../src/telemetry/database';
import { deadLetterQueryInput, telemetryQueryInput } from '../src/telemetry/inputs';
import { createTelemetryQueries } from '../src/telemetry/queries';
import { Readings } from '../src/telemetry/schema';
import { drivers } from './support/drivers';
import { fixtureReading, loadFixtures, READING_COUNT, T0 } from './support/fixtures';

const HOUR = 3_600_000;
const now = () => new Date(T0 + HOUR);

for (const driver of drivers) {
  describe(`storage on ${driver.name}`, () => {
    let database: Database;
    const queries = () => createTelemetryQueries(database, now);
    const telemetry = (input: Record<string, unknown>) =>
      queries().telemetry(telemetryQueryInput.parse({ deviceId: 'dev-1', ...input }));

    beforeAll(async () => {
      database = await driver.open();
      await loadFixtures(database);
    });
    afterAll(() => database.close());

    test('migrations created the summary functions, inlinable where it matters', async () => {
      const rows = await database.execute<{ name: string }>(sql`
        select proname as name from pg_proc
        where proname like 'vigil\_%'
        order by 1`);
      expect(rows.map((row) => row.name)).toEqual([
        'vigil_json_number',
        'vigil_metric_value',
        'vigil_metrics_fold',
        'vigil_metrics_merge',
        'vigil_metrics_summary',
      ]);
      // A STRICT SQL function with a CASE body is never inlined: 10x slower bucketed queries.
      const strict = await database.execute<{ strict: boolean }>(
        sql`select proisstrict as strict from pg_proc where proname = 'vigil_metric_value'`,
      );
      expect(strict).toEqual([{ strict: false }]);
      expect(database.kind).toBe(driver.name);
      await database.ping();
    });

    test('a redelivered reading is stored once', async () => {
      const again = fixtureReading(5);
      const inserted = await database.db
        .insert(Readings)
        .values([again, fixtureReading(6)])
        .onConflictDoNothing()
        .returning({ seq: Readings.seq });
      expect(inserted).toEqual([]);
      await expect(database.db.insert(Readings).values(again).execute()).rejects.toThrow();
      const [count] = await database.execute<{ n: number }>(
        sql`select count(*)::int as n from readings where device_id = 'dev-1'`,
      );
      expect(count?.n).toBe(READING_COUNT);
    });

    test('same seq in a new boot is a new reading', async () => {
      const rebooted = { ...fixtureReading(5, 'dev-3'), boot: 8 };
      const first = await database.db
        .insert(Readings)
        .values([fixtureReading(5, 'dev-3'), rebooted])
        .onConflictDoNothing()
        .returning({ boot: Readings.boot });
      expect(first.map((row) => row.boot).sort()).toEqual([7, 8]);
    });

    test('vigil_metrics_summary folds every metric; merging halves equals the whole', async () => {
      const [row] = await database.execute<{ whole: unknown; merged: unknown }>(sql`
        select vigil_metrics_summary(metrics) as whole,
          vigil_metrics_merge(
            (select vigil_metrics_summary(metrics) from readings where device_id = 'dev-1' and seq < 100),
            (select vigil_metrics_summary(metrics) from readings where device_id = 'dev-1' and seq >= 100)
          ) as merged
        from readings where device_id = 'dev-1'`);
      const whole = row?.whole as Record<string, Record<string, number>>;
      expect(whole.temperature).toEqual({
        min: 0,
        max: READING_COUNT - 1,
        sum: (READING_COUNT * (READING_COUNT - 1)) / 2,
        count: READING_COUNT,
      });
      expect(whole.motion).toEqual({
        min: 0,
        max: 1,
        sum: READING_COUNT / 2,
        count: READING_COUNT,
      });
      expect(whole.humidity).toEqual({ min: 40, max: 40, sum: 40 * 120, count: 120 });
      expect(row?.merged).toEqual(whole);
    });

    test('raw readings: newest first, [from, to), limited, truncation reported', async () => {
      const result = await telemetry({ from: T0 + 10 * 10_000, to: T0 + 20 * 10_000, limit: 4 });
      if (result.kind !== 'raw') throw new Error('expected raw rows');
      expect(result.readings.map((r) => r.seq)).toEqual([19, 18, 17, 16]);
      expect(result.truncated).toBe(true);
      expect(result.readings[0]).toMatchObject({
        ts: new Date(T0 + 190_000).toISOString(),
        boot: 7,
        metrics: { temperature: 19, motion: false },
      });
      expect(result.readings[0]?.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
      const all = await telemetry({ from: T0 + 10 * 10_000, to: T0 + 20 * 10_000 });
      expect(all.kind === 'raw' && all.readings.length).toBe(10);
      expect(all.kind === 'raw' && all.truncated).toBe(false);
    });

    test('raw readings filtered by metric carry only that metric', async () => {
      const result = await telemetry({ from: T0, to: T0 + 60_000, metric: 'humidity' });
      if (result.kind !== 'raw') throw new Error('expected raw rows');
      expect(result.readings.map((r) => [r.seq, r.metrics])).toEqual([
        [3, { humidity: 40 }],
        [0, { humidity: 40 }],
      ]);
    });

    test('bucketed: 5-minute min/max/avg/count of a numeric and a boolean metric', async () => {
      const result = await telemetry({
        from: T0,
        to: T0 + HOUR,
        metric: 'temperature',
        bucket: '5m',
      });
      if (result.kind !== 'bucketed') throw new Error('expected buckets');
      expect(result.source).toBe('readings');
      expect(result.buckets).toHaveLength(12);
      expect(result.buckets[1]).toEqual({
        bucket: new Date(T0 + 300_000).toISOString(),
        min: 30,
        max: 59,
        avg: 44.5,
        count: 30,
      });
      const motion = await telemetry({ from: T0, to: T0 + HOUR, metric: 'motion', bucket: '1h' });
      expect(motion.kind === 'bucketed' && motion.buckets).toEqual([
        { bucket: new Date(T0).toISOString(), min: 0, max: 1, avg: 0.5, count: 360 },
      ]);
    });

    test('bucketed ranges widen to whole buckets', async () => {
      const result = await telemetry({
        from: T0 + 290_000,
        to: T0 + 310_000,
        metric: 'temperature',
        bucket: '5m',
      });
      if (result.kind !== 'bucketed') throw new Error('expected buckets');
      expect([result.from, result.to]).toEqual([
        new Date(T0).toISOString(),
        new Date(T0 + 600_000).toISOString(),
      ]);
      expect(result.buckets.map((b) => b.count)).toEqual([30, 30]);
    });

    test('continuous-aggregate path gives the same buckets as raw rows', async () => {
      // TimescaleDB cannot run here; plain views with the continuous aggregates' exact shape
      // (bucket, reading_count, summary per device) exercise the re-aggregation SQL for real.
      for (const [name, width] of [
        ['readings_1m', '1 minute'],
        ['readings_1h', '1 hour'],
      ] as const) {
        await database.execute(
          sql.raw(`create view ${name} as
            select device_id, date_bin('${width}', ts, timestamptz 'epoch') as bucket,
              count(*) as reading_count, vigil_metrics_summary(metrics) as summary
            from readings group by 1, 2`),
        );
      }
      try {
        for (const [bucket, metric, source] of [
          ['5m', 'temperature', 'readings_1m'],
          ['2h', 'motion', 'readings_1h'],
          ['1h', 'humidity', 'readings_1h'],
          ['30s', 'temperature', 'readings'],
        ] as const) {
          const input = { from: T0 - HOUR, to: T0 + 2 * HOUR, metric, bucket };
          const viaAggregate = await telemetry(input);
          const plain = await createTelemetryQueries(database, now).telemetry(
            telemetryQueryInput.parse({ deviceId: 'dev-1', ...input }),
          );
          expect(viaAggregate.kind === 'bucketed' && viaAggregate.source).toBe(source);
          expect(viaAggregate).toEqual({ ...plain, source } as typeof plain);
          expect(viaAggregate.kind === 'bucketed' && viaAggregate.buckets.length).toBeGreaterThan(
            0,
          );
        }
      } finally {
        await database.execute(sql`drop view readings_1m, readings_1h`);
      }
    });

    test('bad ranges and unknown devices fail with typed errors', async () => {
      await expect(telemetry({ from: T0, to: T0 })).rejects.toThrow(InvalidInputError);
      await expect(telemetry({ from: T0 - 40 * 24 * HOUR, to: T0 })).rejects.toThrow(/31 days/);
      await expect(telemetry({ bucket: '5m' })).rejects.toThrow(/needs a metric/);
      await expect(
        telemetry({ from: 0, to: T0, metric: 'temperature', bucket: '1m' }),
      ).rejects.toThrow(/more than 10000/);
      await expect(
        queries().telemetry(telemetryQueryInput.parse({ deviceId: 'nope' })),
      ).rejects.toThrow(NotFoundError);
    });

    test('dead letters: newest first, filtered, paginated', async () => {
      const page = (input: Record<string, unknown>) =>
        queries().deadLetters(deadLetterQueryInput.parse(input));
      const first = await page({ limit: 2 });
      expect(first.deadLetters.map((d) => d.reason)).toEqual(['schema', 'unknown_device']);
      expect(first.deadLetters[0]).toMatchObject({
        topic: 'devices/dev-1/telemetry',
        detail: 'detail 4',
        payloadBytes: 104,
        payloadHeadText: '{"bad":4',
        payloadHeadHex: Buffer.from('{"bad":4').toString('hex'),
      });
      const second = await page({ limit: 2, before: first.nextBefore });
      const third = await page({ limit: 2, before: second.nextBefore });
      expect(second.deadLetters.map((d) => d.detail)).toEqual(['detail 2', 'detail 1']);
      expect(third.deadLetters.map((d) => d.detail)).toEqual(['detail 0']);
      expect(third.nextBefore).toBeNull();
      const schema = await page({ reason: 'schema', deviceId: 'dev-1' });
      expect(schema.deadLetters.map((d) => d.detail)).toEqual(['detail 4', 'detail 2', 'detail 0']);
    });
  });
}
