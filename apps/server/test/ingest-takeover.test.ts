/**
 * Two server replicas as they ship (`bun src/main.ts`) in one share group on a real Mosquitto and
 * PostgreSQL. Mosquitto 2.0.11 keeps assigning a dead replica's round-robin share to its offline
 * session; the live replica must adopt that session, so everything published after a SIGKILL is
 * stored without restarting the dead one, and hand it back when it returns.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase } from '../src/telemetry/database';
import { count, mosquittoPubLines, registerDevices, telemetry, until } from './ingest-support';
import { SERVER_MAIN, serverEnv } from './support/server-process';

const ADMIN = { user: 'root', password: 'takeover test admin' };
const DEVICE = 'takeover-dev';

let broker: RunningMosquitto;
let database: Database;
let databaseUrl: string;
const children: Bun.Subprocess[] = [];

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  databaseUrl = await cluster.createDatabase();
  database = await openDatabase({ url: databaseUrl, dataDir: '' });
  await registerDevices(database, [DEVICE]);
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await database?.close();
  await broker?.stop();
});

type Replica = { child: Bun.Subprocess; logs: Record<string, unknown>[]; url: string };

/** Starts one replica and resolves once it is started and its consumer subscribed. */
async function startReplica(clientId: string): Promise<Replica> {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
      DATABASE_URL: databaseUrl,
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: clientId,
      MQTT_SHARE_GROUP: 'vigil',
      PORT: '0',
      DETECTION_ENABLED: 'false',
      INGEST_FLUSH_MS: '10',
      LOG_LEVEL: 'info',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
    }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(child);
  const logs: Record<string, unknown>[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line));
    }
  })();
  const logged = (msg: string) => logs.some((entry) => entry.msg === msg);
  await until(
    async () => logged('vigil started') && logged('connected to broker'),
    60_000,
    `${clientId} to start`,
  );
  const started = logs.find((entry) => entry.msg === 'vigil started') as { http: string };
  return { child, logs, url: started.http };
}

/** One sample of a replica's /metrics (as the first admin), 0 when absent. */
async function metric(replica: Replica, sample: string): Promise<number> {
  const response = await fetch(`${replica.url}/metrics`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`,
    },
  });
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

const stored = () =>
  count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = ${DEVICE}`);
let seq = 0;
/** Publishes `n` readings of the next sequence numbers, each acknowledged by the broker. */
function publish(n: number): void {
  const first = seq + 1;
  seq += n;
  const lines = Array.from({ length: n }, (_, i) => telemetry(first + i));
  mosquittoPubLines(broker.port, `devices/${DEVICE}/telemetry`, lines);
}
const adoptedBy = (replica: Replica, session: string) =>
  replica.logs.some((e) => e.msg === 'adopting orphaned session' && e.session === session);

test("a SIGKILLed replica's share is stored by the other within seconds; it takes it back on restart", async () => {
  const a = await startReplica('takeover-a');
  let b = await startReplica('takeover-b');
  publish(50);
  await until(async () => (await stored()) === 50, 10_000, 'the first 50 stored');
  expect(await metric(b, 'vigil_messages_stored_total')).toBeGreaterThan(0);

  b.child.kill('SIGKILL');
  await b.child.exited;
  const killedAt = Date.now();
  publish(200);
  // Half of it is assigned to b's offline session and waits there until a adopts it.
  await Bun.sleep(1_000);
  expect(await stored()).toBeLessThan(250);
  await until(async () => (await stored()) === 250, 15_000, 'everything published after the kill');
  const takeoverMs = Date.now() - killedAt;
  expect(takeoverMs).toBeLessThan(12_000);
  expect(adoptedBy(a, 'takeover-b')).toBe(true);
  expect(await metric(a, 'vigil_ingest_adoptions_total')).toBe(1);
  expect(await metric(a, 'vigil_ingest_adopted_sessions')).toBe(1);

  b = await startReplica('takeover-b');
  await until(
    async () => (await metric(a, 'vigil_ingest_adopted_sessions')) === 0,
    10_000,
    'a to release b',
  );
  publish(200);
  await until(async () => (await stored()) === 450, 10_000, 'everything after the restart');
  // b consumes its own share again.
  expect(await metric(b, 'vigil_messages_stored_total')).toBeGreaterThan(0);
  const distinct = await count(
    database,
    sql`SELECT count(DISTINCT seq)::int AS n FROM readings WHERE device_id = ${DEVICE}`,
  );
  expect(distinct).toBe(450);

  // A clean stop marks the member stopped: adopted at the next heartbeat, without waiting for
  // its heartbeat to go stale.
  b.child.kill('SIGTERM');
  expect(await b.child.exited).toBe(0);
  const stoppedAt = Date.now();
  publish(100);
  await until(async () => (await stored()) === 550, 10_000, 'everything after the clean stop');
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  expect(await metric(a, 'vigil_ingest_adoptions_total')).toBe(2);
  console.log(`takeover after SIGKILL: everything stored ${takeoverMs} ms after the kill`);
}, 150_000);
