/**
 * Authentication and the registry through the HTTP API: sessions and their cookie, HTTP Basic,
 * token revocation, device-scoped tokens, device creation with a one-time secret, claim codes,
 * rate limits and body limits.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createUser } from '../src/auth/users';
import type { Database } from '../src/telemetry/database';
import { bearer, buildApp, type TestApp } from './support/app';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let database: Database;
let subject: TestApp;
let admin: string;

beforeAll(async () => {
  database = await postgres.open();
  subject = buildApp(database);
  admin = await bearer(database, 'admin');
  await createUser(database, { username: 'olga', password: 'operator password', role: 'operator' });
  // Starting the shared PostgreSQL cluster can take a while on a loaded machine.
}, 60_000);
afterAll(() => database.close());

type Reply = { status: number; body: Record<string, unknown>; headers: Headers };

async function call(
  method: string,
  path: string,
  options: {
    auth?: string;
    body?: unknown;
    headers?: Record<string, string>;
    origin?: string;
  } = {},
): Promise<Reply> {
  const response = await subject.app.handle(
    new Request(`${options.origin ?? 'http://vigil.test'}${path}`, {
      method,
      headers: {
        ...(options.auth === undefined ? {} : { authorization: options.auth }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : JSON.parse(text),
    headers: response.headers,
  };
}

describe('sessions', () => {
  test('login sets an HttpOnly, SameSite=Strict session cookie that works until logout', async () => {
    const login = await call('POST', '/auth/login', {
      body: { username: 'olga', password: 'operator password' },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/vigil_session=[^;]+/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    const session = { cookie: cookie.split(';')[0] as string };

    expect((await call('GET', '/auth/me', { headers: session })).body).toMatchObject({
      name: 'olga',
      role: 'operator',
    });
    expect((await call('GET', '/users', { headers: session })).status).toBe(403);
    expect((await call('POST', '/auth/logout', { headers: session })).status).toBe(200);
    expect((await call('GET', '/auth/me', { headers: session })).status).toBe(401);
  });

  test('the cookie is Secure on HTTPS', async () => {
    const login = await call('POST', '/auth/login', {
      body: { username: 'olga', password: 'operator password' },
      origin: 'https://vigil.test',
    });
    expect(login.headers.get('set-cookie')).toMatch(/Secure/i);
  });

  test('a wrong password at sign-in is 401 without a Basic challenge (no browser dialog)', async () => {
    const wrong = await call('POST', '/auth/login', {
      body: { username: 'olga', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'wrong username or password' });
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    const unauthenticated = await call('GET', '/devices');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toBeNull();
    const staleSession = await call('GET', '/devices', {
      headers: { cookie: 'vigil_session=signed-out-long-ago' },
    });
    expect(staleSession.status).toBe(401);
    expect(staleSession.headers.get('www-authenticate')).toBeNull();
  });

  test('HTTP Basic works for scripts, and a wrong Basic password is challenged', async () => {
    const basic = `Basic ${Buffer.from('olga:operator password').toString('base64')}`;
    expect((await call('GET', '/auth/me', { auth: basic })).body).toMatchObject({ name: 'olga' });
    const wrongBasic = await call('GET', '/devices', {
      auth: `Basic ${Buffer.from('olga:nope').toString('base64')}`,
    });
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.headers.get('www-authenticate')).toBe('Basic realm="vigil", charset="UTF-8"');
    const malformed = await call('GET', '/devices', { auth: 'Basic bm9jb2xvbg==' });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toContain('Basic');
  });

  test('a login body over its 16 KiB limit is 413', async () => {
    const big = JSON.stringify({ username: 'olga', password: 'x'.repeat(17 * 1024) });
    expect((await call('POST', '/auth/login', { body: big })).status).toBe(413);
  });
});

describe('API tokens', () => {
  test('created by an admin, shown once, revoked at once', async () => {
    const created = await call('POST', '/auth/tokens', {
      auth: admin,
      body: { name: 'ci', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const token = `Bearer ${created.body.token}`;
    expect((await call('GET', '/devices', { auth: token })).status).toBe(200);
    const listed = await call('GET', '/auth/tokens', { auth: admin });
    expect(JSON.stringify(listed.body)).not.toContain(String(created.body.token));

    expect((await call('DELETE', `/auth/tokens/${created.body.id}`, { auth: admin })).status).toBe(
      200,
    );
    expect((await call('GET', '/devices', { auth: token })).status).toBe(401);
  });

  test("credentials scoped to device B are refused for device A's resources", async () => {
    await call('POST', '/devices', { auth: admin, body: { id: 'scope-a' } });
    await call('POST', '/devices', { auth: admin, body: { id: 'scope-b' } });
    const onlyB = await bearer(database, 'operator', 'scope-b');
    expect((await call('GET', '/devices/scope-b', { auth: onlyB })).status).toBe(200);
    expect((await call('GET', '/devices/scope-b/telemetry', { auth: onlyB })).status).toBe(200);
    expect((await call('GET', '/devices/scope-a', { auth: onlyB })).status).toBe(403);
    expect((await call('GET', '/devices/scope-a/telemetry', { auth: onlyB })).status).toBe(403);
    expect(
      (await call('PATCH', '/devices/scope-a', { auth: onlyB, body: { name: 'x' } })).status,
    ).toBe(403);
    expect((await call('GET', '/devices', { auth: onlyB })).status).toBe(403);
    const trpc = (input: unknown) =>
      call('GET', `/trpc/devices.byId?input=${encodeURIComponent(JSON.stringify(input))}`, {
        auth: onlyB,
      });
    expect((await trpc({ id: 'scope-b' })).status).toBe(200);
    expect((await trpc({ id: 'scope-a' })).status).toBe(403);
    const telemetry = await call(
      'GET',
      `/trpc/telemetry.query?input=${encodeURIComponent(JSON.stringify({ deviceId: 'scope-a' }))}`,
      { auth: onlyB },
    );
    expect(telemetry.status).toBe(403);
  });
});

describe('device registry over REST', () => {
  test('POST /devices answers id, username and a >=128-bit secret, never shown again', async () => {
    const created = await call('POST', '/devices', {
      auth: admin,
      body: { id: 'rest-1', name: 'Boiler', model: 'esp32-env' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'rest-1', username: 'rest-1', name: 'Boiler' });
    const secret = String(created.body.secret);
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(16);
    const fetched = await call('GET', '/devices/rest-1', { auth: admin });
    expect(JSON.stringify(fetched.body)).not.toContain(secret);
    expect((await call('POST', '/devices', { auth: admin, body: { id: 'rest-1' } })).status).toBe(
      409,
    );
    expect((await call('POST', '/devices', { auth: admin, body: { id: 'bad/id' } })).status).toBe(
      400,
    );

    const rotated = await call('POST', '/devices/rest-1/rotate-secret', { auth: admin });
    expect(rotated.body.secret).not.toBe(secret);
    expect((await call('POST', '/devices/rest-1/revoke', { auth: admin })).status).toBe(200);
    expect((await call('DELETE', '/devices/rest-1', { auth: admin })).status).toBe(204);
    expect((await call('GET', '/devices/rest-1', { auth: admin })).status).toBe(404);
  });

  test('claim codes: minted by an admin, redeemed once by a device, then refused', async () => {
    const minted = await call('POST', '/claim-codes', {
      auth: admin,
      body: { model: 'esp32-env', count: 2 },
    });
    expect(minted.status).toBe(201);
    const [code] = minted.body.codes as string[];
    const claimed = await call('POST', '/claim', {
      body: { code, hardwareId: 'a4-cf-12-00-00-01' },
    });
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({
      id: 'a4-cf-12-00-00-01',
      username: 'a4-cf-12-00-00-01',
      model: 'esp32-env',
    });
    expect(String(claimed.body.secret).length).toBeGreaterThan(20);

    const again = await call('POST', '/claim', { body: { code, hardwareId: 'a4-cf-12-00-00-02' } });
    expect(again).toMatchObject({
      status: 400,
      body: { error: 'claim code has already been used' },
    });
    const unknown = await call('POST', '/claim', {
      body: { code: 'x'.repeat(32), hardwareId: 'z' },
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'claim code is not valid' } });
  });

  test('claiming is rate-limited per client address', async () => {
    let last = 0;
    for (let i = 0; i < 31; i++) {
      last = (await call('POST', '/claim', { body: { code: 'y'.repeat(32), hardwareId: 'z' } }))
        .status;
    }
    expect(last).toBe(429);
  });
});
