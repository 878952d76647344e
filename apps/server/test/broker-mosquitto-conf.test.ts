/**
 * The shipped docker/mosquitto.conf against Mosquitto's defaults: a persistent QoS 1 consumer that
 * is away while 3,000 messages arrive gets all of them back with the shipped config, and silently
 * loses everything past the default max_queued_messages of 1000 without it. And the file as
 * written denies by default (dynamic security, no anonymous clients) and serves TLS 1.2+.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  dynsecPluginPath,
  freePort,
  type RunningMosquitto,
  SHIPPED_MOSQUITTO_CONF,
  startMosquitto,
  waitForPort,
} from '@vigil/testkit';
import mqtt from 'mqtt';
import { runCli } from './broker-access-support';

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

/**
 * The shipped file as written (only its container paths and ports moved to a temporary directory
 * and free loopback ports): Mosquitto starts with the dynamic-security plugin, refuses anonymous
 * clients, gives a login without a role nothing, and serves TLS 1.2 or newer on the TLS listener.
 */
describe('the shipped config as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-shipped-conf-'));
  const admin = { username: 'vigil-server', password: 'shipped conf admin' };
  let plainPort = 0;
  let tlsPort = 0;
  let mosquitto: Bun.Subprocess | undefined;

  beforeAll(async () => {
    const certs = await runCli(
      ['bun', resolve(import.meta.dir, '../../../scripts/certs.ts'), '--out', join(dir, 'certs')],
      30_000,
    );
    if (certs.exitCode !== 0) throw new Error(certs.stderr);
    mkdirSync(join(dir, 'data'));
    const init = await runCli([
      'mosquitto_ctrl',
      'dynsec',
      'init',
      join(dir, 'data', 'dynamic-security.json'),
      admin.username,
      admin.password,
    ]);
    if (init.exitCode !== 0) throw new Error(init.stderr);
    [plainPort, tlsPort] = [await freePort(), await freePort()];
    const conf = readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8')
      .replaceAll('/mosquitto/', `${dir}/`)
      .replace(/^listener 1883$/m, `listener ${plainPort} 127.0.0.1`)
      .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
      .replace(/^plugin \S+$/m, `plugin ${dynsecPluginPath()}`);
    // As root, Mosquitto would drop to the 'mosquitto' user, who cannot read our temporary files.
    const asRoot = process.getuid?.() === 0 ? '\nuser root\n' : '\n';
    writeFileSync(join(dir, 'mosquitto.conf'), conf + asRoot);
    mosquitto = Bun.spawn(['mosquitto', '-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForPort(plainPort, 10_000);
    await waitForPort(tlsPort, 10_000);
    const created = await runCli([
      'mosquitto_ctrl',
      ...['-p', String(plainPort), '-u', admin.username, '-P', admin.password],
      ...['dynsec', 'createClient', 'no-role', '-p', 'no-role password'],
    ]);
    if (created.exitCode !== 0) throw new Error(created.stderr);
  }, 60_000);
  afterAll(async () => {
    mosquitto?.kill();
    await mosquitto?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  const pub = (port: number, args: string[]) =>
    runCli(['mosquitto_pub', '-p', String(port), '-t', 'devices/x/telemetry', '-m', 'hi', ...args]);
  const noRole = ['-u', 'no-role', '-P', 'no-role password', '-V', '5', '-q', '1'];

  test('anonymous clients are refused; the dynsec admin logs in', async () => {
    expect((await pub(plainPort, [])).exitCode).not.toBe(0);
    expect((await pub(plainPort, ['-u', admin.username, '-P', admin.password])).exitCode).toBe(0);
  });

  test('a login without a role may neither publish nor subscribe', async () => {
    expect((await pub(plainPort, noRole)).stderr).toContain('Not authorized');
    const sub = await runCli([
      'mosquitto_sub',
      ...['-p', String(plainPort), ...noRole, '-t', '#', '-C', '1', '-W', '1'],
    ]);
    expect(sub.stdout).toBe('');
    expect(sub.stderr).toContain('denied');
  });

  test('the TLS listener speaks TLS 1.2 or newer only', async () => {
    const ca = ['--cafile', join(dir, 'certs', 'ca.crt')];
    const login = ['-u', admin.username, '-P', admin.password];
    expect((await pub(tlsPort, [...ca, ...login, '--tls-version', 'tlsv1.2'])).exitCode).toBe(0);
    expect((await pub(tlsPort, login)).exitCode).not.toBe(0);
    const handshake = await runCli([
      'openssl',
      ...['s_client', '-connect', `127.0.0.1:${tlsPort}`, '-tls1_1'],
      ...['-CAfile', join(dir, 'certs', 'ca.crt')],
    ]);
    expect(handshake.exitCode).not.toBe(0);
  });
});
