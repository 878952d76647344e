/**
 * Ingest against a real Mosquitto (with the shipped config) and a real PostgreSQL 15, fed by the
 * real mosquitto_pub client: valid readings, every kind of invalid message, legacy shapes,
 * deduplication, last_seen and device auto-registration.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { createDetection } from '../src/detection';
import { createLogger } from '../src/log';
import { type Database, openDatabase } from '../src/telemetry/database';
import {
  count,
  metricValue,
  mosquittoPub,
  mosquittoPubLines,
  type RunningIngest,
  registerDevices,
  runIngest,
  telemetry,
  until,
} from './ingest-support';

let broker: RunningMosquitto;
let database: Database;
let running: RunningIngest;

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await registerDevices(database, ['dev-a', 'dev-b', 'node-7', 'drone-3', 'flat-1']);
  running = await runIngest(database, broker.url, { LEGACY_FLAT: 'true' });
}, 30_000);

afterAll(async () => {
  await running?.ingest.stop();
  await database?.close();
  await broker?.stop();
});

const readingsOf = (id: string) =>
  count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = ${id}`);
const deadLetters = (reason: string) =>
  database.execute<{
    topic: string;
    device_id: string | null;
    detail: string;
    head: string;
    payload_bytes: number;
  }>(
    sql`SELECT topic, device_id, detail, encode(payload_head, 'escape') AS head, payload_bytes
        FROM dead_letters WHERE reason = ${reason} ORDER BY id`,
  );

describe('ingest on Mosquitto and PostgreSQL', () => {
  test('stores valid readings with the SHA-256 of the exact bytes and updates last_seen', async () => {
    const before = Date.now();
    const lines = Array.from({ length: 50 }, (_, i) => telemetry(i + 1));
    mosquittoPubLines(broker.port, 'devices/dev-a/telemetry', lines);
    await until(async () => (await readingsOf('dev-a')) === 50, 10_000, '50 readings');
    const [first] = await database.execute<{ sha: string; temperature: number; boot: string }>(
      sql`SELECT encode(payload_sha256, 'hex') AS sha, (metrics->>'temperature')::float8 AS temperature,
            boot::text FROM readings WHERE device_id = 'dev-a' AND seq = 1`,
    );
    expect(first?.sha).toBe(
      new Bun.CryptoHasher('sha256').update(lines[0] as string).digest('hex'),
    );
    expect(first?.temperature).toBe(21);
    expect(first?.boot).toBe('42');
    const [device] = await database.execute<{ last_seen: Date | string }>(
      sql`SELECT last_seen FROM devices WHERE id = 'dev-a'`,
    );
    expect(new Date(device?.last_seen as string).getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(
      running.events.filter((e) => e.type === 'telemetry' && e.deviceId === 'dev-a'),
    ).toHaveLength(50);
    expect(
      await metricValue(running.metrics, 'vigil_messages_stored_total'),
    ).toBeGreaterThanOrEqual(50);
  }, 40_000);

  test('dead-letters every kind of invalid message with its reason and keeps going', async () => {
    const port = broker.port;
    mosquittoPub(port, 'devices/dev-b/telemetry', '{"ts": 1, "boot": ');
    mosquittoPub(
      port,
      'devices/dev-b/telemetry',
      JSON.stringify({ ts: Date.now(), boot: 1, seq: -5, metrics: {} }),
    );
    mosquittoPub(port, 'devices/dev-b/telemetry', telemetry(1, { padding: 'x'.repeat(5_000) }));
    mosquittoPub(port, 'devices/ghost/telemetry', telemetry(1));
    mosquittoPub(port, 'devices/dev-b/telemetry', telemetry(2, { device_id: 'dev-a' }));
    mosquittoPub(
      port,
      'devices/dev-b/telemetry',
      JSON.stringify({ ts: Date.now() + 3_600_000, boot: 1, seq: 3, metrics: { t: 1 } }),
    );
    mosquittoPub(port, 'devices/dev-b/telemetry', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    mosquittoPub(port, 'devices/dev-b/telemetry', telemetry(9));
    await until(
      async () => (await readingsOf('dev-b')) === 1,
      10_000,
      'the valid reading after the bad ones',
    );

    const bad = await deadLetters('bad_json');
    expect(bad.map((d) => d.head)).toContain('{"ts": 1, "boot": ');
    expect(bad[0]?.device_id).toBe('dev-b');
    expect(await deadLetters('schema')).toHaveLength(1);
    const [oversize] = await deadLetters('oversize');
    expect(oversize?.payload_bytes).toBeGreaterThan(5_000);
    expect(oversize?.head).toHaveLength(256);
    const [unknown] = await deadLetters('unknown_device');
    expect(unknown?.device_id).toBe('ghost');
    expect(unknown?.topic).toBe('devices/ghost/telemetry');
    expect(await deadLetters('device_mismatch')).toHaveLength(1);
    expect(await deadLetters('clock_skew')).toHaveLength(1);
    expect(await deadLetters('bad_utf8')).toHaveLength(1);
    expect(await readingsOf('ghost')).toBe(0);
    for (const reason of [
      'bad_json',
      'schema',
      'oversize',
      'unknown_device',
      'device_mismatch',
      'clock_skew',
    ]) {
      expect(
        await metricValue(running.metrics, `vigil_messages_rejected_total{reason="${reason}"}`),
      ).toBe(1);
    }
  }, 40_000);

  test('maps each legacy shape onto v1 readings', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    mosquittoPub(
      broker.port,
      'iot/node/node-7/telemetry',
      JSON.stringify({
        node_id: 'node-7',
        timestamp: nowS,
        sensors: { temperature: 22.5, humidity: 41 },
        wifi_rssi: -60,
        uptime: 1200,
      }),
    );
    mosquittoPub(
      broker.port,
      'iot/drone/drone-3/telemetry',
      JSON.stringify({
        drone_id: 'drone-3',
        timestamp: nowS,
        latitude: 48.1,
        longitude: 11.5,
        altitude: 120,
        velocity: 8.5,
        acceleration_x: 0.1,
        acceleration_y: 0.2,
        acceleration_z: 9.8,
      }),
    );
    mosquittoPub(
      broker.port,
      'iot/sensors',
      JSON.stringify({
        device_id: 'flat-1',
        timestamp: new Date().toISOString(),
        sensors: { temp: 19.5, motion: true },
      }),
    );
    mosquittoPub(
      broker.port,
      'iot/node/node-7/telemetry',
      JSON.stringify({
        node_id: 'node-8',
        timestamp: nowS,
        sensors: { temperature: 1, humidity: 1 },
        wifi_rssi: -1,
        uptime: 1,
      }),
    );
    await until(
      async () =>
        (await readingsOf('node-7')) === 1 &&
        (await readingsOf('drone-3')) === 1 &&
        (await readingsOf('flat-1')) === 1,
      10_000,
      'one reading per legacy shape',
    );
    const rows = await database.execute<{
      device_id: string;
      metrics: Record<string, unknown>;
      boot: string;
    }>(
      sql`SELECT device_id, metrics, boot::text FROM readings WHERE device_id IN ('node-7', 'drone-3', 'flat-1')`,
    );
    const byId = Object.fromEntries(rows.map((r) => [r.device_id, r]));
    expect(byId['node-7']?.metrics).toMatchObject({
      temperature: 22.5,
      humidity: 41,
      rssi: -60,
      uptime: 1200,
    });
    expect(byId['drone-3']?.metrics).toMatchObject({
      latitude: 48.1,
      altitude: 120,
      speed: 8.5,
      accel_z: 9.8,
    });
    expect(byId['flat-1']?.metrics).toMatchObject({ temperature: 19.5, motion: true });
    expect(rows.every((r) => r.boot === '0')).toBe(true);
    const mismatch = await deadLetters('device_mismatch');
    expect(mismatch.some((d) => d.topic === 'iot/node/node-7/telemetry')).toBe(true);
  }, 40_000);

  test('a message delivered twice is stored once and counted as a duplicate', async () => {
    const payload = telemetry(500);
    mosquittoPub(broker.port, 'devices/dev-a/telemetry', payload);
    mosquittoPub(broker.port, 'devices/dev-a/telemetry', payload);
    await until(
      async () => (await metricValue(running.metrics, 'vigil_messages_duplicate_total')) >= 1,
      10_000,
      'the duplicate to be counted',
    );
    expect(
      await count(
        database,
        sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'dev-a' AND seq = 500`,
      ),
    ).toBe(1);
  }, 40_000);
});

describe('UNKNOWN_DEVICES=register', () => {
  test('registers a device on its first valid message only', async () => {
    const other = await runIngest(database, broker.url, {
      UNKNOWN_DEVICES: 'register',
      MQTT_TOPIC_ROOT: 'fleet',
      LEGACY_NODE: 'false',
      LEGACY_DRONE: 'false',
    });
    try {
      mosquittoPub(broker.port, 'fleet/newbie/telemetry', '{not json');
      mosquittoPub(broker.port, 'fleet/newbie/telemetry', telemetry(1));
      mosquittoPub(broker.port, 'fleet/newbie/telemetry', telemetry(2));
      await until(
        async () => (await readingsOf('newbie')) === 2,
        10_000,
        'auto-registered readings',
      );
      const [device] = await database.execute<{ source: string; last_seen: unknown }>(
        sql`SELECT source, last_seen FROM devices WHERE id = 'newbie'`,
      );
      expect(device?.source).toBe('auto');
      expect(device?.last_seen).not.toBeNull();
      expect(other.events.filter((e) => e.type === 'device_registered')).toEqual([
        { type: 'device_registered', deviceId: 'newbie' },
      ]);
      // The invalid first message is dead-lettered, not the cause of the registration.
      const [bad] = await database.execute<{ device_id: string }>(
        sql`SELECT device_id FROM dead_letters WHERE topic = 'fleet/newbie/telemetry'`,
      );
      expect(bad?.device_id).toBe('newbie');
    } finally {
      await other.ingest.stop();
    }
  }, 40_000);
});

describe('MQTT_CONSUMERS', () => {
  test('several connections in one share group split the stream and store it all once', async () => {
    const multi = await runIngest(database, broker.url, {
      MQTT_CONSUMERS: '3',
      MQTT_SHARE_GROUP: 'multi',
      MQTT_TOPIC_ROOT: 'multi',
      LEGACY_NODE: 'false',
      LEGACY_DRONE: 'false',
    });
    try {
      expect(multi.ingest.connected()).toBe(true);
      const connections = multi.logLines.filter((l) => l.includes('connected to broker'));
      expect(connections).toHaveLength(3);
      mosquittoPubLines(
        broker.port,
        'multi/dev-b/telemetry',
        Array.from({ length: 90 }, (_, i) => telemetry(2_000 + i)),
      );
      const inRange = () =>
        count(
          database,
          sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'dev-b' AND seq >= 2000`,
        );
      await until(async () => (await inRange()) === 90, 10_000, '90 readings over 3 connections');
      expect(await metricValue(multi.metrics, 'vigil_messages_received_total')).toBe(90);
    } finally {
      await multi.ingest.stop();
    }
  }, 40_000);
});

describe('a scorer behind the commit', () => {
  test('stops ingest reading while it lags, and nothing is lost once it catches up', async () => {
    // A scorer that holds every committed reading until released.
    const held: unknown[] = [];
    const waiting: Array<() => void> = [];
    let scored = 0;
    const sink = {
      submit: (readings: readonly unknown[]) => {
        held.push(...readings);
        return new Promise<void>((resolve) => waiting.push(resolve));
      },
      get backlog() {
        return held.length;
      },
    };
    const slow = await runIngest(
      database,
      broker.url,
      {
        INGEST_BATCH_SIZE: '50',
        INGEST_MAX_INFLIGHT: '200',
        MQTT_SHARE_GROUP: 'slow',
        MQTT_TOPIC_ROOT: 'slow',
        LEGACY_NODE: 'false',
        LEGACY_DRONE: 'false',
      },
      sink,
    );
    const stored = () =>
      count(
        database,
        sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'dev-b' AND seq >= 5000`,
      );
    try {
      mosquittoPubLines(
        broker.port,
        'slow/dev-b/telemetry',
        Array.from({ length: 2_000 }, (_, i) => telemetry(5_000 + i)),
      );
      // Reading pauses: the stored count settles well short of what was published.
      let settled = -1;
      await until(
        async () => {
          const now = await stored();
          const same = now === settled && now > 0;
          settled = now;
          if (!same) await Bun.sleep(300);
          return same;
        },
        15_000,
        'ingest to pause',
      );
      expect(settled).toBeLessThan(1_000);
      expect(held.length).toBe(settled);

      // The scorer catches up: everything published is stored and scored, once.
      const release = setInterval(() => {
        scored += held.length;
        held.length = 0;
        for (const resolve of waiting.splice(0)) resolve();
      }, 10);
      try {
        await until(async () => (await stored()) === 2_000, 20_000, '2,000 readings');
        await until(async () => scored + held.length === 2_000, 5_000, 'all scored');
      } finally {
        clearInterval(release);
      }
    } finally {
      await slow.ingest.stop();
    }
  }, 60_000);
});

describe('scoring before acknowledging', () => {
  test('readings committed but not scored when ingest dies are delivered again and scored once', async () => {
    const env = {
      MQTT_CLIENT_ID: 'ingest-unscored',
      MQTT_SHARE_GROUP: 'unscored',
      MQTT_TOPIC_ROOT: 'unscored',
      LEGACY_NODE: 'false',
      LEGACY_DRONE: 'false',
    };
    await registerDevices(database, ['dev-u']);
    const anomaliesOf = () =>
      count(database, sql`SELECT count(*)::int AS n FROM anomalies WHERE device_id = 'dev-u'`);
    const stored = () =>
      count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'dev-u'`);
    // A scorer that never finishes: the process "dies" after the commit, before scoring.
    let received = 0;
    const stuck = await runIngest(database, broker.url, env, {
      submit: (readings) => {
        received += readings.length;
        return new Promise<void>(() => {});
      },
      backlog: 0,
    });
    const now = Date.now();
    const lines = [21, 21.2, 480].map((temperature, i) =>
      JSON.stringify({ ts: now + i, boot: 42, seq: 9000 + i, metrics: { temperature } }),
    );
    mosquittoPubLines(broker.port, 'unscored/dev-u/telemetry', lines);
    await until(async () => (await stored()) === 3 && received === 3, 10_000, 'commit');
    await stuck.ingest.stop();
    expect(await anomaliesOf()).toBe(0);

    // The next process resumes the session: the broker delivers the unacknowledged batch again.
    const models = resolve(import.meta.dir, '../../../ml/models');
    const startDetection = () =>
      createDetection({
        database,
        metrics: new Registry(),
        log: createLogger('error'),
        model: {
          modelPath: resolve(models, 'detector.onnx'),
          metadataPath: resolve(models, 'detector.json'),
        },
        topicRoot: 'unscored',
      });
    const detection = await startDetection();
    const resumed = await runIngest(database, broker.url, env, detection);
    try {
      await until(
        async () => (await anomaliesOf()) === 1,
        15_000,
        'the out-of-range reading scored',
      );
      // Scored again by a process that never saw it (a crash between storing the anomaly and
      // acknowledging): the reading keeps one anomaly.
      const again = await startDetection();
      const payload = new TextEncoder().encode(lines[2]);
      await again.submit([
        {
          deviceId: 'dev-u',
          topic: 'unscored/dev-u/telemetry',
          payload,
          receivedAt: now + 2,
          tsMs: now + 2,
          boot: 42,
          seq: 9002,
          redelivered: true,
        },
      ]);
      await again.close();
      expect(await anomaliesOf()).toBe(1);
      expect(await stored()).toBe(3);
    } finally {
      await resumed.ingest.stop();
      await detection.close();
    }
  }, 60_000);
});
