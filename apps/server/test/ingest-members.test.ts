/**
 * Share-group membership and session takeover against a real PostgreSQL 15 and a real Mosquitto:
 * heartbeats judged by the database's clock, a clean stop marked, and an ingest that adopts an
 * orphaned session (its share is stored), lets its owner take it back, and does not fight it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config';
import { createEventBus } from '../src/events/bus';
import { startIngest, startMembership } from '../src/ingest';
import { createLogger } from '../src/log';
import { type Database, openDatabase } from '../src/telemetry/database';
import {
  count,
  metricValue,
  mosquittoPubLines,
  registerDevices,
  telemetry,
  until,
} from './ingest-support';

let broker: RunningMosquitto;
let database: Database;
const quiet = createLogger('error', () => {});
const FAST = { heartbeatMs: 50, staleMs: 300 };

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await registerDevices(database, ['orphan-dev']);
}, 30_000);

afterAll(async () => {
  await database?.close();
  await broker?.stop();
});

/** A member row as another replica would have left it, its heartbeat `ageMs` old by the db clock. */
async function otherMember(
  clientId: string,
  group: string,
  ageMs: number,
  stopped = false,
  consumers = 1,
) {
  await database.execute(sql`
    INSERT INTO ingest_members (client_id, share_group, consumers, sessions, heartbeat_at, stopped_at)
    VALUES (${clientId}, ${group}, ${consumers}, ${consumers},
            now() - ${ageMs}::integer * interval '1 millisecond', ${stopped ? sql`now()` : null})
    ON CONFLICT (client_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at,
      stopped_at = excluded.stopped_at`);
}

describe('membership', () => {
  test('live peers: fresh heartbeats of the same group only, by the database clock', async () => {
    await otherMember('m-fresh', 'g1', 0);
    await otherMember('m-stale', 'g1', 60_000);
    await otherMember('m-stopped', 'g1', 0, true);
    await otherMember('m-elsewhere', 'g2', 0);
    const member = await startMembership({
      database,
      clientId: 'm-self',
      shareGroup: 'g1',
      consumers: 1,
      log: quiet,
      ...FAST,
    });
    try {
      expect(member.livePeers()).toBe(1);
      expect(member.roster().map((m) => [m.clientId, m.live])).toEqual([
        ['m-fresh', true],
        ['m-self', true],
        ['m-stale', false],
        ['m-stopped', false],
      ]);
      // m-fresh stops beating: three missed beats later it no longer counts.
      await until(async () => member.livePeers() === 0, 3_000, 'm-fresh to go stale');
    } finally {
      await member.stop();
    }
  });

  test('a clean stop is visible at once; a restart with fewer consumers keeps its sessions', async () => {
    const start = (clientId: string, consumers: number) =>
      startMembership({ database, clientId, shareGroup: 'g3', consumers, log: quiet, ...FAST });
    const a = await start('s-a', 1);
    let b = await start('s-b', 3);
    try {
      await until(async () => a.livePeers() === 1, 2_000, 'a to see b');
      await b.stop();
      await until(async () => a.livePeers() === 0, 1_000, 'a to see b stopped');
      expect(a.roster().find((m) => m.clientId === 's-b')).toMatchObject({ live: false });
      b = await start('s-b', 1);
      expect(b.roster().find((m) => m.clientId === 's-b')).toEqual({
        clientId: 's-b',
        consumers: 1,
        sessions: 3,
        live: true,
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('after an outage longer than the staleness period, the first roster decides nothing', async () => {
    // Every member was cut off too: on the first roster after it, they all look stale.
    let down = false;
    let rosters = 0;
    const db = new Proxy(database.db, {
      get(target, prop, receiver) {
        if (prop === 'insert' && down) throw new Error('database unreachable');
        if (prop === 'select') rosters += 1;
        return Reflect.get(target, prop, receiver);
      },
    });
    const member = await startMembership({
      database: { ...database, db },
      clientId: 'cut-off',
      shareGroup: 'g4',
      consumers: 1,
      log: quiet,
      ...FAST,
    });
    let delivered = 0;
    member.onRoster(() => {
      delivered += 1;
    });
    try {
      await Bun.sleep(3 * FAST.heartbeatMs);
      down = true;
      await Bun.sleep(2 * FAST.staleMs);
      down = false;
      const resumedAt = rosters;
      await until(async () => rosters >= resumedAt + 3, 3_000, 'beats after the outage');
      await member.stop();
      // One roster at start (before the listener) and the first one after the outage withheld.
      expect(delivered).toBe(rosters - 2);
    } finally {
      await member.stop();
    }
  });

  test('bad options are refused with what was expected', async () => {
    const base = { database, clientId: 'x', shareGroup: 'g', consumers: 1, log: quiet };
    await expect(startMembership({ ...base, shareGroup: '' })).rejects.toThrow(/share group/);
    await expect(startMembership({ ...base, consumers: 0 })).rejects.toThrow(/consumers/);
    await expect(startMembership({ ...base, heartbeatMs: 100, staleMs: 150 })).rejects.toThrow(
      /at least twice/,
    );
  });
});

describe('takeover on Mosquitto', () => {
  test("an orphaned session's share is stored; its owner takes it back without a fight", async () => {
    const group = 'takeover';
    const filter = `$share/${group}/devices/+/telemetry`;
    const ownerOptions = {
      clientId: 'orphan-1',
      clean: false,
      protocolVersion: 5 as const,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 0,
    };
    // The orphan: a persistent member of the group that went away, its heartbeat stale.
    const first = await mqtt.connectAsync(broker.url, ownerOptions);
    await first.subscribeAsync(filter, { qos: 1 });
    await first.endAsync();
    await otherMember('orphan-1', group, 60_000);

    const config = loadConfig({
      MQTT_URL: broker.url,
      MQTT_CLIENT_ID: 'adopter-1',
      MQTT_SHARE_GROUP: group,
      INGEST_FLUSH_MS: '5',
    });
    const logLines: string[] = [];
    const log = createLogger('info', (line) => logLines.push(line));
    // Beats a second apart: an adopted connection reconnecting by itself would do so well before
    // the next roster releases it, and take the session back from its owner.
    const membership = await startMembership({
      database,
      clientId: 'adopter-1',
      shareGroup: group,
      consumers: 1,
      log,
      heartbeatMs: 1_000,
      staleMs: 3_000,
    });
    const metrics = new Registry();
    const ingest = await startIngest({
      config,
      database,
      metrics,
      bus: createEventBus(),
      log,
      membership,
    });
    const stored = () =>
      count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'orphan-dev'`);
    let beating: ReturnType<typeof setInterval> | undefined;
    try {
      await until(
        async () => logLines.some((l) => l.includes('"adopting orphaned session"')),
        5_000,
        'the adoption',
      );
      await until(async () => (await metricValue(metrics, 'vigil_ingest_adopted_sessions')) === 1);
      // Round-robin gives every other message to orphan-1's session: all stored means adopted.
      const lines = Array.from({ length: 100 }, (_, i) => telemetry(i + 1));
      mosquittoPubLines(broker.port, 'devices/orphan-dev/telemetry', lines);
      await until(async () => (await stored()) === 100, 10_000, 'all 100 stored');
      expect(await metricValue(metrics, 'vigil_ingest_adoptions_total')).toBe(1);

      // The owner comes back: heartbeat first (and from then on), then its own connection.
      await otherMember('orphan-1', group, 0);
      beating = setInterval(() => void otherMember('orphan-1', group, 0), 200);
      const owner = await mqtt.connectAsync(broker.url, ownerOptions);
      let ownerDropped = 0;
      owner.on('close', () => {
        ownerDropped += 1;
      });
      let ownerGot = 0;
      owner.on('message', () => {
        ownerGot += 1;
      });
      await until(
        async () => (await metricValue(metrics, 'vigil_ingest_adopted_sessions')) === 0,
        5_000,
        'the adopter to let go',
      );
      expect(logLines.some((l) => l.includes('"adopted session closed by the broker'))).toBe(true);
      // Heartbeats later the adopter still leaves the owner's connection alone.
      await Bun.sleep(2_500);
      mosquittoPubLines(
        broker.port,
        'devices/orphan-dev/telemetry',
        Array.from({ length: 20 }, (_, i) => telemetry(101 + i)),
      );
      await until(async () => ownerGot >= 10, 5_000, 'the owner to receive its share');
      expect(ownerDropped).toBe(0);
      expect(owner.connected).toBe(true);
      expect(await metricValue(metrics, 'vigil_ingest_adoptions_total')).toBe(1);
      await owner.endAsync();
    } finally {
      clearInterval(beating);
      await ingest.stop();
      await membership.stop();
    }
  }, 30_000);
});
