/**
 * The embedded Aedes broker's hooks enforce the same device rules as the dynamic-security roles,
 * against the real mosquitto_pub / mosquitto_sub as devices (MQTT 3.1.1, which Aedes speaks).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { randomSecret } from '../src/auth/secrets';
import { type AedesAccess, createAedesAccess } from '../src/broker/access/aedes-access';
import { type Observer, observe, runCli } from './broker-access-support';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const serverAccount = { username: 'vigil-server', password: randomSecret() };
const secrets: Record<string, string> = { 'dev-a': randomSecret(), 'dev-b': randomSecret() };
let verifications = 0;
let access: AedesAccess;
let broker: Aedes;
let server: Server;
let port: number;
let url: string;
let observer: Observer;

beforeAll(async () => {
  access = createAedesAccess({
    // Stands in for DeviceRegistry.verifyCredentials (tested on the real databases elsewhere).
    async verifyDevice(username, secret) {
      verifications += 1;
      return secrets[username] === secret ? username : null;
    },
    server: serverAccount,
    topicRoot: 'devices',
  });
  broker = await Aedes.createBroker({ ...access.hooks });
  access.attach(broker);
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  url = `mqtt://127.0.0.1:${port}`;
  observer = await observe(url, serverAccount, ['devices/#']);
}, 30_000);
afterAll(async () => {
  await observer?.close();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const as = (who: string, id = who, secret = secrets[who] ?? '') => [
  '-p',
  String(port),
  '-u',
  who,
  '-P',
  secret,
  '-i',
  id,
];
const pub = (who: string, topic: string, message: string, extra: string[] = []) =>
  runCli(['mosquitto_pub', ...as(who), '-q', '1', '-t', topic, '-m', message, ...extra]);
const sub = (who: string, topic: string, waitS = 1) =>
  runCli(
    ['mosquitto_sub', ...as(who), '-q', '1', '-t', topic, '-C', '1', '-W', String(waitS)],
    (waitS + 4) * 1000,
  );
const seen = (payload: string) => observer.messages.filter((m) => m.payload === payload);

async function settle(tag: string) {
  expect((await pub('dev-a', 'devices/dev-a/telemetry', `sentinel-${tag}`)).exitCode).toBe(0);
  await observer.waitFor('devices/dev-a/telemetry', `sentinel-${tag}`);
}

describe('Aedes hooks against real mosquitto clients', () => {
  test('a device publishes its own topics', async () => {
    for (const topic of ['telemetry', 'event/tamper', 'cmd/ack']) {
      expect((await pub('dev-a', `devices/dev-a/${topic}`, `own-${topic}`)).exitCode).toBe(0);
      await observer.waitFor(`devices/dev-a/${topic}`, `own-${topic}`);
    }
  });

  test('device A cannot publish as B or to any cmd topic, retained or not', async () => {
    for (const [topic, flags] of [
      ['devices/dev-b/telemetry', []],
      ['devices/dev-b/state', ['-r']],
      ['devices/dev-a/cmd', ['-r']],
      ['devices/dev-b/cmd', []],
    ] as const) {
      await pub('dev-a', topic, `forged ${topic}`, [...flags]);
    }
    await settle('forged');
    expect(observer.messages.filter((m) => m.payload.startsWith('forged'))).toEqual([]);
  });

  test("device A cannot subscribe to B's cmd, #, $SYS/# or wildcards over devices", async () => {
    for (const filter of [
      'devices/dev-b/cmd',
      '#',
      '$SYS/#',
      'devices/+/cmd',
      '$share/g/devices/dev-b/cmd',
    ]) {
      const result = await sub('dev-a', filter);
      expect(result.stderr).toContain('All subscription requests were denied');
    }
  });

  test('device B receives its own commands from the server account', async () => {
    const receiving = sub('dev-b', 'devices/dev-b/cmd', 4);
    await Bun.sleep(400);
    const send = await runCli([
      'mosquitto_pub',
      '-p',
      String(port),
      '-u',
      serverAccount.username,
      '-P',
      serverAccount.password,
      '-q',
      '1',
      '-t',
      'devices/dev-b/cmd',
      '-m',
      'reboot',
    ]);
    expect(send.exitCode).toBe(0);
    expect((await receiving).stdout.trim()).toBe('reboot');
  });

  test("client id takeover and wrong secrets are refused; B's session survives", async () => {
    const listening = sub('dev-b', 'devices/dev-b/cmd', 4);
    await Bun.sleep(400);
    const takeover = await runCli([
      'mosquitto_pub',
      ...as('dev-a', 'dev-b'),
      '-t',
      'devices/dev-a/telemetry',
      '-m',
      'takeover',
    ]);
    expect(takeover.exitCode).not.toBe(0);
    const wrong = await runCli([
      'mosquitto_pub',
      ...as('dev-a', 'dev-a', 'nope'),
      '-t',
      'devices/dev-a/telemetry',
      '-m',
      'wrong',
    ]);
    expect(wrong.exitCode).not.toBe(0);
    await runCli([
      'mosquitto_pub',
      '-p',
      String(port),
      '-u',
      serverAccount.username,
      '-P',
      serverAccount.password,
      '-q',
      '1',
      '-t',
      'devices/dev-b/cmd',
      '-m',
      'still-here',
    ]);
    expect((await listening).stdout.trim()).toBe('still-here');
    await settle('takeover');
    expect([...seen('takeover'), ...seen('wrong')]).toEqual([]);
  });

  test('reconnects are verified from cache; revocation disconnects at once and refuses', async () => {
    const before = verifications;
    await pub('dev-a', 'devices/dev-a/telemetry', 'cached');
    expect(verifications).toBe(before);

    const connected = sub('dev-b', 'devices/dev-b/cmd', 10);
    await Bun.sleep(400);
    const started = Date.now();
    await access.access.revokeDevice('dev-b');
    expect((await connected).stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await pub('dev-b', 'devices/dev-b/telemetry', 'after-revoke')).exitCode).not.toBe(0);

    secrets['dev-b'] = randomSecret();
    await access.access.grantDevice({
      deviceId: 'dev-b',
      username: 'dev-b',
      secret: secrets['dev-b'],
    });
    expect((await pub('dev-b', 'devices/dev-b/telemetry', 'regranted')).exitCode).toBe(0);
    await observer.waitFor('devices/dev-b/telemetry', 'regranted');
    expect(seen('after-revoke')).toEqual([]);
  });
});
