/**
 * Detection across replicas, against real PostgreSQL and the shipped model: when a device's
 * messages are spread over several servers, each catches its windows up from the readings the
 * others stored, so the anomalies are those a single server finds; a gap still being committed
 * by another replica is waited for, and a real gap is reported.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { sharedPostgres } from '@vigil/testkit';
import { eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { type CommittedReading, createDetection, type Detection } from '../src/detection';
import { Anomalies } from '../src/detection/schema';
import { type Database, openDatabase } from '../src/telemetry/database';
import { Readings } from '../src/telemetry/schema';
import { quietLog } from './evidence-support';

const MODELS = resolve(import.meta.dir, '../../../ml/models');
const model = {
  modelPath: join(MODELS, 'detector.onnx'),
  metadataPath: join(MODELS, 'detector.json'),
};

let database: Database;

beforeAll(async () => {
  const cluster = await sharedPostgres();
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
});
afterAll(async () => {
  await database.close();
});

/** Reading `seq` of a device reporting every second from `t0`. */
function reading(
  deviceId: string,
  seq: number,
  t0: number,
  metrics: Record<string, number> = {
    temperature: 21 + Math.sin(seq / 7),
    humidity: 40 + ((seq * 7) % 11) / 10,
  },
): CommittedReading {
  const tsMs = t0 + seq * 1000;
  const payload = new TextEncoder().encode(JSON.stringify({ ts: tsMs, boot: 5, seq, metrics }));
  return {
    deviceId,
    topic: `devices/${deviceId}/telemetry`,
    payload,
    receivedAt: tsMs + 4,
    tsMs,
    boot: 5,
    seq,
  };
}

/** Commits readings as ingest does before it hands them to detection. */
async function commit(readings: readonly CommittedReading[]): Promise<void> {
  await database.db.insert(Readings).values(
    readings.map((r) => ({
      deviceId: r.deviceId,
      ts: new Date(r.tsMs),
      boot: r.boot,
      seq: r.seq,
      receivedAt: new Date(r.receivedAt),
      metrics: JSON.parse(new TextDecoder().decode(r.payload)).metrics,
      payloadSha256: createHash('sha256').update(r.payload).digest(),
    })),
  );
}

const detect = (livePeers: number) =>
  createDetection({
    database,
    metrics: new Registry(),
    log: quietLog,
    model,
    livePeers: () => livePeers,
  });

async function anomaliesOf(deviceId: string) {
  const rows = await database.db.select().from(Anomalies).where(eq(Anomalies.deviceId, deviceId));
  return rows
    .map((a) => ({ seq: a.readingSeq, type: a.type, score: a.score, features: a.features }))
    .sort((a, b) => a.seq - b.seq);
}

describe('detection across replicas', () => {
  test('two replicas taking turns find exactly the anomalies one server finds', async () => {
    const t0 = Date.UTC(2026, 2, 1);
    // Calm, then a dropout (seqs 400-409 never sent), an out-of-range spike and a second dropout.
    const seqs = Array.from({ length: 1_200 }, (_, i) => i).filter(
      (s) => (s < 400 || s >= 410) && (s < 900 || s >= 906),
    );
    const stream = (deviceId: string) =>
      seqs.map((s) =>
        s === 700
          ? reading(deviceId, s, t0, { temperature: 900, humidity: 41 })
          : reading(deviceId, s, t0),
      );
    const batches = (deviceId: string) => {
      const all = stream(deviceId);
      const out: CommittedReading[][] = [];
      for (let i = 0; i < all.length; i += 7) out.push(all.slice(i, i + 7));
      return out;
    };

    const single = await detect(0);
    for (const batch of batches('solo')) {
      await commit(batch);
      await single.scoreBatch(batch);
    }
    await single.close();

    const replicas: Detection[] = [await detect(1), await detect(1)];
    for (const [k, batch] of batches('pair').entries()) {
      await commit(batch);
      await (replicas[k % 2] as Detection).scoreBatch(batch);
    }
    for (const r of replicas) await r.close();

    const solo = await anomaliesOf('solo');
    expect(solo.map((a) => a.type)).toEqual(expect.arrayContaining(['dropout', 'spike']));
    expect(await anomaliesOf('pair')).toEqual(solo);
  });

  test('a gap another replica is still committing is waited for; a real gap is reported', async () => {
    const t0 = Date.now() - 60_000;
    const history = Array.from({ length: 50 }, (_, s) => reading('late', s, t0));
    await commit(history);
    // Seqs 50-53 went to another replica, which commits them 150 ms after this one's batch is due.
    const elsewhere = [50, 51, 52, 53].map((s) => reading('late', s, t0));
    const mine = { ...reading('late', 54, t0), receivedAt: Date.now() };
    const peers = await detect(1);
    await peers.scoreBatch(history.slice(-1)); // the window now holds seq 49
    await commit([mine]);
    const committing = Bun.sleep(150).then(() => commit(elsewhere));
    const started = performance.now();
    expect(await peers.scoreBatch([mine])).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await committing;
    await peers.close();

    // Nobody else is committing: the same shape scored at once is the dropout it is.
    const history2 = Array.from({ length: 50 }, (_, s) => reading('lost', s, t0));
    await commit(history2);
    const lost = { ...reading('lost', 54, t0), receivedAt: Date.now() };
    await commit([lost]);
    const alone = await detect(0);
    await alone.scoreBatch(history2.slice(-1));
    const [dropout] = await alone.scoreBatch([lost]);
    expect(dropout).toMatchObject({ deviceId: 'lost', readingSeq: 54, type: 'dropout' });
    await alone.close();
  });
});
