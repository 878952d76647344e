/**
 * `bun run bench:evidence`: evidence anchoring as the embedded server runs it — real PostgreSQL
 * (fsync and synchronous_commit on) from the test kit, a local Hardhat node with the registry
 * deployed (the server's own startEmbeddedChain), and the server's evidence module with its
 * default batching (EVIDENCE_BATCH_MS 1000, EVIDENCE_BATCH_MAX 1000).
 *
 * 1. Latency: anomalies stored at --rate per second for --duration seconds, each in its own
 *    transaction with its outbox leaf, as detection stores them. Detected = that transaction
 *    committed; confirmed = the server published its 'evidence' event, i.e. the batch's receipt
 *    was in and its proofs committed. Reported: p50/p95/max of confirmed - detected.
 * 2. Batch size: 1,000 anomalies at once must go into one transaction; then the largest batch the
 *    configuration allows (EVIDENCE_BATCH_MAX 10,000), with its time from planned to recorded.
 * 3. Gas per anomaly at batch sizes 1, 100 and 1,000 (measureAnchorGas, real Merkle batches).
 *
 * The server code is imported by path: this file measures the module as it ships.
 * Flags: --rate (20) --duration s (15) --batch-ms (1000). Last line: one JSON object.
 */
import { parseArgs } from 'node:util';
import { startPostgres } from '@vigil/testkit';
import { Anomalies, type NewAnomaly } from '../apps/server/src/detection/schema';
import { createEventBus } from '../apps/server/src/events/bus';
import { createEvidence, type Evidence } from '../apps/server/src/evidence';
import { startEmbeddedChain } from '../apps/server/src/evidence/chain';
import { enqueueEvidence } from '../apps/server/src/evidence/outbox';
import { EvidenceBatches } from '../apps/server/src/evidence/schema';
import { createLogger } from '../apps/server/src/log';
import { type Database, openDatabase } from '../apps/server/src/telemetry/database';
import { measureAnchorGas } from '../contracts/src/gas';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '15' },
    'batch-ms': { type: 'string', default: '1000' },
  },
  strict: true,
});
const rate = positive(values.rate, 'rate');
const durationS = positive(values.duration, 'duration');
const batchMs = positive(values['batch-ms'], 'batch-ms');
const TARGET_P95_MS = 3000;
const MODEL_SHA256 = new Uint8Array(new Bun.CryptoHasher('sha256').update('bench model').digest());

const log = createLogger('warn');
const pg = await startPostgres({ durable: true });
const chain = await startEmbeddedChain();
const cleanup: Array<() => Promise<unknown>> = [() => chain.close(), () => pg.stop()];
try {
  const latency = await measureLatency();
  const batches = await measureBatchSizes();
  console.log('gas per anomaly (batch size: gas used, per anomaly)...');
  const gas = await measureAnchorGas(chain.walletClient, chain.publicClient, [1, 100, 1000]);
  const gasPerAnomaly: Record<string, number> = {};
  for (const b of gas.batches) {
    gasPerAnomaly[String(b.batchSize)] = Math.round(b.gasPerAnomaly);
    console.log(`  ${b.batchSize}: ${b.gasUsed} gas, ${Math.round(b.gasPerAnomaly)} per anomaly`);
  }
  const result = {
    bench: 'evidence',
    anomalies: latency.count,
    ratePerS: rate,
    batchMs,
    p50ConfirmMs: latency.p50,
    p95ConfirmMs: latency.p95,
    maxConfirmMs: latency.max,
    targetP95ConfirmMs: TARGET_P95_MS,
    p95TargetMet: latency.p95 <= TARGET_P95_MS,
    batchesInLatencyRun: latency.batches,
    thousandInOneTx: batches.thousandInOneTx,
    thousandConfirmMs: batches.thousandMs,
    maxLeavesPerTx: batches.maxLeaves,
    maxBatchConfirmMs: batches.maxMs,
    gasPerAnomaly,
    firstBatchGas: Number(gas.firstBatchGasUsed),
  };
  console.log(JSON.stringify(result));
} finally {
  for (const stop of cleanup) await stop().catch(() => {});
}

/** Phase 1: anomalies trickling in at `rate`, each timed from commit to its evidence event. */
async function measureLatency() {
  const database = await openDatabase({ url: await pg.createDatabase(), dataDir: '' });
  const bus = createEventBus();
  const detected = new Map<string, number>();
  const confirmMs: number[] = [];
  bus.subscribe((event) => {
    if (event.type !== 'evidence') return;
    const at = detected.get(event.anomalyId);
    if (at !== undefined) confirmMs.push(performance.now() - at);
  });
  const evidence = createEvidence({ database, chain, log, bus, batchMs });
  await evidence.start();
  const total = Math.round(rate * durationS);
  console.log(`latency: ${total} anomalies at ${rate}/s, batches every ${batchMs} ms...`);
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    const [stored] = await storeAnomalies(database, i, 1);
    if (stored !== undefined) detected.set(stored.id.toString(), performance.now());
  }
  await drain(evidence, 30_000);
  const batches = (await database.db.select().from(EvidenceBatches)).length;
  await evidence.stop();
  await database.close();
  confirmMs.sort((a, b) => a - b);
  if (confirmMs.length !== total)
    throw new Error(`${total - confirmMs.length} anomalies never confirmed`);
  const at = (q: number) =>
    Math.round(confirmMs[Math.min(confirmMs.length - 1, Math.floor(q * confirmMs.length))] ?? 0);
  console.log(`  p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms over ${batches} batches`);
  return { count: total, p50: at(0.5), p95: at(0.95), max: at(1), batches };
}

/** Phase 2: a backlog of 1,000, then of EVIDENCE_BATCH_MAX's ceiling, each into one transaction. */
async function measureBatchSizes() {
  const one = await backlogRun(1000, 1000);
  console.log(`1,000 anomalies: ${one.sizes.join(' + ')} leaves per tx, confirmed in ${one.ms} ms`);
  const ceiling = await backlogRun(10_000, 10_000);
  console.log(
    `10,000 anomalies: ${ceiling.sizes.join(' + ')} leaves per tx, confirmed in ${ceiling.ms} ms`,
  );
  return {
    thousandInOneTx: one.sizes.length === 1 && one.sizes[0] === 1000,
    thousandMs: one.ms,
    maxLeaves: Math.max(...one.sizes, ...ceiling.sizes),
    maxMs: ceiling.ms,
  };
}

async function backlogRun(count: number, batchMax: number) {
  const database = await openDatabase({ url: await pg.createDatabase(), dataDir: '' });
  for (let i = 0; i < count; i += 1000)
    await storeAnomalies(database, i, Math.min(1000, count - i));
  const evidence = createEvidence({
    database,
    chain,
    log,
    batchMs,
    batchMax,
  });
  const started = performance.now();
  await evidence.start();
  await drain(evidence, 120_000);
  const ms = Math.round(performance.now() - started);
  const sizes = (await database.db.select().from(EvidenceBatches)).map((b) => b.leafCount);
  await evidence.stop();
  await database.close();
  return { sizes, ms };
}

async function drain(evidence: Evidence, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while ((await evidence.backlog()) > 0) {
    if (performance.now() > deadline) throw new Error(`backlog not drained within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** Anomalies as detection stores them: rows and outbox leaves in one transaction. */
function storeAnomalies(database: Database, from: number, count: number) {
  return database.transaction(async (tx) => {
    const rows = await tx
      .insert(Anomalies)
      .values(Array.from({ length: count }, (_, k) => anomaly(from + k)))
      .returning();
    await enqueueEvidence(tx, rows);
    return rows;
  });
}

function anomaly(i: number): NewAnomaly {
  const ts = Date.now();
  const payload = new TextEncoder().encode(
    JSON.stringify({ ts, boot: 1, seq: i, metrics: { temperature: 90 + (i % 7), proximity: 2 } }),
  );
  return {
    deviceId: `bench-${i % 50}`,
    readingTs: new Date(ts),
    readingBoot: 1,
    readingSeq: i,
    detectedAt: new Date(ts),
    type: 'tamper',
    severity: 'critical',
    score: 0.99,
    features: { proximity_drop: 10 },
    payload,
    payloadSha256: new Uint8Array(new Bun.CryptoHasher('sha256').update(payload).digest()),
    modelSha256: MODEL_SHA256,
    threshold: 0.676,
  };
}

function positive(raw: string, name: string): number {
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got '${raw}'`);
  return value;
}
