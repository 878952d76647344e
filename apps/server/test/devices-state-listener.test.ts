/**
 * Device state over the real Mosquitto: retained state messages from mosquitto_pub, a Last Will
 * fired when a device's connection dies, and retained states picked up after a server restart.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import { getDeviceState } from '../src/devices/device-state';
import { startStateListener } from '../src/devices/state-listener';
import { createEventBus, type VigilEvent } from '../src/events/bus';
import { createLogger } from '../src/log';
import type { Database } from '../src/telemetry/database';
import { runCli } from './broker-access-support';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let broker: RunningMosquitto;
let database: Database;
const bus = createEventBus({ startAfter: 0 });
const events: VigilEvent[] = [];
bus.subscribe((event) => events.push(event));
const log = createLogger('error', () => {});

beforeAll(async () => {
  broker = await startMosquitto();
  database = await postgres.open();
  await database.execute(sql`insert into devices (id) values ('st-1'), ('st-2')`);
}, 60_000);
afterAll(async () => {
  await database?.close();
  await broker?.stop();
});

const listen = () =>
  startStateListener({
    url: broker.url,
    clientId: 'vigil-state-test',
    topicRoot: 'devices',
    database,
    bus,
    log,
  });

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await Bun.sleep(50);
  }
}

describe('device state listener', () => {
  test('a retained state marks the device online; its Last Will marks it offline', async () => {
    const listener = await listen();
    try {
      const state = JSON.stringify({
        online: true,
        fw: '2.0.1',
        model: 'esp32-env',
        rssi: -55,
        uptime: 12,
      });
      expect(
        (
          await runCli([
            'mosquitto_pub',
            '-p',
            String(broker.port),
            '-r',
            '-q',
            '1',
            '-t',
            'devices/st-1/state',
            '-m',
            state,
          ])
        ).exitCode,
      ).toBe(0);
      await until(async () => (await getDeviceState(database, 'st-1')).online);
      expect(await getDeviceState(database, 'st-1')).toMatchObject({
        fw: '2.0.1',
        rssi: -55,
        uptimeS: 12,
      });
      expect(events).toContainEqual({ type: 'device_state', deviceId: 'st-1', online: true });

      // A device session with a Will, killed without a DISCONNECT: the broker publishes the Will.
      const device = Bun.spawn([
        'mosquitto_sub',
        '-p',
        String(broker.port),
        '-i',
        'st-1',
        '-t',
        'devices/st-1/cmd',
        '--will-topic',
        'devices/st-1/state',
        '--will-payload',
        '{"online":false}',
        '--will-retain',
        '--will-qos',
        '1',
      ]);
      await Bun.sleep(300);
      device.kill('SIGKILL');
      await until(async () => !(await getDeviceState(database, 'st-1')).online);
      expect(await getDeviceState(database, 'st-1')).toMatchObject({ online: false, fw: '2.0.1' });
      expect(events).toContainEqual({ type: 'device_state', deviceId: 'st-1', online: false });

      // Garbage on a state topic is refused and does not stop the listener.
      await runCli([
        'mosquitto_pub',
        '-p',
        String(broker.port),
        '-t',
        'devices/st-2/state',
        '-m',
        '{nope',
      ]);
      await runCli([
        'mosquitto_pub',
        '-p',
        String(broker.port),
        '-t',
        'devices/st-2/state',
        '-m',
        '{"online":true}',
      ]);
      await until(async () => (await getDeviceState(database, 'st-2')).online);
    } finally {
      await listener.stop();
    }
  }, 30_000);

  test('states published while the server was away arrive on restart (retained)', async () => {
    await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-r',
      '-q',
      '1',
      '-t',
      'devices/st-2/state',
      '-m',
      '{"online":false,"fw":"3.0.0"}',
    ]);
    const listener = await listen();
    try {
      await until(async () => (await getDeviceState(database, 'st-2')).fw === '3.0.0');
      expect((await getDeviceState(database, 'st-2')).online).toBe(false);
    } finally {
      await listener.stop();
    }
  }, 30_000);
});
