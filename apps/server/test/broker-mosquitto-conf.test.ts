/**
 * The shipped docker/mosquitto.conf against Mosquitto's defaults: a persistent QoS 1 consumer that
 * is away while 3,000 messages arrive gets all of them back with the shipped config, and silently
 * loses everything past the default max_queued_messages of 1000 without it.
 */
import { afterAll, expect, test } from 'bun:test';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import mqtt from 'mqtt';

const MESSAGES = 3_000;
const brokers: RunningMosquitto[] = [];

afterAll(async () => {
  for (const broker of brokers) await broker.stop();
});

/** Subscribes a persistent session, leaves, publishes, comes back; returns what it then receives. */
async function backlogAfterOutage(shipped: boolean): Promise<number> {
  const broker = await startMosquitto({ shipped });
  brokers.push(broker);
  const session = { clientId: 'lagging-consumer', clean: false, protocolVersion: 4 as const };
  const consumer = await mqtt.connectAsync(broker.url, session);
  await consumer.subscribeAsync('devices/+/telemetry', { qos: 1 });
  await consumer.endAsync();

  const device = await mqtt.connectAsync(broker.url, { clientId: 'dev-1' });
  const sends: Promise<unknown>[] = [];
  for (let seq = 1; seq <= MESSAGES; seq += 1) {
    sends.push(device.publishAsync('devices/dev-1/telemetry', String(seq), { qos: 1 }));
  }
  await Promise.all(sends);
  await device.endAsync();

  let received = 0;
  let last = Date.now();
  // Handler first: the session's backlog arrives right after CONNACK.
  const back = mqtt.connect(broker.url, session);
  back.on('message', () => {
    received += 1;
    last = Date.now();
  });
  await new Promise((resolve) => back.once('connect', resolve));
  while (Date.now() - last < 500 && received < MESSAGES) await Bun.sleep(50);
  await back.endAsync();
  return received;
}

test("the shipped config keeps a lagging consumer's backlog; the defaults drop it", async () => {
  expect(await backlogAfterOutage(true)).toBe(MESSAGES);
  const withDefaults = await backlogAfterOutage(false);
  expect(withDefaults).toBeLessThan(MESSAGES);
  expect(withDefaults).toBeLessThanOrEqual(1_000 + 20);
}, 30_000);
