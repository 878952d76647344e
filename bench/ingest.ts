/**
 * `bun run bench:ingest`: the ingest path end to end on this machine. Real Mosquitto (shipped
 * config) and real PostgreSQL (fsync and synchronous_commit on, as production) from the test kit;
 * the server as it ships (`bun apps/server/src/main.ts`, default settings, anchoring on one local
 * chain started for the run); a load generator in its own process with N devices publishing QoS 1.
 * In the same run, two baselines on the same broker and database cluster: (a) the naive tutorial
 * pipeline, (b) a subscriber that does nothing.
 *
 * Latency is publish-to-commit: the payload's ts (set by the generator at publish, same clock)
 * to the moment the server's flush transaction returned from COMMIT, as the server's own
 * vigil_publish_to_commit_seconds histogram records it (scraped before and after each phase and
 * differenced; percentiles interpolated within buckets). A column default such as now() would be
 * the transaction's start, and clock_timestamp() the row's insertion, both before the commit.
 *
 * Each Vigil phase loads the server for --warmup seconds before its latency is measured over the
 * next --duration seconds (start-up is not the sustained rate); delivery counts both.
 *
 * Flags: --rate (16700) --max-rate (25000; 0 skips) --duration s (20) --warmup s (5) --devices (100)
 *        --replicas (1) --naive-duration s (10) --raw-rate (50000) --raw-duration s (5) --pairs (3)
 * The last line printed is one JSON object with every figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startRegistryChain } from '@vigil/contracts/registry-chain';
import { startMosquitto, startPostgres } from '@vigil/testkit';
import postgres from 'postgres';
import type { LoadResult } from './load-generator';
import { compareDelivery, median, peakRssMb, sampleQuantile } from './measure';
import { runVigil, type VigilPhase } from './vigil-phase';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '16700' },
    'max-rate': { type: 'string', default: '25000' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    devices: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '1' },
    'naive-duration': { type: 'string', default: '10' },
    'raw-rate': { type: 'string', default: '50000' },
    'raw-duration': { type: 'string', default: '5' },
    pairs: { type: 'string', default: '3' },
  },
});
const num = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};
const rate = num('rate');
const maxRate = num('max-rate');
const duration = num('duration');
const devices = num('devices');
const replicas = Math.max(1, Math.floor(num('replicas')));
const pairs = Math.max(1, Math.floor(num('pairs')));

const here = import.meta.dir;
const work = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const log = (line: string) => console.log(line);

/** Runs the load generator process to completion and returns what the broker acknowledged. */
export async function runLoad(
  url: string,
  root: string,
  offered: number,
  seconds: number,
): Promise<LoadResult & { cpuSeconds: number }> {
  const out = join(work, `load-${root}.json`);
  const gen = Bun.spawn(
    [
      'bun',
      join(here, 'load-generator.ts'),
      '--url',
      url,
      '--root',
      root,
      '--devices',
      String(devices),
      '--rate',
      String(offered),
      '--duration',
      String(seconds),
      '--out',
      out,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if ((await gen.exited) !== 0) throw new Error('load generator failed');
  const usage = gen.resourceUsage();
  const cpuSeconds =
    usage === undefined ? Number.NaN : Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6;
  return { ...((await Bun.file(out).json()) as LoadResult), cpuSeconds };
}

/** Resolves when `probe` is true; false when `timeoutMs` passed first. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await Bun.sleep(50);
  }
  return false;
}

async function waitForLine(stream: ReadableStream<Uint8Array>, word: string): Promise<void> {
  const decoder = new TextDecoder();
  let seen = '';
  for await (const chunk of stream) {
    seen += decoder.decode(chunk);
    if (seen.includes(word)) return;
  }
  throw new Error(`process ended before printing ${word}: ${seen}`);
}

type Baseline = {
  msgPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  peakRssMb: number;
};

async function runNaive(
  mqttUrl: string,
  databaseUrl: string,
  offered: number,
  seconds: number,
): Promise<Baseline> {
  const out = join(work, 'naive.json');
  const proc = Bun.spawn(
    [
      'bun',
      join(here, 'naive-pipeline.ts'),
      '--mqtt',
      mqttUrl,
      '--database',
      databaseUrl,
      '--out',
      out,
      '--root',
      'naive',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await waitForLine(proc.stdout, 'READY');
    const load = await runLoad(mqttUrl, 'naive', offered, seconds);
    const countRows = async () =>
      Number((await sql`SELECT count(*)::int AS n FROM naive_readings`)[0]?.n);
    await waitFor(async () => (await countRows()) >= load.acked, 90_000);
    const drainedAt = Date.now();
    const rss = peakRssMb(proc.pid);
    proc.kill('SIGTERM');
    await proc.exited;
    const { latencies } = (await Bun.file(out).json()) as { latencies: number[] };
    latencies.sort((a, b) => a - b);
    const rows = await sql`SELECT device_id, boot, seq FROM naive_readings`;
    const delivery = compareDelivery(load.devices, rows as never);
    return {
      msgPerSec: delivery.stored / ((drainedAt - load.startedAt) / 1000),
      p50Ms: sampleQuantile(latencies, 0.5),
      p95Ms: sampleQuantile(latencies, 0.95),
      p99Ms: sampleQuantile(latencies, 0.99),
      lost: delivery.lost,
      duplicated: delivery.duplicated,
      peakRssMb: rss,
    };
  } finally {
    // A baseline that fails (it cannot keep up and its drain times out) must not outlive the run.
    proc.kill('SIGKILL');
    await sql.end();
  }
}

async function runRaw(mqttUrl: string, offered: number, seconds: number): Promise<number> {
  const out = join(work, 'raw.json');
  const proc = Bun.spawn(
    ['bun', join(here, 'raw-subscriber.ts'), '--mqtt', mqttUrl, '--out', out, '--root', 'raw'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await waitForLine(proc.stdout, 'READY');
    const load = await runLoad(mqttUrl, 'raw', offered, seconds);
    await proc.exited;
    const raw = (await Bun.file(out).json()) as { received: number; last: number };
    return raw.received / ((raw.last - load.startedAt) / 1000);
  } finally {
    proc.kill('SIGKILL');
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const describe = (name: string, offered: number, r: Baseline | VigilPhase) =>
  `${name.padEnd(22)} offered ${fmt(offered).padStart(6)} msg/s -> ${fmt(r.msgPerSec).padStart(6)} msg/s  ` +
  `p50 ${fmt(r.p50Ms, 1)} ms  p95 ${fmt(r.p95Ms, 1)} ms  p99 ${fmt(r.p99Ms, 1)} ms  ` +
  `lost ${r.lost}  duplicated ${r.duplicated}  peak RSS ${fmt(r.peakRssMb, 1)} MiB`;

// Other work on the machine shows up in every figure; the load average puts them in context.
const loadAtStart = loadavg()[0] as number;
const details = (r: VigilPhase) =>
  `${''.padEnd(22)} mean batch ${fmt(r.meanBatch)}, mean flush ${fmt(r.meanFlushMs, 1)} ms; ` +
  `CPU µs per message: server ${fmt(r.cpuUsPerMessage.server, 1)}, broker ${fmt(r.cpuUsPerMessage.broker, 1)}, ` +
  `database ${fmt(r.cpuUsPerMessage.database, 1)}, generator ${fmt(r.cpuUsPerMessage.generator, 1)}; ` +
  `anomalies ${describeAnomalies(r.anomalies)}`;
/** Anomalies found in the fault-free load, by type ("none" is the expected answer). */
const describeAnomalies = (anomalies: Record<string, number>) => {
  const entries = Object.entries(anomalies);
  return entries.length === 0 ? 'none' : entries.map(([type, n]) => `${type} ${n}`).join(', ');
};

const pg = await startPostgres({ durable: true });
const broker = await startMosquitto();
// Every server anchors on one chain started here, as production points CHAIN_RPC_URL at a chain:
// without it each phase's server would boot an embedded Hardhat node, seconds of CPU that can
// land inside the measured window.
const chain = await startRegistryChain();

let previousDatabase: string | null = null;
/**
 * A new database for the next phase, on a cluster put back in the same state first: the previous
 * phase's database dropped and a checkpoint taken. Otherwise a phase pays for the one before it
 * (autovacuum of the 400,000 rows it left, the full-page writes after a checkpoint), and with
 * phases alternating that lands on one kind of phase more than the other.
 */
async function freshDatabase(): Promise<string> {
  if (previousDatabase !== null) {
    const name = new URL(previousDatabase).pathname.slice(1);
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.unsafe('CHECKPOINT');
    } finally {
      await admin.end();
    }
  }
  previousDatabase = await pg.createDatabase();
  return previousDatabase;
}

let completed = false;
try {
  const context = {
    brokerPid: () => broker.pid(),
    databasePid: pg.pid,
    root: resolve(here, '..'),
    work,
    mqttUrl: broker.url,
    replicas,
    devices,
    warmupSeconds: num('warmup'),
    runLoad,
    waitFor,
  };
  log(
    `ingest benchmark: ${devices} devices, ${replicas} server replica(s), ${duration} s per phase measured after ${num('warmup')} s of warm-up`,
  );
  // The same server with detection off: what scoring every reading adds to publish-to-commit.
  // With --pairs N the two alternate N times, each pair in the other order than the one before,
  // and the median difference is reported: one pair on a busy machine can be off by tens of ms.
  const withDetection: VigilPhase[] = [];
  const withoutDetection: VigilPhase[] = [];
  for (let k = 0; k < pairs; k += 1) {
    const suffix = k === 0 ? '' : `-${k}`;
    const runPhase = async (detection: boolean) => {
      const phase = await runVigil(
        context,
        await freshDatabase(),
        `${detection ? 'p1' : 'p0'}${suffix}`,
        rate,
        duration,
        detection ? chain.env : { ...chain.env, DETECTION_ENABLED: 'false' },
      );
      log(describe(`vigil x${replicas}${detection ? '' : ' no detection'}`, rate, phase));
      log(details(phase));
      (detection ? withDetection : withoutDetection).push(phase);
    };
    await runPhase(k % 2 === 0);
    await runPhase(k % 2 !== 0);
    const a = withDetection[k] as VigilPhase;
    const b = withoutDetection[k] as VigilPhase;
    log(
      `${''.padEnd(22)} detection adds ${fmt(a.p95Ms - b.p95Ms, 1)} ms to p95, ` +
        `${fmt(a.p99Ms - b.p99Ms, 1)} ms to p99`,
    );
  }
  const vigil = withDetection[0] as VigilPhase;
  const ingestOnly = withoutDetection[0] as VigilPhase;
  const addsP95 = withDetection.map((a, k) => a.p95Ms - (withoutDetection[k] as VigilPhase).p95Ms);
  const addsP99 = withDetection.map((a, k) => a.p99Ms - (withoutDetection[k] as VigilPhase).p99Ms);
  if (pairs > 1) {
    log(
      `${''.padEnd(22)} over ${pairs} pairs detection adds a median ${fmt(median(addsP95), 1)} ms to p95 ` +
        `(${addsP95.map((x) => fmt(x, 1)).join(', ')}), ${fmt(median(addsP99), 1)} ms to p99`,
    );
  }
  const max =
    maxRate > 0
      ? await runVigil(context, await freshDatabase(), 'p2', maxRate, duration, chain.env)
      : undefined;
  if (max !== undefined) {
    log(describe(`vigil x${replicas} (max)`, maxRate, max));
    log(details(max));
  }
  const naive = await runNaive(broker.url, await freshDatabase(), rate, num('naive-duration'));
  log(describe('naive (tutorial)', rate, naive));
  const rawRate = await runRaw(broker.url, num('raw-rate'), num('raw-duration'));
  log(
    `${'raw broker'.padEnd(22)} offered ${fmt(num('raw-rate')).padStart(6)} msg/s -> ${fmt(rawRate).padStart(6)} msg/s`,
  );
  const best = max !== undefined && max.p99Ms <= 100 && max.lost === 0 ? max : vigil;
  log(
    `ratios: vigil/naive ${fmt(vigil.msgPerSec / naive.msgPerSec, 2)}x at ${rate} msg/s offered` +
      `; best sustained vigil/raw broker ${fmt(best.msgPerSec / rawRate, 2)}`,
  );
  const round = (n: number, d = 1) => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);
  const cpuFigures = (r: VigilPhase) =>
    Object.fromEntries(Object.entries(r.cpuUsPerMessage).map(([k, v]) => [k, round(v)]));
  console.log(
    JSON.stringify({
      offeredMsgPerSec: rate,
      msgPerSec: round(vigil.msgPerSec, 0),
      p50Ms: round(vigil.p50Ms),
      p95Ms: round(vigil.p95Ms),
      p99Ms: round(vigil.p99Ms),
      lost: vigil.lost,
      duplicated: vigil.duplicated,
      peakRssMb: round(vigil.peakRssMb),
      serverCpuSeconds: round(vigil.cpuSeconds),
      cpuUsPerMessage: cpuFigures(vigil),
      anomalies: vigil.anomalies,
      noDetection: {
        msgPerSec: round(ingestOnly.msgPerSec, 0),
        p95Ms: round(ingestOnly.p95Ms),
        p99Ms: round(ingestOnly.p99Ms),
        lost: ingestOnly.lost,
        duplicated: ingestOnly.duplicated,
        cpuUsPerMessage: cpuFigures(ingestOnly),
      },
      detectionAddsP95Ms: round(median(addsP95)),
      detectionAddsP95MsPerPair: addsP95.map((x) => round(x)),
      detectionAddsP99Ms: round(median(addsP99)),
      max:
        max === undefined
          ? null
          : {
              offeredMsgPerSec: maxRate,
              msgPerSec: round(max.msgPerSec, 0),
              p50Ms: round(max.p50Ms),
              p95Ms: round(max.p95Ms),
              p99Ms: round(max.p99Ms),
              lost: max.lost,
              duplicated: max.duplicated,
              peakRssMb: round(max.peakRssMb),
              anomalies: max.anomalies,
            },
      naiveMsgPerSec: round(naive.msgPerSec, 0),
      naiveP99Ms: round(naive.p99Ms),
      naiveLost: naive.lost,
      naiveDuplicated: naive.duplicated,
      rawBrokerMsgPerSec: round(rawRate, 0),
      vigilToNaive: round(vigil.msgPerSec / naive.msgPerSec, 2),
      bestToRawBroker: round(best.msgPerSec / rawRate, 2),
      devices,
      replicas,
      durationSeconds: duration,
      warmupSeconds: num('warmup'),
      loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0] as number, 2) },
    }),
  );
  completed = true;
} finally {
  await chain.stop();
  await broker.stop();
  await pg.stop();
  // A failed run keeps its server logs for diagnosis.
  if (completed) rmSync(work, { recursive: true, force: true });
  else console.error(`server logs kept in ${work}`);
}
