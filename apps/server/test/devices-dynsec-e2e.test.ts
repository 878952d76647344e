/**
 * The shipped server against the real Mosquitto with dynamic security (BROKER_ACCESS=dynsec):
 * devices created over the API get broker credentials at once, the real mosquitto_pub publishes
 * as them, and the server stores only what each device may send under its own id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { randomSecret } from '../src/auth/secrets';
import { runCli } from './broker-access-support';

const MAIN = join(import.meta.dir, '../src/main.ts');
const serverAccount = { username: 'vigil-server', password: randomSecret() };
const adminPassword = 'e2e admin password';
const asAdmin = {
  authorization: `Basic ${Buffer.from(`root:${adminPassword}`).toString('base64')}`,
};
let broker: RunningMosquitto;
let server: Bun.Subprocess<'ignore', 'pipe', 'inherit'>;
let http = '';

beforeAll(async () => {
  broker = await startMosquitto({ dynsec: serverAccount });
  const database = await (await sharedPostgres()).createDatabase();
  server = Bun.spawn(['bun', MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      DATABASE_URL: database,
      MQTT_URL: broker.url,
      MQTT_USERNAME: serverAccount.username,
      MQTT_PASSWORD: serverAccount.password,
      MQTT_CLIENT_ID: 'vigil-e2e',
      BROKER_ACCESS: 'dynsec',
      ADMIN_USER: 'root',
      ADMIN_PASSWORD: adminPassword,
      INGEST_FLUSH_MS: '5',
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const decoder = new TextDecoder();
  const reader = server.stdout.getReader();
  let buffer = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`server exited before starting:\n${buffer}`);
    buffer += decoder.decode(chunk.value, { stream: true });
    const started = buffer
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as { msg: string; http?: string; brokerAccess?: string })
      .find((entry) => entry.msg === 'vigil started' || entry.msg === 'start failed');
    if (started === undefined) continue;
    if (started.msg !== 'vigil started') throw new Error(buffer);
    expect(started.brokerAccess).toBe('dynsec');
    http = String(started.http);
    break;
  }
  // Keep draining the log so the server never writes into a closed pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
}, 60_000);
afterAll(async () => {
  server?.kill('SIGTERM');
  await server?.exited;
  await broker?.stop();
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${http}${path}`, {
    method,
    headers: { ...asAdmin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const reading = (seq: number) =>
  JSON.stringify({ ts: Date.now(), boot: 7, seq, metrics: { temperature: 20 + seq } });

async function readingsOf(deviceId: string): Promise<number> {
  const { body } = await api('GET', `/devices/${deviceId}/telemetry`);
  return (body.readings as unknown[]).length;
}

describe('server-managed dynamic security end to end', () => {
  test('a device created over the API publishes at once; A cannot publish as B; revoke cuts A off', async () => {
    const a = await api('POST', '/devices', { id: 'e2e-a' });
    const b = await api('POST', '/devices', { id: 'e2e-b' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const asA = [
      '-p',
      String(broker.port),
      '-u',
      'e2e-a',
      '-P',
      String(a.body.secret),
      '-i',
      'e2e-a',
      '-q',
      '1',
      '-V',
      '5',
    ];

    expect(
      (await runCli(['mosquitto_pub', ...asA, '-t', 'devices/e2e-a/telemetry', '-m', reading(1)]))
        .stderr,
    ).toBe('');
    const forged = await runCli([
      'mosquitto_pub',
      ...asA,
      '-t',
      'devices/e2e-b/telemetry',
      '-m',
      reading(2),
    ]);
    expect(forged.stderr).toContain('Not authorized');
    expect(
      (await runCli(['mosquitto_pub', ...asA, '-t', 'devices/e2e-a/telemetry', '-m', reading(3)]))
        .stderr,
    ).toBe('');

    const deadline = Date.now() + 10_000;
    while ((await readingsOf('e2e-a')) < 2 && Date.now() < deadline) await Bun.sleep(100);
    expect(await readingsOf('e2e-a')).toBe(2);
    expect(await readingsOf('e2e-b')).toBe(0);

    const listening = runCli(
      ['mosquitto_sub', ...asA, '-t', 'devices/e2e-a/cmd', '-C', '1', '-W', '10'],
      15_000,
    );
    await Bun.sleep(400);
    expect((await api('POST', '/devices/e2e-a/revoke')).status).toBe(200);
    const ended = await listening;
    expect(ended.stdout).toBe('');
    const refused = await runCli([
      'mosquitto_pub',
      ...asA,
      '-t',
      'devices/e2e-a/telemetry',
      '-m',
      reading(4),
    ]);
    expect(refused.exitCode).not.toBe(0);

    // Rotation re-enables the device with a new secret; the old one stays refused.
    const rotated = await api('POST', '/devices/e2e-a/rotate-secret');
    const withNew = asA.map((arg) =>
      arg === String(a.body.secret) ? String(rotated.body.secret) : arg,
    );
    expect(
      (
        await runCli([
          'mosquitto_pub',
          ...withNew,
          '-t',
          'devices/e2e-a/telemetry',
          '-m',
          reading(5),
        ])
      ).stderr,
    ).toBe('');
    expect(
      (await runCli(['mosquitto_pub', ...asA, '-t', 'devices/e2e-a/telemetry', '-m', reading(6)]))
        .exitCode,
    ).not.toBe(0);
  }, 60_000);
});
