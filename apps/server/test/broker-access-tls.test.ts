/**
 * MQTT over TLS to the real Mosquitto with certificates from `bun run certs` (scripts/certs.ts):
 * TLS 1.2 or newer only, the server verified against the development CA, and client
 * certificates (mTLS) when the listener requires them. Devices still log in with their secret.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import { randomSecret } from '../src/auth/secrets';
import { createDynsecAccess } from '../src/broker/access/dynsec-access';
import { connectDynsec, type DynsecClient } from '../src/broker/access/dynsec-client';
import { runCli } from './broker-access-support';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const certs = mkdtempSync(join(tmpdir(), 'vigil-certs-'));
const admin = { username: 'vigil-server', password: randomSecret() };
const secret = randomSecret();
const brokers: RunningMosquitto[] = [];
let optional: RunningMosquitto;
let mutual: RunningMosquitto;
let dynsec: DynsecClient[] = [];

beforeAll(async () => {
  const made = await runCli(
    [
      'bun',
      resolve(import.meta.dir, '../../../scripts/certs.ts'),
      '--out',
      certs,
      '--client',
      'dev-a',
    ],
    30_000,
  );
  if (made.exitCode !== 0) throw new Error(made.stderr);
  const server = { certfile: join(certs, 'server.crt'), keyfile: join(certs, 'server.key') };
  optional = await startMosquitto({ dynsec: admin, tls: server });
  mutual = await startMosquitto({
    dynsec: admin,
    tls: { ...server, cafile: join(certs, 'ca.crt'), requireCertificate: true },
  });
  brokers.push(optional, mutual);
  dynsec = await Promise.all(
    brokers.map((broker) =>
      connectDynsec({ url: broker.url, ...admin, clientId: 'vigil-tls-test' }),
    ),
  );
  for (const client of dynsec) {
    await createDynsecAccess(client, 'devices').grantDevice({
      deviceId: 'dev-a',
      username: 'dev-a',
      secret,
    });
  }
}, 60_000);
afterAll(async () => {
  for (const client of dynsec) await client.close();
  for (const broker of brokers) await broker.stop();
  rmSync(certs, { recursive: true, force: true });
});

const publish = (port: number | undefined, extra: string[]) =>
  runCli([
    'mosquitto_pub',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-u',
    'dev-a',
    '-P',
    secret,
    '-i',
    'dev-a',
    '-q',
    '1',
    '-t',
    'devices/dev-a/telemetry',
    '-m',
    'over-tls',
    ...extra,
  ]);
const ca = () => ['--cafile', join(certs, 'ca.crt')];

describe('MQTT over TLS', () => {
  test('a device connects over TLS 1.2 and 1.3, verifying the server against the CA', async () => {
    for (const version of ['tlsv1.2', 'tlsv1.3']) {
      const result = await publish(optional.tlsPort, [...ca(), '--tls-version', version]);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
  });

  test('TLS 1.1, plain MQTT on the TLS port, and an untrusted server are refused', async () => {
    // mosquitto_pub treats --tls-version as a minimum, so the protocol floor is probed with openssl.
    const handshake = (version: string) =>
      runCli([
        'openssl',
        's_client',
        '-connect',
        `127.0.0.1:${optional.tlsPort}`,
        version,
        '-CAfile',
        join(certs, 'ca.crt'),
      ]);
    const old = await handshake('-tls1_1');
    expect(old.exitCode).not.toBe(0);
    expect(old.stdout + old.stderr).toContain('alert protocol version');
    expect((await handshake('-tls1_2')).stdout).toContain('Protocol  : TLSv1.2');
    expect((await publish(optional.tlsPort, [])).exitCode).not.toBe(0);
    // Without our CA the client cannot verify the server's certificate.
    const untrusted = await publish(optional.tlsPort, ['--capath', '/nonexistent']);
    expect(untrusted.exitCode).not.toBe(0);
  });

  test('mTLS: no client certificate is refused, the device certificate is accepted', async () => {
    expect((await publish(mutual.tlsPort, ca())).exitCode).not.toBe(0);
    const withCert = await publish(mutual.tlsPort, [
      ...ca(),
      '--cert',
      join(certs, 'dev-a.crt'),
      '--key',
      join(certs, 'dev-a.key'),
    ]);
    expect(withCert.stderr).toBe('');
    expect(withCert.exitCode).toBe(0);
  });

  test('a wrong secret is still refused over TLS', async () => {
    const result = await runCli([
      'mosquitto_pub',
      '-h',
      '127.0.0.1',
      '-p',
      String(optional.tlsPort),
      ...ca(),
      '-u',
      'dev-a',
      '-P',
      'wrong',
      '-i',
      'dev-a',
      '-t',
      'devices/dev-a/telemetry',
      '-m',
      'x',
    ]);
    expect(result.stderr).toMatch(/not authori[sz]ed/i);
  });
});
