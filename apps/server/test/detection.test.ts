/**
 * Detection in the server against real PostgreSQL and the shipped ONNX model: anomalies stored
 * with the raw payload and their evidence leaf, published and counted; windows rebuilt from
 * stored readings after a restart; a missing or corrupt model refused at start.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sharedPostgres } from '@vigil/testkit';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { bytesToHex } from 'viem';
import {
  type CommittedReading,
  createDetection,
  type DetectionOptions,
  DetectorLoadError,
} from '../src/detection';
import { Anomalies } from '../src/detection/schema';
import { createEventBus, type VigilEvent } from '../src/events/bus';
import { enqueueEvidence } from '../src/evidence/outbox';
import { leafOfAnomaly } from '../src/evidence/record';
import { EvidenceOutbox } from '../src/evidence/schema';
import { type Database, openDatabase } from '../src/telemetry/database';
import { Readings } from '../src/telemetry/schema';
import { quietLog } from './evidence-support';

const MODELS = resolve(import.meta.dir, '../../../ml/models');
const model = {
  modelPath: join(MODELS, 'detector.onnx'),
  metadataPath: join(MODELS, 'detector.json'),
};
const T0 = Date.UTC(2026, 1, 2, 8, 0, 0);

function reading(
  i: number,
  metrics: Record<string, number | boolean>,
  boot = 7,
  deviceId = 'dev-1',
): CommittedReading {
  const tsMs = T0 + i * 1000;
  const payload = new TextEncoder().encode(JSON.stringify({ ts: tsMs, boot, seq: i, metrics }));
  return {
    deviceId,
    topic: `devices/${deviceId}/telemetry`,
    payload,
    receivedAt: tsMs + 5,
    tsMs,
    boot,
    seq: i,
  };
}

const calm = (i: number) => reading(i, { temperature: 21 + 0.05 * Math.sin(i), humidity: 40 });

let databaseUrl: string;
let database: Database;
let dir: string;

beforeAll(async () => {
  const cluster = await sharedPostgres();
  databaseUrl = await cluster.createDatabase();
  database = await openDatabase({ url: databaseUrl, dataDir: '' });
  dir = await mkdtemp(join(tmpdir(), 'vigil-detection-'));
});
afterAll(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

/** Detection as the server runs it: events on a bus, metrics, evidence leaves queued. */
async function startDetection(gather?: DetectionOptions['gather']) {
  const bus = createEventBus();
  const events: VigilEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const metrics = new Registry();
  const detection = await createDetection({
    database,
    metrics,
    log: quietLog,
    bus,
    model,
    onStored: enqueueEvidence,
    ...(gather === undefined ? {} : { gather }),
  });
  return { detection, events, metrics };
}

describe('detection', () => {
  test('an out-of-range reading becomes a stored, published, counted anomaly with its leaf queued', async () => {
    const { detection, events, metrics } = await startDetection();
    const calmBatch = Array.from({ length: 40 }, (_, i) => calm(i));
    expect(await detection.scoreBatch(calmBatch)).toEqual([]);

    const hot = reading(40, { temperature: 900, humidity: 40 });
    detection.submit([calm(41), hot]);
    await detection.idle();
    const stored = await database.db.select().from(Anomalies);
    expect(stored).toHaveLength(1);
    const [anomaly] = stored;
    if (anomaly === undefined) throw new Error('unreachable');
    expect(anomaly).toMatchObject({
      deviceId: 'dev-1',
      readingBoot: 7,
      readingSeq: 40,
      type: 'spike',
      severity: 'high',
      threshold: detection.detector.threshold,
    });
    expect(anomaly.readingTs.getTime()).toBe(hot.tsMs);
    expect(anomaly.score).toBeGreaterThanOrEqual(detection.detector.threshold);
    expect(Buffer.from(anomaly.payload).equals(Buffer.from(hot.payload))).toBe(true);
    expect(Buffer.from(anomaly.payloadSha256).toString('hex')).toBe(
      createHash('sha256').update(hot.payload).digest('hex'),
    );
    expect(Buffer.from(anomaly.modelSha256).toString('hex')).toBe(
      detection.detector.metadata.modelSha256,
    );
    expect(Object.keys(anomaly.features).length).toBeGreaterThan(5);

    const [queued] = await database.db.select().from(EvidenceOutbox);
    expect(queued && bytesToHex(queued.leaf)).toBe(leafOfAnomaly(anomaly));
    expect(events).toEqual([
      {
        type: 'anomaly',
        anomalyId: anomaly.id.toString(),
        deviceId: 'dev-1',
        ts: hot.tsMs,
        anomalyType: 'spike',
        severity: 'high',
        score: anomaly.score,
      },
    ]);
    const counted = await metrics.getSingleMetricAsString('vigil_anomalies_total');
    expect(counted).toContain('vigil_anomalies_total{type="spike",severity="high"} 1');
    await detection.close();
  });

  test('later batches are scored while anomalies wait to commit, then stored together', async () => {
    // Each batch is its own scoring run here, so only the store can have grouped them.
    const { detection, events, metrics } = await startDetection({ minItems: 1, maxWaitMs: 0 });
    const calmOf = (i: number) => ({
      ...calm(i),
      deviceId: 'dev-5',
      topic: 'devices/dev-5/telemetry',
    });
    const hot = (i: number) => reading(i, { temperature: 900, humidity: 40 }, 7, 'dev-5');
    await detection.scoreBatch(Array.from({ length: 40 }, (_, i) => calmOf(i)));
    const scored = async () =>
      (await metrics.getSingleMetric('vigil_readings_scored_total')?.get())?.values[0]?.value;

    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const lock = await sql.reserve();
    try {
      // Inserts into anomalies wait for this lock: the first batch's store cannot commit.
      await lock`BEGIN`;
      await lock`LOCK TABLE anomalies IN SHARE MODE`;
      detection.submit([calmOf(40), hot(41)]);
      detection.submit([hot(42)]);
      detection.submit([calmOf(43), hot(44)]);
      const deadline = Date.now() + 3_000;
      while ((await scored()) !== 45 && Date.now() < deadline) await Bun.sleep(10);
      expect(await scored()).toBe(45);
      expect(events).toEqual([]);
      await lock`COMMIT`;
    } finally {
      lock.release();
    }
    await detection.idle();
    const rows = await sql<{ seq: number; tx: string }[]>`
      SELECT reading_seq::int AS seq, xmin::text AS tx FROM anomalies
      WHERE device_id = 'dev-5' ORDER BY reading_seq`;
    await sql.end();
    expect(rows.map((r) => r.seq)).toEqual([41, 42, 44]);
    // The two batches scored while the first one's store waited were stored in one transaction.
    expect(rows[1]?.tx).toBe(rows[2]?.tx as string);
    expect(rows[0]?.tx).not.toBe(rows[1]?.tx as string);
    expect(events.map((e) => (e.type === 'anomaly' ? e.ts : null))).toEqual(
      [41, 42, 44].map((i) => hot(i).tsMs),
    );
    await detection.close();
  });

  test('small batches committed together are scored in one run, then each is handled', async () => {
    const { detection, events, metrics } = await startDetection();
    const runs = async () =>
      (await metrics.getSingleMetric('vigil_detection_batch_seconds')?.get())?.values.find(
        (v) => (v as { metricName?: string }).metricName === 'vigil_detection_batch_seconds_count',
      )?.value;
    const on = (i: number) => ({ ...calm(i), deviceId: 'dev-7', topic: 'devices/dev-7/telemetry' });
    await detection.scoreBatch(Array.from({ length: 40 }, (_, i) => on(i + 30_000)));
    expect(await runs()).toBe(1);

    const hot = reading(30_041, { temperature: 900, humidity: 40 }, 7, 'dev-7');
    const started = performance.now();
    const handled = [
      detection.submit([on(30_040)]),
      detection.submit([hot]),
      detection.submit([on(30_042)]),
    ];
    await Promise.all(handled);
    // Three readings are far fewer than a run's 250: they waited the 20 ms for one run together.
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(await runs()).toBe(2);
    expect(events.filter((e) => e.type === 'anomaly').map((e) => e.deviceId)).toEqual(['dev-7']);
    await detection.close();
  });

  test('after a restart the window is rebuilt from stored readings (a second sender is caught)', async () => {
    const history = Array.from({ length: 40 }, (_, i) => calm(i + 1000));
    await database.db.insert(Readings).values(
      history.map((r) => ({
        deviceId: 'dev-2',
        ts: new Date(r.tsMs),
        boot: r.boot,
        seq: r.seq,
        receivedAt: new Date(r.receivedAt),
        metrics: { temperature: 21, humidity: 40 },
        payloadSha256: createHash('sha256').update(r.payload).digest(),
      })),
    );
    // Another boot talking while boot 7 is still live: only visible with the device's history.
    const intruder = { ...reading(1040, { temperature: 21, humidity: 40 }, 99, 'dev-2'), seq: 50 };
    const restarted = await createDetection({
      database,
      metrics: new Registry(),
      log: quietLog,
      model,
    });
    const [anomaly] = await restarted.scoreBatch([intruder]);
    expect(anomaly).toMatchObject({ deviceId: 'dev-2', type: 'spoof', severity: 'critical' });
    await restarted.close();

    const noHistory = await createDetection({
      database,
      metrics: new Registry(),
      log: quietLog,
      model,
    });
    const fresh = { ...intruder, deviceId: 'dev-3', topic: 'devices/dev-3/telemetry' };
    expect(await noHistory.scoreBatch([fresh])).toEqual([]);
    await noHistory.close();
  });

  test('after a restart a device with a long history is judged by the model at once', async () => {
    const history = Array.from({ length: 1_800 }, (_, i) => calm(i + 10_000));
    await database.db.insert(Readings).values(
      history.map((r) => ({
        deviceId: 'dev-4',
        ts: new Date(r.tsMs),
        boot: r.boot,
        seq: r.seq,
        receivedAt: new Date(r.receivedAt),
        metrics: { temperature: 21 + 0.05 * Math.sin(r.seq), humidity: 40 },
        payloadSha256: createHash('sha256').update(r.payload).digest(),
      })),
    );
    const restarted = await createDetection({
      database,
      metrics: new Registry(),
      log: quietLog,
      model,
    });
    const next = { ...calm(11_800), deviceId: 'dev-4', topic: 'devices/dev-4/telemetry' };
    const [verdict] = await restarted.detector.scoreBatch([next]);
    expect(verdict?.settled).toBe(true);
    await restarted.close();
  });

  test('a redelivery of readings this process scored is skipped; one it never scored is scored', async () => {
    const { detection, metrics } = await startDetection();
    const scored = async () =>
      (await metrics.getSingleMetric('vigil_readings_scored_total')?.get())?.values[0]?.value;
    const on = (i: number, deviceId: string) => ({
      ...calm(i),
      deviceId,
      topic: `devices/${deviceId}/telemetry`,
    });
    const first = Array.from({ length: 40 }, (_, i) => on(i + 20_000, 'dev-8'));
    const other = Array.from({ length: 5 }, (_, i) => on(i + 20_000, 'dev-9'));
    expect(await detection.scoreBatch([...first, ...other])).toEqual([]);
    expect(await scored()).toBe(45);

    // The broker delivers the last ten again (their acknowledgement was lost) with one new reading:
    // scoring them again would show the window each of them twice, which is what a replay is.
    const again = first.slice(30).map((r) => ({ ...r, redelivered: true }));
    expect(await detection.scoreBatch([...again, on(20_040, 'dev-8')])).toEqual([]);
    expect(await scored()).toBe(46);

    // A redelivery of a reading nobody scored yet (committed, then the process died) is scored.
    expect(await detection.scoreBatch([{ ...on(20_041, 'dev-8'), redelivered: true }])).toEqual([]);
    expect(await scored()).toBe(47);

    // The original and its redelivery committed in two batches that are scored in one run.
    const original = on(20_042, 'dev-8');
    await Promise.all([
      detection.submit([original, on(20_043, 'dev-8')]),
      detection.submit([{ ...original, redelivered: true }, on(20_044, 'dev-8')]),
    ]);
    expect(await scored()).toBe(50);

    // After a restart the broker delivers again what was stored but never scored, and it can share
    // a run with newer readings that are scored first: the newer ones do not make it look scored.
    await detection.submit([on(20_047, 'dev-8'), { ...on(20_045, 'dev-8'), redelivered: true }]);
    expect(await scored()).toBe(52);
    expect(
      await database.db.select().from(Anomalies).where(eq(Anomalies.deviceId, 'dev-8')),
    ).toEqual([]);
    await detection.close();
  });

  test('a missing or corrupt model stops detection from starting, with the reason', async () => {
    const missing = createDetection({
      database,
      metrics: new Registry(),
      log: quietLog,
      model: { ...model, modelPath: join(dir, 'nope.onnx') },
    });
    await expect(missing).rejects.toThrow(DetectorLoadError);
    await expect(missing).rejects.toThrow(/model file not found/);

    const corrupt = join(dir, 'corrupt.onnx');
    const bytes = new Uint8Array(await Bun.file(model.modelPath).arrayBuffer());
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await Bun.write(corrupt, bytes);
    await expect(
      createDetection({
        database,
        metrics: new Registry(),
        log: quietLog,
        model: { ...model, modelPath: corrupt },
      }),
    ).rejects.toThrow(/SHA-256/);
  });
});
