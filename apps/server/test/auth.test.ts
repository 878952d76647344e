/** Users, sessions, API tokens and the request authenticator on a real PostgreSQL 15 database. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createAuthenticator } from '../src/auth/authenticator';
import { RateLimitedError, UnauthenticatedError } from '../src/auth/errors';
import { requireAccess } from '../src/auth/principal';
import { createSession, pruneSessions, resolveSession, SESSION_TTL_MS } from '../src/auth/sessions';
import { createApiToken, listApiTokens, resolveApiToken, revokeApiToken } from '../src/auth/tokens';
import { checkPassword, createUser, ensureFirstAdmin, listUsers } from '../src/auth/users';
import type { Database } from '../src/telemetry/database';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let database: Database;
beforeAll(async () => {
  database = await postgres.open();
  // Starting the shared PostgreSQL cluster can take a while on a loaded machine.
}, 60_000);
afterAll(() => database.close());

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('users', () => {
  test('the first admin is created once, from the environment, and never again', async () => {
    const admin = await ensureFirstAdmin(database, {
      username: 'root',
      password: 'correct horse battery',
    });
    expect(admin).toMatchObject({ username: 'root', role: 'admin' });
    expect(
      await ensureFirstAdmin(database, { username: 'other', password: 'another long password' }),
    ).toBeNull();
    expect((await listUsers(database)).map((u) => u.username)).toEqual(['root']);
  });

  test('passwords are stored as argon2id and checked; bad input is refused clearly', async () => {
    await createUser(database, {
      username: 'olga',
      password: 'operator password',
      role: 'operator',
    });
    const [row] = await database.execute<{ password_hash: string }>(
      sql`select password_hash from users where username = 'olga'`,
    );
    expect(row?.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(await checkPassword(database, 'olga', 'operator password')).toMatchObject({
      role: 'operator',
    });
    expect(await checkPassword(database, 'olga', 'wrong password!!')).toBeNull();
    expect(await checkPassword(database, 'nobody', 'operator password')).toBeNull();
    await expect(
      createUser(database, { username: 'olga', password: 'x'.repeat(12), role: 'viewer' }),
    ).rejects.toThrow('already exists');
    await expect(
      createUser(database, { username: 'short', password: 'tooshort', role: 'viewer' }),
    ).rejects.toThrow('password: at least 12 characters');
    await expect(
      createUser(database, { username: 'a:b', password: 'x'.repeat(12), role: 'viewer' }),
    ).rejects.toThrow('username');
  });
});

describe('sessions', () => {
  test('a session resolves to its user until it expires', async () => {
    const user = await createUser(database, {
      username: 'vera',
      password: 'viewer password',
      role: 'viewer',
    });
    const now = new Date();
    const { sessionId } = await createSession(database, user.id, now);
    expect(await resolveSession(database, sessionId, now)).toMatchObject({
      kind: 'user',
      name: 'vera',
      role: 'viewer',
    });
    expect(
      await resolveSession(database, sessionId, new Date(now.getTime() + SESSION_TTL_MS + 1)),
    ).toBeNull();
    expect(await resolveSession(database, `${sessionId}x`, now)).toBeNull();
    const later = new Date(now.getTime() + SESSION_TTL_MS + 1);
    expect(await pruneSessions(database, later)).toBeGreaterThanOrEqual(1);
    expect(await pruneSessions(database, later)).toBe(0);
  });
});

describe('API tokens', () => {
  test('shown once, stored hashed, role-scoped, last use recorded, revocation immediate', async () => {
    const created = await createApiToken(database, { name: 'grafana', role: 'viewer' });
    expect(created.token.startsWith('vgl_')).toBe(true);
    const stored = await database.execute<{ token_hash: string }>(
      sql`select token_hash from api_tokens where id = ${created.id}`,
    );
    expect(stored[0]?.token_hash).not.toContain(created.token);
    expect(JSON.stringify(await listApiTokens(database))).not.toContain(created.token);

    const principal = await resolveApiToken(database, created.token);
    expect(principal).toMatchObject({ kind: 'token', role: 'viewer', deviceId: null });
    const [view] = (await listApiTokens(database)).filter((t) => t.id === created.id);
    expect(view?.lastUsedAt).not.toBeNull();

    await revokeApiToken(database, created.id);
    expect(await resolveApiToken(database, created.token)).toBeNull();
    await expect(revokeApiToken(database, crypto.randomUUID())).rejects.toThrow('does not exist');
  });

  test('a device-scoped token reaches only its own device', async () => {
    const { token } = await createApiToken(database, {
      name: 'b-only',
      role: 'operator',
      deviceId: 'dev-b',
    });
    const principal = await resolveApiToken(database, token);
    expect(requireAccess(principal, 'viewer', 'dev-b')).toBe(principal);
    expect(() => requireAccess(principal, 'viewer', 'dev-a')).toThrow('scoped to device');
    expect(() => requireAccess(principal, 'viewer')).toThrow('scoped to device');
    expect(() => requireAccess(principal, 'admin', 'dev-b')).toThrow("requires role 'admin'");
    expect(() => requireAccess(null, 'viewer')).toThrow(UnauthenticatedError);
    expect(requireAccess(null, 'public')).toBeNull();
  });
});

describe('authenticator', () => {
  test('session cookie, Bearer token and HTTP Basic each identify the caller', async () => {
    const auth = createAuthenticator(database);
    await createUser(database, { username: 'ada', password: 'admin password!', role: 'admin' });
    const { sessionId, user } = await auth.login({
      username: 'ada',
      password: 'admin password!',
      clientAddress: '10.0.0.1',
    });
    expect(user.role).toBe('admin');
    expect(await auth.authenticate({ sessionId, clientAddress: 'x' })).toMatchObject({
      name: 'ada',
    });
    expect(
      await auth.authenticate({
        authorization: basic('ada', 'admin password!'),
        clientAddress: 'x',
      }),
    ).toMatchObject({ role: 'admin' });
    const { token } = await createApiToken(database, { name: 'ci', role: 'operator' });
    expect(
      await auth.authenticate({ authorization: `Bearer ${token}`, clientAddress: 'x' }),
    ).toMatchObject({ kind: 'token', role: 'operator' });
    expect(await auth.authenticate({ clientAddress: 'x' })).toBeNull();

    await auth.logout(sessionId);
    await expect(auth.authenticate({ sessionId, clientAddress: 'x' })).rejects.toThrow(
      UnauthenticatedError,
    );
    await expect(
      auth.authenticate({ authorization: 'Bearer vgl_nope', clientAddress: 'x' }),
    ).rejects.toThrow(UnauthenticatedError);
    await expect(
      auth.authenticate({ authorization: basic('ada', 'wrong'), clientAddress: 'x' }),
    ).rejects.toThrow(UnauthenticatedError);
    await expect(
      auth.authenticate({ authorization: 'Digest abc', clientAddress: 'x' }),
    ).rejects.toThrow('unsupported');
  });

  test('password guessing is rate-limited per address and per username', async () => {
    const auth = createAuthenticator(database, { limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      await expect(
        auth.login({ username: 'ada', password: `guess ${i}`, clientAddress: '10.9.9.9' }),
      ).rejects.toThrow(UnauthenticatedError);
    }
    // The right password no longer helps from this address within the window.
    await expect(
      auth.login({ username: 'ada', password: 'admin password!', clientAddress: '10.9.9.9' }),
    ).rejects.toThrow(RateLimitedError);
    // Nor from another address: the username's budget is spent too.
    await expect(
      auth.login({ username: 'ada', password: 'admin password!', clientAddress: '10.1.1.1' }),
    ).rejects.toThrow(RateLimitedError);
    expect(
      (
        await auth.login({
          username: 'olga',
          password: 'operator password',
          clientAddress: '10.1.1.1',
        })
      ).user.username,
    ).toBe('olga');
  });

  test('right passwords spend no budget: a script may call with HTTP Basic as often as it needs', async () => {
    const auth = createAuthenticator(database, { limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 12; i++) {
      const principal = await auth.authenticate({
        authorization: basic('olga', 'operator password'),
        clientAddress: '10.7.7.7',
      });
      expect(principal?.name).toBe('olga');
    }
  });
});
