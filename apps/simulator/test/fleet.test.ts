import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { decodeTelemetry } from '@vigil/protocol';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { type RunningFleet, startFleet } from '../src/fleet';

type Received = { topic: string; payload: string; retain: boolean; at: number };

let broker: RunningMosquitto;
let subscriber: MqttClient;
const received: Received[] = [];

async function subscribe(url: string, onMessage: (message: Received) => void): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: `observer-${process.pid}-${Date.now()}`,
  });
  client.on('message', (topic, payload, packet) =>
    onMessage({ topic, payload: payload.toString(), retain: packet.retain, at: Date.now() }),
  );
  await client.subscribeAsync(['devices/+/telemetry', 'devices/+/state', 'iot/+/+/telemetry'], {
    qos: 1,
  });
  return client;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

beforeAll(async () => {
  broker = await startMosquitto();
  subscriber = await subscribe(broker.url, (message) => received.push(message));
});

afterAll(async () => {
  await subscriber?.endAsync();
  await broker?.stop();
});

describe('live fleet against Mosquitto', () => {
  let fleet: RunningFleet;

  test('every device publishes valid telemetry with increasing seq and a retained online state', async () => {
    fleet = await startFleet({
      url: broker.url,
      sensors: 3,
      drones: 2,
      intervalMs: 200,
      faultRate: 0,
      // sensor-003 speaks the legacy node shape, drone-002 the legacy drone shape.
      legacyFraction: 0.4,
    });
    expect(fleet.deviceIds).toEqual([
      'sensor-001',
      'sensor-002',
      'sensor-003',
      'drone-001',
      'drone-002',
    ]);
    await Bun.sleep(2_000);

    const encoder = new TextEncoder();
    for (const deviceId of fleet.deviceIds) {
      const legacy = deviceId === 'sensor-003' || deviceId === 'drone-002';
      const telemetry = received.filter(
        (m) => m.topic.endsWith('/telemetry') && m.topic.split('/').includes(deviceId),
      );
      expect(telemetry.length).toBeGreaterThanOrEqual(legacy ? 2 : 8);
      const decoded = telemetry.map((m) => {
        const result = decodeTelemetry(m.topic, encoder.encode(m.payload), { receivedAt: m.at });
        if (!result.ok)
          throw new Error(`${m.topic} ${m.payload}: ${result.reason} ${result.detail}`);
        expect(result.deviceId).toBe(deviceId);
        return result.telemetry;
      });
      expect(telemetry[0]?.topic).toBe(
        legacy
          ? `iot/${deviceId.startsWith('sensor') ? 'node' : 'drone'}/${deviceId}/telemetry`
          : `devices/${deviceId}/telemetry`,
      );
      for (let i = 1; i < decoded.length; i++) {
        const [previous, current] = [decoded[i - 1], decoded[i]];
        if (previous === undefined || current === undefined) throw new Error('missing reading');
        if (legacy) {
          expect(current.seq).toBeGreaterThanOrEqual(previous.seq);
        } else {
          expect(current.boot).toBe(previous.boot);
          expect(current.seq).toBe(previous.seq + 1);
        }
      }
    }

    // A client arriving now gets each device's retained state: online, with firmware and model.
    const late: Received[] = [];
    const lateClient = await subscribe(broker.url, (message) => late.push(message));
    await until(
      () => late.filter((m) => m.topic.endsWith('/state')).length >= 5,
      3_000,
      'retained states',
    );
    await lateClient.endAsync();
    for (const deviceId of fleet.deviceIds) {
      const state = late.find((m) => m.topic === `devices/${deviceId}/state`);
      expect(state?.retain).toBe(true);
      expect(JSON.parse(state?.payload ?? '{}')).toMatchObject({
        online: true,
        fw: expect.any(String),
        model: deviceId.startsWith('sensor') ? 'vigil-sim-sensor' : 'vigil-sim-drone',
      });
    }
  });

  test('the broker publishes the Last Will when a device drops its socket', async () => {
    const before = received.length;
    const offline = () =>
      received
        .slice(before)
        .some(
          (m) => m.topic === 'devices/sensor-001/state' && JSON.parse(m.payload).online === false,
        );
    fleet.kill('sensor-001');
    await until(offline, 5_000, 'the Will of sensor-001');
    // The others keep reporting.
    const count = received.length;
    await until(
      () => received.slice(count).some((m) => m.topic === 'devices/sensor-002/telemetry'),
      2_000,
      'sensor-002 telemetry',
    );
  });

  test('a clean stop leaves every device retained offline', async () => {
    const stats = await fleet.stop();
    expect(stats.devices).toBe(5);
    expect(stats.failed).toBe(0);
    expect(stats.acked).toBeGreaterThan(30);
    const states: Received[] = [];
    const lateClient = await subscribe(broker.url, (message) => states.push(message));
    await until(
      () => states.filter((m) => m.topic.endsWith('/state')).length >= 5,
      3_000,
      'states',
    );
    await lateClient.endAsync();
    for (const m of states.filter((s) => s.topic.endsWith('/state'))) {
      expect(JSON.parse(m.payload)).toEqual({ online: false });
    }
  });

  test('a broker that is not there fails the start with the device and URL named', async () => {
    const url = `mqtt://127.0.0.1:${broker.port + 1}`;
    await expect(
      startFleet({
        url,
        sensors: 1,
        drones: 0,
        intervalMs: 1000,
        faultRate: 0,
        connectTimeoutMs: 2_000,
      }),
    ).rejects.toThrow(`sensor-001 could not connect to ${url}`);
  });
});
