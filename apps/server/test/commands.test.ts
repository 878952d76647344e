/**
 * Remote control end to end on the real Mosquitto and PostgreSQL: the command module publishes,
 * a live simulated device (apps/simulator) runs and acknowledges, and every fault of delivery -
 * device offline, expiry, redelivery, a server restart - ends with each command run at most once
 * and in a final status.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { RunningFleet } from '@vigil/simulator';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { newCommandId } from '../src/commands/command-id';
import { Commands } from '../src/commands/schema';
import { createCommandStore } from '../src/commands/store';
import { Devices } from '../src/devices/schema';
import { InvalidInputError } from '../src/errors';
import { type Database, openDatabase } from '../src/telemetry/database';
import {
  type CommandsHarness,
  percentile,
  runCommands,
  startDevice,
  waitForStatus,
} from './commands-support';

const PREFIX = 'cmd-';
const DEVICE = `${PREFIX}sensor-001`;
const CLIENT_ID = `commands-test-${crypto.randomUUID().slice(0, 8)}`;

let broker: RunningMosquitto;
let database: Database;
let harness: CommandsHarness;
let device: RunningFleet;
/** Every payload published on any device's cmd topic, seen by an independent subscriber. */
const published: string[] = [];
let watcher: mqtt.MqttClient;

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await database.db.insert(Devices).values([
    { id: DEVICE, model: 'vigil-sim-sensor' },
    { id: 'cmd-drone-001', model: 'vigil-sim-drone' },
  ]);
  watcher = await mqtt.connectAsync(broker.url, { clientId: `${CLIENT_ID}-watch` });
  await watcher.subscribeAsync('devices/+/cmd', { qos: 1 });
  watcher.on('message', (_topic, payload) => published.push(payload.toString()));
  harness = await runCommands(database, broker.url, CLIENT_ID);
  device = await startDevice(broker.url, PREFIX);
}, 30_000);

afterAll(async () => {
  await device?.stop();
  await harness?.commands.stop();
  await watcher?.endAsync();
  await database?.close();
  await broker?.stop();
});

const send = (name: string, params: unknown, ttlMs?: number) =>
  harness.commands.service.send({
    deviceId: DEVICE,
    name,
    params,
    createdBy: 'alice',
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  });

describe('commands against a live simulated device', () => {
  test('send -> sent -> accepted -> done with the device result, recorded with its sender', async () => {
    const runs = device.stats().commandsRun;
    const sent = await send('set_servo', { angle: 90 });
    expect(sent).toMatchObject({ deviceId: DEVICE, name: 'set_servo', createdBy: 'alice' });
    const done = await waitForStatus(harness, sent.id);
    expect(done).toMatchObject({ status: 'done', result: { servo_angle: 90 } });
    // Statuses only move forward; 'sent' is skipped when the device answers before the PUBACK
    // is recorded.
    const seen = harness.events.filter((c) => c.id === sent.id).map((c) => c.status);
    expect(seen[0]).toBe('pending');
    expect(seen.at(-1)).toBe('done');
    expect(seen.filter((status) => status !== 'sent')).toEqual(['pending', 'accepted', 'done']);
    await Bun.sleep(100);
    const [row] = await database.db.select().from(Commands).where(eq(Commands.id, sent.id));
    expect(row).toMatchObject({ status: 'done', createdBy: 'alice', params: { angle: 90 } });
    expect(row).toMatchObject({ attempts: 1, result: { servo_angle: 90 } });
    expect(row?.sentAt).toBeInstanceOf(Date);
    expect(row?.ackedAt).toBeInstanceOf(Date);
    expect(device.stats().commandsRun).toBe(runs + 1);
  });

  test('bad parameters are refused with the field named; nothing is stored or published', async () => {
    const before = published.length;
    const rows = (await database.db.select().from(Commands)).length;
    await expect(send('set_servo', { angle: 181 })).rejects.toThrow(InvalidInputError);
    await expect(send('set_servo', { angle: 181 })).rejects.toThrow('set_servo: params.angle');
    await expect(send('set_interval', { ms: 10 })).rejects.toThrow('params.ms');
    await expect(send('launch', {})).rejects.toThrow("unknown command 'launch'");
    await expect(send('reboot', {}, 10)).rejects.toThrow('ttlMs');
    await expect(
      harness.commands.service.send({
        deviceId: 'cmd-drone-001',
        name: 'set_led',
        params: { on: true },
        createdBy: 'alice',
      }),
    ).rejects.toThrow("for model 'vigil-sim-drone'");
    await Bun.sleep(200);
    expect((await database.db.select().from(Commands)).length).toBe(rows);
    expect(published.length).toBe(before);
  });

  test('defense changes what the device reports; a repeated delivery is answered, not run', async () => {
    const runs = device.stats().commandsRun;
    const sent = await send('defense', { on: true });
    const done = await waitForStatus(harness, sent.id);
    expect(done.result).toMatchObject({ defense: true, intervalMs: 200 });
    // The same command published again, as a broker or a restarted server may do.
    const again = published.find((p) => JSON.parse(p).id === sent.id);
    expect(again).toBeDefined();
    await watcher.publishAsync(`devices/${DEVICE}/cmd`, again ?? '', { qos: 1 });
    await waitUntil(() => device.stats().commandsRepeated >= 1);
    expect(device.stats().commandsRun).toBe(runs + 1);
    expect((await harness.commands.service.get(sent.id)).status).toBe('done');
    await waitForStatus(harness, (await send('defense', { on: false })).id);
  });

  test('a command to an offline device waits in the broker and runs once when it reconnects', async () => {
    await device.stop();
    const sent = await send('set_led', { on: true }, 30_000);
    await Bun.sleep(300);
    expect((await harness.commands.service.get(sent.id)).status).toBe('sent');
    device = await startDevice(broker.url, PREFIX);
    const done = await waitForStatus(harness, sent.id);
    expect(done).toMatchObject({ status: 'done', result: { led: true } });
    // The broker's queued copy and the server's redelivery on reconnect: run once, repeat answered.
    await Bun.sleep(300);
    expect(device.stats().commandsRun).toBe(1);
  });

  test('a command nobody answers expires; a late delivery does not revive it', async () => {
    await device.stop();
    const sent = await send('set_led', { on: false }, 1_000);
    const expired = await waitForStatus(harness, sent.id, new Set(['expired']), 3_000);
    expect(expired.error).toContain('expired');
    device = await startDevice(broker.url, PREFIX);
    await Bun.sleep(500);
    expect((await harness.commands.service.get(sent.id)).status).toBe('expired');
    expect(device.stats().commandsRun).toBe(1); // refused as expired by the device, not run
  });

  test('server restart with a command never published: republished and run exactly once', async () => {
    await harness.commands.stop();
    // What a crash between storing and publishing leaves: a pending row.
    const id = newCommandId();
    await createCommandStore(database).insert({
      id,
      deviceId: DEVICE,
      name: 'set_servo',
      params: { angle: 45 },
      createdBy: 'alice',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 30_000),
    });
    // And a copy the device got anyway: its acks wait in the stopped server's session.
    const runs = device.stats().commandsRun;
    await watcher.publishAsync(
      `devices/${DEVICE}/cmd`,
      JSON.stringify({
        id,
        name: 'set_servo',
        params: { angle: 45 },
        expiresAt: Date.now() + 30_000,
      }),
      { qos: 1 },
    );
    await waitUntil(() => device.stats().commandsRun === runs + 1);
    harness = await runCommands(database, broker.url, CLIENT_ID);
    const done = await waitForStatus(harness, id);
    expect(done).toMatchObject({ status: 'done', result: { servo_angle: 45 } });
    await Bun.sleep(300);
    expect(device.stats().commandsRun).toBe(runs + 1);
    expect((await harness.commands.service.get(id)).attempts).toBeGreaterThanOrEqual(1);
  });

  test('click-free round trip, send -> done, over 50 commands', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      const sent = await send('set_led', { on: i % 2 === 0 });
      await waitForStatus(harness, sent.id);
      latencies.push(performance.now() - start);
    }
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    console.log(
      `command round trip over 50 commands: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
    );
    expect(p95).toBeLessThan(1_000);
    const exposed = await harness.metrics.metrics();
    const done = /vigil_commands_total\{name="set_led",status="done"\} (\d+)/.exec(exposed);
    expect(Number(done?.[1])).toBeGreaterThanOrEqual(50);
    expect(exposed).toMatch(/vigil_command_round_trip_seconds_count \d+/);
  }, 60_000);
});

async function waitUntil(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await Bun.sleep(20);
  }
}
