/**
 * The command edges: tRPC over HTTP (roles, BAD_REQUEST with the field named, catalogue as JSON
 * Schema, list and get) and `bun run cmd` (scripts/cmd.ts) against a listening server, with the
 * real broker, database and a live simulated device behind them.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import type { RunningFleet } from '@vigil/simulator';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { Commands } from '../src/commands/schema';
import { Devices } from '../src/devices/schema';
import { type Database, openDatabase } from '../src/telemetry/database';
import { type CommandsHarness, runCommands, startDevice } from './commands-support';
import { bearer, buildApp } from './support/app';

const CLI = resolve(import.meta.dir, '../../../scripts/cmd.ts');
const PREFIX = 'api-';
const DEVICE = `${PREFIX}sensor-001`;
const OFFLINE = 'api-offline-1';

let broker: RunningMosquitto;
let database: Database;
let harness: CommandsHarness;
let device: RunningFleet;
let base: string;
let stopApp: () => Promise<void>;
const auth: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

beforeAll(async () => {
  const [mosquitto, cluster] = await Promise.all([startMosquitto(), sharedPostgres()]);
  broker = mosquitto;
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  await database.db.insert(Devices).values([
    { id: DEVICE, model: 'vigil-sim-sensor' },
    { id: OFFLINE, model: 'vigil-sim-drone' },
  ]);
  harness = await runCommands(database, broker.url, `commands-api-${crypto.randomUUID()}`);
  const { app } = buildApp(database, harness.bus, harness.commands.service);
  app.listen({ port: 0, hostname: '127.0.0.1' });
  base = `http://127.0.0.1:${app.server?.port}`;
  stopApp = async () => {
    await app.stop(true);
  };
  auth.viewer = await bearer(database, 'viewer');
  auth.operator = await bearer(database, 'operator');
  device = await startDevice(broker.url, PREFIX);
}, 30_000);

afterAll(async () => {
  await device?.stop();
  await stopApp?.();
  await harness?.commands.stop();
  await database?.close();
  await broker?.stop();
});

async function trpc(
  kind: 'query' | 'mutation',
  path: string,
  input: unknown,
  as: 'viewer' | 'operator',
) {
  const headers = { authorization: auth[as], 'content-type': 'application/json' };
  const response =
    kind === 'query'
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await fetch(`${base}/trpc/${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(input),
        });
  const body = (await response.json()) as {
    result?: { data: unknown };
    error?: { message: string };
  };
  return { status: response.status, data: body.result?.data as never, error: body.error?.message };
}

/** Runs the CLI as a child (asynchronously: the server it talks to lives in this process). */
async function cli(...args: string[]) {
  const token = auth.operator.slice('Bearer '.length);
  const run = Bun.spawn(['bun', CLI, ...args], {
    env: { ...process.env, VIGIL_URL: base, VIGIL_TOKEN: token },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, err, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  return { code, out, err };
}

describe('command API', () => {
  test('an operator sends; a viewer may read but not send', async () => {
    const input = { deviceId: DEVICE, name: 'set_led', params: { on: true } };
    expect((await trpc('mutation', 'commands.send', input, 'viewer')).status).toBe(403);
    const sent = await trpc('mutation', 'commands.send', input, 'operator');
    expect(sent.status).toBe(200);
    expect(sent.data).toMatchObject({
      deviceId: DEVICE,
      name: 'set_led',
      createdBy: 'token:test operator',
    });
    const got = await trpc(
      'query',
      'commands.get',
      { id: (sent.data as { id: string }).id },
      'viewer',
    );
    expect(got.status).toBe(200);
  });

  test('bad parameters: 400 naming the field, nothing stored', async () => {
    const before = (await database.db.select().from(Commands)).length;
    const bad = await trpc(
      'mutation',
      'commands.send',
      { deviceId: DEVICE, name: 'set_servo', params: { angle: 400 } },
      'operator',
    );
    expect(bad.status).toBe(400);
    expect(bad.error).toContain('set_servo: params.angle');
    const unknownDevice = await trpc(
      'mutation',
      'commands.send',
      { deviceId: 'nope', name: 'reboot' },
      'operator',
    );
    expect(unknownDevice.status).toBe(404);
    expect((await database.db.select().from(Commands)).length).toBe(before);
  });

  test('catalogue per model as JSON Schema; list newest first; unknown id 404', async () => {
    const drone = await trpc('query', 'commands.catalogue', { deviceId: OFFLINE }, 'viewer');
    expect(drone.data).toMatchObject({ model: 'vigil-sim-drone' });
    const names = (drone.data as { commands: { name: string }[] }).commands.map((c) => c.name);
    expect(names).toEqual(['defense', 'set_interval', 'reboot']);
    const sensor = await trpc('query', 'commands.catalogue', { deviceId: DEVICE }, 'viewer');
    expect(sensor.data).toMatchObject({
      commands: expect.arrayContaining([
        expect.objectContaining({
          name: 'set_servo',
          params: expect.objectContaining({
            type: 'object',
            properties: { angle: expect.objectContaining({ minimum: 0, maximum: 180 }) },
          }),
        }),
      ]),
    });
    const list = await trpc('query', 'commands.list', { deviceId: DEVICE, limit: 10 }, 'viewer');
    const ids = (list.data as { id: string }[]).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual([...ids].sort().reverse());
    expect((await trpc('query', 'commands.get', { id: 'missing' }, 'viewer')).status).toBe(404);
  });
});

describe('bun run cmd', () => {
  test('sends, waits and prints the final status with the result', async () => {
    const run = await cli(DEVICE, 'set_servo', 'angle=120');
    expect(run.err).toBe('');
    expect(run.out).toContain('done {"servo_angle":120}');
    expect(run.code).toBe(0);
  });

  test('bad parameters: exit 2 with the server message and the catalogue', async () => {
    const run = await cli(DEVICE, 'set_servo', 'angle=999');
    expect(run.code).toBe(2);
    expect(run.err).toContain('BAD_REQUEST');
    expect(run.err).toContain('params.angle');
    expect(run.err).toContain('set_servo angle=...');
    expect((await cli(DEVICE, 'set_led', 'on')).code).toBe(2);
    expect((await cli(DEVICE)).code).toBe(2);
  });

  test('a command that expires exits 1; --list prints the catalogue', async () => {
    const run = await cli(OFFLINE, 'reboot', '--ttl=1000');
    expect(run.out).toContain('expired');
    expect(run.code).toBe(1);
    const list = await cli(OFFLINE, '--list');
    expect(list.code).toBe(0);
    expect(list.out).toContain('model vigil-sim-drone');
  });
});
