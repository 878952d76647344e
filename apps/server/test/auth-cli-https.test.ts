/**
 * The first admin from `bun run admin:create`, and the server over HTTPS (TLS_CERT/TLS_KEY with
 * certificates from `bun run certs`): TLS 1.2 or newer only, Secure session cookies.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sharedPostgres } from '@vigil/testkit';
import { checkPassword } from '../src/auth/users';
import { openDatabase } from '../src/telemetry/database';
import { runCli } from './broker-access-support';

const CLI = join(import.meta.dir, '../src/auth/admin-create-cli.ts');
const MAIN = join(import.meta.dir, '../src/main.ts');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function createAdmin(databaseUrl: string, args: string[], password: string) {
  const proc = Bun.spawn(['bun', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdin: new TextEncoder().encode(`${password}\n`),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { exitCode: await proc.exited, stdout, stderr };
}

describe('bun run admin:create', () => {
  test('creates the user with the password from stdin; refuses duplicates and weak passwords', async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const created = await createAdmin(url, ['alice'], 'alice has a long password');
    expect(created).toMatchObject({ exitCode: 0, stdout: "created admin 'alice'\n" });
    expect(
      (await createAdmin(url, ['bob', 'operator'], 'bob has a long password')).stdout,
    ).toContain("created operator 'bob'");
    expect(await createAdmin(url, ['alice'], 'another long password')).toMatchObject({
      exitCode: 1,
      stderr: "user 'alice' already exists\n",
    });
    expect(await createAdmin(url, ['carol'], 'short')).toMatchObject({
      exitCode: 1,
      stderr: 'password: at least 12 characters\n',
    });
    expect((await createAdmin(url, [], 'x')).exitCode).toBe(2);
    expect((await createAdmin(url, ['dave', 'root'], 'x')).exitCode).toBe(2);

    const database = await openDatabase({ url, dataDir: '' });
    try {
      expect(await checkPassword(database, 'alice', 'alice has a long password')).toMatchObject({
        role: 'admin',
      });
    } finally {
      await database.close();
    }
  }, 60_000);
});

describe('HTTPS', () => {
  test('serves TLS 1.2+ only with the configured certificate; session cookies are Secure', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'vigil-https-'));
    cleanups.push(() => rmSync(certs, { recursive: true, force: true }));
    const made = await runCli(
      ['bun', resolve(import.meta.dir, '../../../scripts/certs.ts'), '--out', certs],
      30_000,
    );
    expect(made.exitCode).toBe(0);

    const server = Bun.spawn(['bun', MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        MQTT_PORT: '0',
        DATA_DIR: 'memory://',
        TLS_CERT: join(certs, 'server.crt'),
        TLS_KEY: join(certs, 'server.key'),
        ADMIN_USER: 'root',
        ADMIN_PASSWORD: 'https admin password',
      },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'inherit',
    });
    cleanups.push(async () => {
      server.kill('SIGTERM');
      await server.exited;
    });
    const reader = server.stdout.getReader();
    let log = '';
    while (!log.includes('"vigil started"')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(log);
      log += new TextDecoder().decode(chunk.value);
    }
    void (async () => {
      while (!(await reader.read()).done) {}
    })();
    const http = String(/"http":"([^"]+)"/.exec(log)?.[1]);
    expect(http.startsWith('https://')).toBe(true);
    const port = new URL(http).port;

    const ca = readFileSync(join(certs, 'ca.crt'), 'utf8');
    const health = await fetch(`${http}/health`, { tls: { ca } });
    expect(health.status).toBe(200);
    const login = await fetch(`${http}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'https admin password' }),
      tls: { ca },
    });
    expect(login.headers.get('set-cookie')).toMatch(/Secure/i);

    const handshake = (version: string) =>
      runCli([
        'openssl',
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        version,
        '-CAfile',
        join(certs, 'ca.crt'),
      ]);
    expect((await handshake('-tls1_1')).exitCode).not.toBe(0);
    expect((await handshake('-tls1_2')).stdout).toContain('Protocol  : TLSv1.2');
  }, 60_000);
});
