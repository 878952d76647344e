/**
 * Per-device credentials and ACLs on the real Mosquitto 2 with the dynamic-security plugin,
 * managed by the server's dynsec BrokerAccess; the devices are the real mosquitto_pub and
 * mosquitto_sub. An observer with full read access proves that refused messages went nowhere.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import { randomSecret } from '../src/auth/secrets';
import { type BrokerAccess, BrokerUnavailableError } from '../src/broker/access/broker-access';
import { createDynsecAccess, ensureServerRole } from '../src/broker/access/dynsec-access';
import { connectDynsec, type DynsecClient } from '../src/broker/access/dynsec-client';
import { type Observer, observe, runCli } from './broker-access-support';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const admin = { username: 'vigil-server', password: randomSecret() };
let broker: RunningMosquitto;
let dynsec: DynsecClient;
let access: BrokerAccess;
let observer: Observer;
const secrets = { a: randomSecret(), b: randomSecret() };

beforeAll(async () => {
  broker = await startMosquitto({ dynsec: admin });
  dynsec = await connectDynsec({ url: broker.url, ...admin, clientId: 'vigil-dynsec-test' });
  await ensureServerRole(dynsec, admin.username, 'devices');
  access = createDynsecAccess(dynsec, 'devices');
  await access.grantDevice({ deviceId: 'dev-a', username: 'dev-a', secret: secrets.a });
  await access.grantDevice({ deviceId: 'dev-b', username: 'dev-b', secret: secrets.b });
  observer = await observe(broker.url, admin, ['#', '$CONTROL/#']);
}, 30_000);
afterAll(async () => {
  await observer?.close();
  await dynsec?.close();
  await broker?.stop();
});

/** mosquitto_pub as a device (MQTT 5, so refusals are reported in the PUBACK). */
const pub = (who: 'a' | 'b', topic: string, message: string, extra: string[] = []) =>
  runCli([
    'mosquitto_pub',
    '-V',
    '5',
    '-p',
    String(broker.port),
    '-u',
    `dev-${who}`,
    '-P',
    secrets[who],
    '-i',
    `dev-${who}`,
    '-q',
    '1',
    '-t',
    topic,
    '-m',
    message,
    ...extra,
  ]);
/** mosquitto_sub as a device, for one message or `waitS` seconds. */
const sub = (who: 'a' | 'b', topic: string, extra: string[] = [], waitS = 1) =>
  runCli(
    [
      'mosquitto_sub',
      '-V',
      '5',
      '-p',
      String(broker.port),
      '-u',
      `dev-${who}`,
      '-P',
      secrets[who],
      '-i',
      `dev-${who}`,
      '-q',
      '1',
      '-t',
      topic,
      '-C',
      '1',
      '-W',
      String(waitS),
      ...extra,
    ],
    (waitS + 4) * 1000,
  );

/** Publishes a sentinel on A's own telemetry and waits for it, so earlier refusals are settled. */
async function settle(tag: string) {
  const result = await pub('a', 'devices/dev-a/telemetry', `sentinel-${tag}`);
  expect(result.exitCode).toBe(0);
  await observer.waitFor('devices/dev-a/telemetry', `sentinel-${tag}`);
}

const seen = (payload: string) => observer.messages.filter((m) => m.payload === payload);

describe('dynamic-security ACLs against real mosquitto clients', () => {
  test('a device publishes its own telemetry, state, events and acks', async () => {
    for (const topic of ['telemetry', 'state', 'event/button', 'cmd/ack']) {
      const result = await pub('a', `devices/dev-a/${topic}`, `own-${topic}`);
      expect(result.stderr).toBe('');
      await observer.waitFor(`devices/dev-a/${topic}`, `own-${topic}`);
    }
  });

  test('device A cannot publish as B, nor to any cmd topic, retained or not', async () => {
    for (const [topic, flags] of [
      ['devices/dev-b/telemetry', []],
      ['devices/dev-b/state', ['-r']],
      ['devices/dev-b/cmd/ack', []],
      ['devices/dev-a/cmd', ['-r']],
      ['devices/dev-b/cmd', ['-r']],
      ['devices/dev-b/cmd', []],
      ['$SYS/broker/forged', []],
      ['$CONTROL/dynamic-security/v1', []],
    ] as const) {
      const result = await pub('a', topic, `forged ${topic}`, [...flags]);
      expect(result.stderr).toContain('Not authorized');
    }
    await settle('forged');
    expect(observer.messages.filter((m) => m.payload.startsWith('forged'))).toEqual([]);
    // Nothing was retained either: a fresh subscriber to the cmd topics gets no message.
    const late = await observe(broker.url, admin, ['devices/+/cmd']);
    await Bun.sleep(300);
    expect(late.messages).toEqual([]);
    await late.close();
  });

  test("device A cannot subscribe to B's cmd, #, $SYS/#, $CONTROL/# or a $share over B", async () => {
    for (const filter of [
      'devices/dev-b/cmd',
      '#',
      '$SYS/#',
      '$CONTROL/#',
      'devices/+/cmd',
      '$share/g/devices/dev-b/cmd',
      '$share/g/devices/+/telemetry',
    ]) {
      const result = await sub('a', filter);
      expect(result.stderr).toContain('All subscription requests were denied');
    }
  });

  test('device B receives its own commands', async () => {
    const receiving = sub('b', 'devices/dev-b/cmd', [], 4);
    await Bun.sleep(400);
    const send = await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-u',
      admin.username,
      '-P',
      admin.password,
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

  test("device A cannot take over B's client id, and B's session survives the attempt", async () => {
    const listening = sub('b', 'devices/dev-b/cmd', [], 4);
    await Bun.sleep(400);
    const takeover = await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-u',
      'dev-a',
      '-P',
      secrets.a,
      '-i',
      'dev-b',
      '-t',
      'devices/dev-a/telemetry',
      '-m',
      'takeover',
    ]);
    expect(takeover.exitCode).not.toBe(0);
    expect(takeover.stderr).toMatch(/not authori[sz]ed/i);
    await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-u',
      admin.username,
      '-P',
      admin.password,
      '-q',
      '1',
      '-t',
      'devices/dev-b/cmd',
      '-m',
      'still-here',
    ]);
    expect((await listening).stdout.trim()).toBe('still-here');
    expect(seen('takeover')).toEqual([]);
  });

  test('a wrong secret is refused', async () => {
    const result = await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-u',
      'dev-a',
      '-P',
      `${secrets.a}x`,
      '-i',
      'dev-a',
      '-t',
      'devices/dev-a/telemetry',
      '-m',
      'wrong-secret',
    ]);
    expect(result.stderr).toMatch(/not authori[sz]ed/i);
    await settle('wrong-secret');
    expect(seen('wrong-secret')).toEqual([]);
  });

  test('rotation: the old secret stops working, the new one works', async () => {
    const old = secrets.b;
    secrets.b = randomSecret();
    await access.grantDevice({ deviceId: 'dev-b', username: 'dev-b', secret: secrets.b });
    const refused = await runCli([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-u',
      'dev-b',
      '-P',
      old,
      '-i',
      'dev-b',
      '-t',
      'devices/dev-b/telemetry',
      '-m',
      'old-secret',
    ]);
    expect(refused.stderr).toMatch(/not authori[sz]ed/i);
    expect((await pub('b', 'devices/dev-b/telemetry', 'new-secret')).exitCode).toBe(0);
    await observer.waitFor('devices/dev-b/telemetry', 'new-secret');
    expect(seen('old-secret')).toEqual([]);
  });

  test('revocation disconnects a connected device at once and refuses its next connect', async () => {
    const started = Date.now();
    const connected = sub('b', 'devices/dev-b/cmd', [], 10);
    await Bun.sleep(400);
    await access.revokeDevice('dev-b');
    const ended = await connected;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ended.stdout).toBe('');
    const again = await pub('b', 'devices/dev-b/telemetry', 'after-revoke');
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toMatch(/not authori[sz]ed/i);
    await settle('revoked');
    expect(seen('after-revoke')).toEqual([]);
  });

  test('removal forgets the device; granting again restores it', async () => {
    await access.removeDevice('dev-b');
    await access.removeDevice('dev-b');
    expect((await pub('b', 'devices/dev-b/telemetry', 'removed')).exitCode).not.toBe(0);
    await access.grantDevice({ deviceId: 'dev-b', username: 'dev-b', secret: secrets.b });
    expect((await pub('b', 'devices/dev-b/telemetry', 'back')).stderr).toBe('');
    await observer.waitFor('devices/dev-b/telemetry', 'back');
  });

  test('a broker that does not answer is reported as unavailable, not as a crash', async () => {
    const impatient = await connectDynsec({
      url: broker.url,
      ...admin,
      clientId: 'vigil-impatient',
      timeoutMs: 300,
    });
    try {
      await broker.kill('SIGKILL');
      const grant = createDynsecAccess(impatient, 'devices').grantDevice({
        deviceId: 'dev-c',
        username: 'dev-c',
        secret: 'x',
      });
      await expect(grant).rejects.toBeInstanceOf(BrokerUnavailableError);
    } finally {
      await impatient.close();
    }
  });
});
