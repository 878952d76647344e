/**
 * Command delivery under faults (issue 7, scenario 5), on the real Mosquitto with the shipped
 * persistence settings: a device that never had a session, and a broker killed (SIGKILL, queue
 * lost) while a command waited for an offline device. Every command must end done exactly once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { RunningFleet } from '@vigil/simulator';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { Devices } from '../src/devices/schema';
import { type Database, openDatabase } from '../src/telemetry/database';
import { type CommandsHarness, runCommands, startDevice, waitForStatus } from './commands-support';

let broker: RunningMosquitto;
let database: Database;
let harness: CommandsHarness;
const fleets: RunningFleet[] = [];

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await database.db.insert(Devices).values([
    { id: 'fresh-sensor-001', model: 'vigil-sim-sensor' },
    { id: 'crash-sensor-001', model: 'vigil-sim-sensor' },
  ]);
  harness = await runCommands(database, broker.url, `commands-faults-${crypto.randomUUID()}`);
}, 30_000);

afterAll(async () => {
  await Promise.all(fleets.map((fleet) => fleet.stop()));
  await harness?.commands.stop();
  await database?.close();
  await broker?.stop();
});

const send = (deviceId: string, name: string, params: object) =>
  harness.commands.service.send({ deviceId, name, params, createdBy: 'alice', ttlMs: 60_000 });

test('a device that never connected (no session to queue in) gets the command when it first appears', async () => {
  const sent = await send('fresh-sensor-001', 'set_led', { on: true });
  await Bun.sleep(200);
  expect((await harness.commands.service.get(sent.id)).status).toBe('sent');
  const device = await startDevice(broker.url, 'fresh-');
  fleets.push(device);
  const done = await waitForStatus(harness, sent.id);
  expect(done).toMatchObject({ status: 'done', result: { led: true } });
  expect(device.stats().commandsRun).toBe(1);
});

test('two server replicas: the one an operator used shows the outcome, whichever applied it', async () => {
  const other = await runCommands(database, broker.url, `commands-faults-b-${crypto.randomUUID()}`);
  try {
    for (let i = 0; i < 5; i += 1) {
      const sent = await send('fresh-sensor-001', 'set_servo', { angle: 10 + i });
      const done = await waitForStatus(harness, sent.id);
      expect(done).toMatchObject({ status: 'done', result: { servo_angle: 10 + i } });
      await waitForStatus(other, sent.id);
    }
  } finally {
    await other.commands.stop();
  }
});

test('broker killed while a command waits for an offline device: delivered once after both return', async () => {
  const first = await startDevice(broker.url, 'crash-');
  await first.stop();
  const sent = await send('crash-sensor-001', 'set_servo', { angle: 30 });
  await waitForStatus(harness, sent.id, new Set(['sent']));
  await broker.kill('SIGKILL');
  await broker.restart();
  // The command link reconnects by itself; the device comes back and announces itself online.
  const device = await startDevice(broker.url, 'crash-');
  fleets.push(device);
  const done = await waitForStatus(harness, sent.id, undefined, 10_000);
  expect(done).toMatchObject({ status: 'done', result: { servo_angle: 30 } });
  await Bun.sleep(300);
  expect(device.stats().commandsRun).toBe(1);
}, 20_000);
