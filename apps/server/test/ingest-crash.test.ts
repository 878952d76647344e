/**
 * The promise behind post-commit acknowledgements: the server process is killed with SIGKILL in
 * the middle of a QoS 1 stream and started again; afterwards every message the broker
 * acknowledged to its publisher is stored exactly once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import type { Subprocess } from 'bun';
import { sql } from 'drizzle-orm';
import mqtt from 'mqtt';
import { type Database, openDatabase } from '../src/telemetry/database';
import { registerDevices, telemetry, until } from './ingest-support';

const MAIN = resolve(import.meta.dir, '../src/main.ts');
const DEVICES = ['crash-1', 'crash-2', 'crash-3'];

let broker: RunningMosquitto;
let database: Database;
let databaseUrl: string;
const servers: Subprocess[] = [];

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  databaseUrl = await cluster.createDatabase();
  database = await openDatabase({ url: databaseUrl, dataDir: '' });
  await registerDevices(database, DEVICES);
}, 30_000);

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL');
  await database?.close();
  await broker?.stop();
});

/** Starts `bun src/main.ts` and resolves once its consumer is subscribed. */
async function startServer(): Promise<Subprocess<'ignore', 'pipe', 'inherit'>> {
  const server = Bun.spawn(['bun', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'crash-test-server',
      PORT: '0',
      INGEST_FLUSH_MS: '10',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(server);
  const reader = server.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  // Generous: on a loaded machine the server's start (migrations included) can take a while.
  const deadline = Date.now() + 40_000;
  while (!seen.includes('connected to broker')) {
    if (Date.now() > deadline) throw new Error(`server did not connect:\n${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before connecting:\n${seen}`);
    seen += decoder.decode(value);
  }
  // Keep draining its output so a full pipe never blocks it.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  return server;
}

test('every message the broker acknowledged survives a SIGKILL of the server, exactly once', async () => {
  let server = await startServer();
  const acked = new Map<string, Set<number>>(DEVICES.map((id) => [id, new Set()]));
  const publishers = await Promise.all(
    DEVICES.map((id) => mqtt.connectAsync(broker.url, { clientId: id, protocolVersion: 5 })),
  );
  let publishing = true;
  const streams = publishers.map(async (client, i) => {
    const id = DEVICES[i] as string;
    for (let seq = 1; publishing && seq <= 5_000; seq += 1) {
      client.publish(`devices/${id}/telemetry`, telemetry(seq, {}, 7), { qos: 1 }, (error) => {
        if (error === undefined || error === null) acked.get(id)?.add(seq);
      });
      if (seq % 20 === 0) await Bun.sleep(10);
    }
  });

  await Bun.sleep(800);
  server.kill('SIGKILL');
  await server.exited;
  const ackedAtKill = [...acked.values()].reduce((n, s) => n + s.size, 0);
  await Bun.sleep(400);
  server = await startServer();
  await Bun.sleep(800);
  publishing = false;
  await Promise.all(streams);
  await Promise.all(publishers.map((client) => client.endAsync()));

  const total = [...acked.values()].reduce((n, s) => n + s.size, 0);
  expect(ackedAtKill).toBeGreaterThan(100);
  expect(total).toBeGreaterThan(ackedAtKill);
  await until(
    async () => {
      const [row] = await database.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM readings WHERE boot = 7`,
      );
      return Number(row?.n) >= total;
    },
    30_000,
    'every acknowledged message to be stored',
  );
  const rows = await database.execute<{ device_id: string; seq: string; copies: number }>(
    sql`SELECT device_id, seq::text, count(*)::int AS copies FROM readings WHERE boot = 7
        GROUP BY device_id, seq`,
  );
  expect(rows.filter((row) => row.copies !== 1)).toEqual([]);
  const stored = new Map<string, Set<number>>(DEVICES.map((id) => [id, new Set()]));
  for (const row of rows) stored.get(row.device_id)?.add(Number(row.seq));
  const lost: string[] = [];
  for (const [id, seqs] of acked) {
    for (const seq of seqs) if (!stored.get(id)?.has(seq)) lost.push(`${id}#${seq}`);
  }
  expect(lost).toEqual([]);
  server.kill('SIGTERM');
  await server.exited;
}, 120_000);
