/**
 * One benchmark phase of the real server: start N replicas of `bun apps/server/src/main.ts` (one
 * shared-subscription group, one database), register the devices, offer load, wait until every
 * acknowledged message is stored, and read throughput, latency, loss and memory.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@vigil/testkit';
import type { Subprocess } from 'bun';
import postgres from 'postgres';
import type { LoadResult } from './load-generator';
import {
  type Buckets,
  compareDelivery,
  cpuSeconds,
  histogramQuantileMs,
  parseHistogram,
  parseSample,
  peakRssMb,
  subtractBuckets,
  treeCpuSeconds,
} from './measure';

export type PhaseContext = {
  /** Repository root. */
  root: string;
  work: string;
  mqttUrl: string;
  /** PIDs whose CPU time is reported per message: the broker and the database's postmaster. */
  brokerPid(): number;
  databasePid: number;
  replicas: number;
  devices: number;
  /**
   * Seconds of load before the latency histogram is read: a server just started compiles its hot
   * paths, warms the model session and creates every device's window, which is start-up, not
   * the sustained rate. Delivery (lost, duplicated) and throughput still count the whole run.
   */
  warmupSeconds: number;
  runLoad(
    url: string,
    topicRoot: string,
    offered: number,
    seconds: number,
  ): Promise<LoadResult & { cpuSeconds: number }>;
  waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean>;
};

export type VigilPhase = {
  msgPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  /** Largest peak RSS over the replicas. */
  peakRssMb: number;
  /** CPU seconds over all replicas during the phase. */
  cpuSeconds: number;
  /** CPU microseconds per stored message, by process. */
  cpuUsPerMessage: { server: number; broker: number; database: number; generator: number };
  /** Mean messages per flush and mean flush transaction time. */
  meanBatch: number;
  meanFlushMs: number;
  /** Anomalies stored during the phase, by type (none with detection off). */
  anomalies: Record<string, number>;
};

const HISTOGRAM = 'vigil_publish_to_commit_seconds';
/** The first admin the server creates on start; /metrics needs a viewer. */
const ADMIN = { user: 'bench', password: 'bench-admin-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

type Replica = { proc: Subprocess; port: number };

async function startReplica(
  ctx: PhaseContext,
  databaseUrl: string,
  tag: string,
  index: number,
  env: Record<string, string>,
): Promise<Replica> {
  const port = await freePort();
  const logFile = join(ctx.work, `server-${tag}-${index}.log`);
  const proc = Bun.spawn(['bun', join(ctx.root, 'apps/server/src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      MQTT_URL: ctx.mqttUrl,
      MQTT_CLIENT_ID: `bench-${tag}-${index}`,
      MQTT_TOPIC_ROOT: tag,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sink = createWriteStream(logFile);
  void (async () => {
    for await (const chunk of proc.stdout) sink.write(chunk);
    sink.end();
  })();
  const healthy = await ctx.waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
    } catch {
      return false;
    }
  }, 60_000);
  if (!healthy) throw new Error(`server ${tag}-${index} never became healthy; see ${logFile}`);
  return { proc, port };
}

type Scrape = { latency: Buckets; flushes: number; flushSeconds: number; batched: number };

/**
 * A viewer API token for the scrapes, created before the load starts. HTTP Basic would verify the
 * admin's argon2id hash at every scrape, and that takes a core for a few hundred milliseconds at
 * the very start and end of the measured window.
 */
async function scrapeToken(replica: Replica): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${replica.port}/auth/tokens`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-scrape', role: 'viewer' }),
  });
  if (!response.ok) throw new Error(`/auth/tokens answered ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return `Bearer ${token}`;
}

async function scrape(replicas: Replica[], authorization: string): Promise<Scrape[]> {
  return Promise.all(
    replicas.map(async (r) => {
      const response = await fetch(`http://127.0.0.1:${r.port}/metrics`, {
        headers: { authorization },
      });
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      const text = await response.text();
      return {
        latency: parseHistogram(text, HISTOGRAM),
        flushes: parseSample(text, 'vigil_ingest_flush_seconds_count'),
        flushSeconds: parseSample(text, 'vigil_ingest_flush_seconds_sum'),
        batched: parseSample(text, 'vigil_ingest_batch_size_sum'),
      };
    }),
  );
}

/** Runs one phase at `offered` msg/s for `seconds` on a fresh database; `tag` is its topic root. */
export async function runVigil(
  ctx: PhaseContext,
  databaseUrl: string,
  tag: string,
  offered: number,
  seconds: number,
  /** Extra server variables for this phase (e.g. DETECTION_ENABLED=false). */
  env: Record<string, string> = {},
): Promise<VigilPhase> {
  const replicas: Replica[] = [];
  // The first replica applies the migrations; the others start on a migrated database.
  replicas.push(await startReplica(ctx, databaseUrl, tag, 0, env));
  for (let i = 1; i < ctx.replicas; i += 1)
    replicas.push(await startReplica(ctx, databaseUrl, tag, i, env));
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`INSERT INTO devices (id) SELECT 'bench-' || g FROM generate_series(0, ${ctx.devices - 1}) g`;
    const authorization = await scrapeToken(replicas[0] as Replica);
    const cpuBefore = replicas.map((r) => cpuSeconds(r.proc.pid));
    const brokerBefore = treeCpuSeconds(ctx.brokerPid());
    const databaseBefore = treeCpuSeconds(ctx.databasePid);
    const loading = ctx.runLoad(ctx.mqttUrl, tag, offered, ctx.warmupSeconds + seconds);
    await Bun.sleep(ctx.warmupSeconds * 1000);
    const before = await scrape(replicas, authorization);
    const load = await loading;
    const countRows = async () =>
      Number((await sql`SELECT count(*)::int AS n FROM readings`)[0]?.n);
    await ctx.waitFor(async () => (await countRows()) >= load.acked, 60_000);
    const drainedAt = Date.now();
    const brokerCpu = treeCpuSeconds(ctx.brokerPid()) - brokerBefore;
    const databaseCpu = treeCpuSeconds(ctx.databasePid) - databaseBefore;
    const after = await scrape(replicas, authorization);
    const histogram = new Map<number, number>();
    let flushes = 0;
    let flushSeconds = 0;
    let batched = 0;
    after.forEach((scraped, i) => {
      const earlier = before[i];
      for (const [le, n] of subtractBuckets(scraped.latency, earlier?.latency ?? new Map())) {
        histogram.set(le, (histogram.get(le) ?? 0) + n);
      }
      flushes += scraped.flushes - (earlier?.flushes ?? 0);
      flushSeconds += scraped.flushSeconds - (earlier?.flushSeconds ?? 0);
      batched += scraped.batched - (earlier?.batched ?? 0);
    });
    const cpu = replicas.reduce(
      (sum, r, i) => sum + cpuSeconds(r.proc.pid) - (cpuBefore[i] ?? 0),
      0,
    );
    const rss = Math.max(...replicas.map((r) => peakRssMb(r.proc.pid)));
    const rows = await sql`SELECT device_id, boot, seq FROM readings`;
    // The generated fleet is fault-free: every anomaly here is a false positive under load.
    const anomalies = await sql<{ type: string; n: number }[]>`
      SELECT type, count(*)::int AS n FROM anomalies GROUP BY type ORDER BY n DESC, type`;
    const delivery = compareDelivery(load.devices, rows as never);
    const perMessage = (seconds: number) => (seconds * 1e6) / delivery.stored;
    return {
      msgPerSec: delivery.stored / ((drainedAt - load.startedAt) / 1000),
      p50Ms: histogramQuantileMs(histogram, 0.5),
      p95Ms: histogramQuantileMs(histogram, 0.95),
      p99Ms: histogramQuantileMs(histogram, 0.99),
      lost: delivery.lost,
      duplicated: delivery.duplicated,
      peakRssMb: rss,
      cpuSeconds: cpu,
      cpuUsPerMessage: {
        server: perMessage(cpu),
        broker: perMessage(brokerCpu),
        database: perMessage(databaseCpu),
        generator: perMessage(load.cpuSeconds),
      },
      meanBatch: batched / flushes,
      meanFlushMs: (flushSeconds / flushes) * 1000,
      anomalies: Object.fromEntries(anomalies.map((a) => [a.type, a.n])),
    };
  } finally {
    await sql.end();
    for (const r of replicas) r.proc.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.proc.exited));
  }
}
