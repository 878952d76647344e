/**
 * Outages. The database: flushes fail, nothing is acknowledged, reading pauses; a server that
 * stops (or dies) during the outage leaves every message with the broker, and the next one stores
 * them all exactly once. The broker: killed and restarted, ingest reconnects by itself,
 * subscribes again and keeps storing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase } from '../src/telemetry/database';
import {
  count,
  metricValue,
  mosquittoPubLines,
  registerDevices,
  runIngest,
  telemetry,
  until,
} from './ingest-support';

let broker: RunningMosquitto;
let database: Database;
let down = false;
/** The real database, failing every statement while `down`. */
let flaky: Database;

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await registerDevices(database, ['dev-o']);
  flaky = {
    ...database,
    execute: (query, options) =>
      down ? Promise.reject(new Error('connection refused')) : database.execute(query, options),
  };
}, 30_000);

afterAll(async () => {
  await database?.close();
  await broker?.stop();
});

const stored = () =>
  count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'dev-o'`);

test('nothing is acknowledged while the database is down; the broker redelivers it all', async () => {
  const env = {
    MQTT_CLIENT_ID: 'outage-consumer',
    INGEST_BATCH_SIZE: '10',
    INGEST_MAX_INFLIGHT: '10',
  };
  const first = await runIngest(flaky, broker.url, env);
  down = true;
  mosquittoPubLines(
    broker.port,
    'devices/dev-o/telemetry',
    Array.from({ length: 30 }, (_, i) => telemetry(i + 1)),
  );
  const log = () => first.logLines.join('');
  await until(async () => log().includes('flush failed'), 10_000, 'a failed flush');
  await until(async () => log().includes('pausing intake'), 10_000, 'reading to pause');
  // Memory stays bounded: the broker holds the rest (MQTT 5 Receive Maximum = INGEST_MAX_INFLIGHT).
  await Bun.sleep(300);
  expect(await metricValue(first.metrics, 'vigil_messages_received_total')).toBeLessThanOrEqual(10);
  await first.ingest.stop();
  down = false;
  expect(await stored()).toBe(0);

  const second = await runIngest(flaky, broker.url, env);
  try {
    await until(async () => (await stored()) === 30, 10_000, 'all 30 readings after the outage');
    expect(await metricValue(second.metrics, 'vigil_messages_duplicate_total')).toBe(0);
  } finally {
    await second.ingest.stop();
  }
}, 30_000);

test('reconnects and resubscribes after the broker is killed and restarted', async () => {
  // Its own share group: Mosquitto 2.0 keeps assigning shared messages to the offline persistent
  // member the first test left behind.
  const running = await runIngest(database, broker.url, {
    MQTT_CLIENT_ID: 'restart-consumer',
    MQTT_SHARE_GROUP: 'restart',
  });
  try {
    const before = await stored();
    mosquittoPubLines(broker.port, 'devices/dev-o/telemetry', [telemetry(1001), telemetry(1002)]);
    await until(async () => (await stored()) === before + 2, 10_000, 'readings before the restart');
    await broker.kill('SIGKILL');
    await until(async () => !running.ingest.connected(), 10_000, 'ingest to notice');
    await broker.restart();
    await until(async () => running.ingest.connected(), 10_000, 'ingest to reconnect');
    mosquittoPubLines(broker.port, 'devices/dev-o/telemetry', [telemetry(1003), telemetry(1004)]);
    await until(async () => (await stored()) === before + 4, 10_000, 'readings after the restart');
  } finally {
    await running.ingest.stop();
  }
}, 30_000);
