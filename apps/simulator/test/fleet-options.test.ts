import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import mqtt from 'mqtt';
import { startFleet } from '../src/fleet';

let broker: RunningMosquitto;
let dir: string;

beforeAll(async () => {
  // A broker that requires a login, with one account per device.
  dir = mkdtempSync(join(tmpdir(), 'vigil-sim-auth-'));
  const passwords = join(dir, 'passwords');
  for (const [i, id] of ['sensor-001', 'drone-001'].entries()) {
    const create = i === 0 ? ['-c'] : [];
    const proc = Bun.spawnSync(['mosquitto_passwd', ...create, '-b', passwords, id, `pw-${id}`]);
    if (proc.exitCode !== 0) throw new Error(`mosquitto_passwd failed: ${proc.stderr.toString()}`);
  }
  broker = await startMosquitto({ anonymous: false, config: `password_file ${passwords}` });
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fleet options against a broker that requires credentials', () => {
  test('each device logs in with its own credentials', async () => {
    const fleet = await startFleet({
      url: broker.url,
      sensors: 1,
      drones: 1,
      intervalMs: 100,
      faultRate: 0,
      durationMs: 500,
      credentials: (id) => ({ username: id, password: `pw-${id}` }),
    });
    const stats = await fleet.finished;
    expect(stats.acked).toBeGreaterThanOrEqual(6);
    expect(stats.failed).toBe(0);
  });

  test('wrong credentials fail the start with a clear error', async () => {
    await expect(
      startFleet({
        url: broker.url,
        sensors: 1,
        drones: 0,
        intervalMs: 100,
        faultRate: 0,
        credentials: (id) => ({ username: id, password: 'wrong' }),
      }),
    ).rejects.toThrow('sensor-001 could not connect');
  });

  test('injected faults are published and counted by type', async () => {
    const observer = await mqtt.connectAsync(broker.url, {
      username: 'sensor-001',
      password: 'pw-sensor-001',
      clientId: `observer-${process.pid}`,
    });
    let messages = 0;
    observer.on('message', () => {
      messages += 1;
    });
    await observer.subscribeAsync('devices/+/telemetry', { qos: 1 });
    // At 50 ms and a 0.9 rate the first episode starts after the 30-interval minimum gap.
    const fleet = await startFleet({
      url: broker.url,
      sensors: 1,
      drones: 1,
      intervalMs: 50,
      faultRate: 0.9,
      durationMs: 3_000,
      credentials: (id) => ({ username: id, password: `pw-${id}` }),
    });
    const stats = await fleet.finished;
    const deadline = Date.now() + 2_000;
    while (messages < stats.acked && Date.now() < deadline) await Bun.sleep(20);
    await observer.endAsync();
    const faulty = Object.values(stats.faults).reduce((sum, n) => sum + n, 0);
    expect(faulty).toBeGreaterThan(0);
    expect(stats.acked).toBe(stats.sent);
    // Everything the broker acknowledged reached a subscriber, faulty messages included.
    expect(messages).toBe(stats.acked);
  });
});
