/**
 * The embedded default: Aedes in-process and PGlite in memory. Aedes 1.2 speaks MQTT 3.1.1 only
 * and has no shared subscriptions, so the consumer must fall back to 3.1.1 and subscribe directly;
 * a device publishing with mqtt.js must end up stored, and redelivery must still work.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import mqtt from 'mqtt';
import { type EmbeddedBroker, startEmbeddedBroker } from '../src/broker/embedded';
import { type Database, openDatabase } from '../src/telemetry/database';
import { count, registerDevices, runIngest, telemetry, until } from './ingest-support';

let broker: EmbeddedBroker;
let database: Database;

beforeAll(async () => {
  broker = await startEmbeddedBroker({ port: 0 });
  database = await openDatabase({ dataDir: 'memory://' });
  await registerDevices(database, ['emb-1']);
}, 30_000);

afterAll(async () => {
  await database?.close();
  await broker?.close();
});

const stored = () =>
  count(database, sql`SELECT count(*)::int AS n FROM readings WHERE device_id = 'emb-1'`);

test('a device publishing to the embedded broker is stored through the 3.1.1 fallback', async () => {
  expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  const running = await runIngest(database, broker.url, { MQTT_CLIENT_ID: 'embedded-consumer' });
  const device = await mqtt.connectAsync(broker.url, { clientId: 'emb-1', protocolVersion: 4 });
  try {
    for (let seq = 1; seq <= 20; seq += 1) {
      await device.publishAsync('devices/emb-1/telemetry', telemetry(seq), { qos: 1 });
    }
    await until(async () => (await stored()) === 20, 10_000, '20 readings');
    expect(running.logLines.join('')).toContain('using MQTT 3.1.1');
    expect(running.logLines.join('')).toContain('broker without shared subscriptions');

    // Messages published while the consumer is away wait in its persistent session.
    await running.ingest.stop();
    for (let seq = 21; seq <= 30; seq += 1) {
      await device.publishAsync('devices/emb-1/telemetry', telemetry(seq), { qos: 1 });
    }
    const again = await runIngest(database, broker.url, { MQTT_CLIENT_ID: 'embedded-consumer' });
    await until(async () => (await stored()) === 30, 10_000, 'the 10 queued readings');
    await again.ingest.stop();
  } finally {
    await device.endAsync();
  }
});
