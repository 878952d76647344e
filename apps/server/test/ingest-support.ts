/**
 * Runs the ingest module as main.ts wires it, against a real broker and a real database, and
 * publishes with the real `mosquitto_pub` client.
 */
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config';
import { createEventBus, type VigilEvent } from '../src/events/bus';
import { type CommittedSink, type Ingest, startIngest } from '../src/ingest';
import { createLogger } from '../src/log';
import type { Database } from '../src/telemetry/database';

export type RunningIngest = {
  ingest: Ingest;
  metrics: Registry;
  events: VigilEvent[];
  logLines: string[];
};

/** Starts ingest on `brokerUrl` with `env` on top of fast test settings. */
export async function runIngest(
  database: Database,
  brokerUrl: string,
  env: Record<string, string> = {},
  committed?: CommittedSink,
): Promise<RunningIngest> {
  const config = loadConfig({
    MQTT_URL: brokerUrl,
    MQTT_CLIENT_ID: `ingest-test-${crypto.randomUUID().slice(0, 8)}`,
    INGEST_FLUSH_MS: '5',
    ...env,
  });
  const metrics = new Registry();
  const bus = createEventBus();
  const events: VigilEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const logLines: string[] = [];
  const log = createLogger('debug', (line) => logLines.push(line));
  const ingest = await startIngest({
    config,
    database,
    metrics,
    bus,
    log,
    ...(committed === undefined ? {} : { committed }),
  });
  if (!ingest.connected()) throw new Error(`ingest did not connect:\n${logLines.join('')}`);
  return { ingest, metrics, events, logLines };
}

/** Publishes each payload with `mosquitto_pub` at QoS 1 (one process per message). */
export function mosquittoPub(port: number, topic: string, payload: string | Uint8Array): void {
  const args = ['mosquitto_pub', '-p', String(port), '-q', '1', '-t', topic];
  const result =
    typeof payload === 'string'
      ? Bun.spawnSync([...args, '-m', payload])
      : Bun.spawnSync([...args, '-s'], { stdin: payload });
  if (result.exitCode !== 0) throw new Error(`mosquitto_pub failed: ${result.stderr.toString()}`);
}

/** Publishes many messages to one topic through one `mosquitto_pub -l` (one line each). */
export function mosquittoPubLines(port: number, topic: string, lines: string[]): void {
  const result = Bun.spawnSync(
    ['mosquitto_pub', '-p', String(port), '-q', '1', '-t', topic, '-l'],
    { stdin: new TextEncoder().encode(`${lines.join('\n')}\n`) },
  );
  if (result.exitCode !== 0) throw new Error(`mosquitto_pub failed: ${result.stderr.toString()}`);
}

/** Polls `probe` until it returns true, or throws after `timeoutMs`. */
export async function until(
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Number of rows `query` counts (it must select `count(*)::int AS n`). */
export async function count(database: Database, query: ReturnType<typeof sql>): Promise<number> {
  const rows = await database.execute<{ n: number }>(query);
  return Number(rows[0]?.n ?? 0);
}

/** Registers devices as an operator would. */
export async function registerDevices(database: Database, ids: string[]): Promise<void> {
  await database.execute(
    sql`INSERT INTO devices (id) SELECT unnest(${sql.param(ids)}::text[]) ON CONFLICT DO NOTHING`,
  );
}

/** A v1 telemetry payload with the current time. */
export function telemetry(seq: number, extra: Record<string, unknown> = {}, boot = 42): string {
  return JSON.stringify({
    ts: Date.now(),
    boot,
    seq,
    metrics: { temperature: 20 + seq },
    ...extra,
  });
}

/** One sample's value from the registry's text exposition, 0 when absent. */
export async function metricValue(registry: Registry, sample: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
