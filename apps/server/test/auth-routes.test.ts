/**
 * Who may call what, over the WHOLE API: every Elysia route and every tRPC procedure is listed
 * from the app and the router themselves (a new route without a declared access fails here), and
 * each caller - nobody, viewer, operator, admin - gets 401, 403 or through exactly as declared.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mountDashboard } from '../src/api/dashboard';
import { appRouter } from '../src/api/trpc/root';
import { declaredAccess } from '../src/auth/elysia-access';
import { type Access, ROLES, type Role, roleAtLeast } from '../src/auth/roles';
import { createApiToken } from '../src/auth/tokens';
import { Devices } from '../src/devices/schema';
import type { Database } from '../src/telemetry/database';
import { bearer, buildApp, type TestApp } from './support/app';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

type Caller = 'nobody' | Role;
const CALLERS: Caller[] = ['nobody', ...ROLES];

let database: Database;
let subject: TestApp;
const headers: Record<Caller, Record<string, string>> = {
  nobody: {},
  viewer: {},
  operator: {},
  admin: {},
};
let deviceCounter = 0;

beforeAll(async () => {
  database = await postgres.open();
  subject = buildApp(database);
  // As main.ts wires it: the dashboard's fallback (here without a build) is a route as well.
  mountDashboard(subject.app, null);
  for (const role of ROLES) headers[role] = { authorization: await bearer(database, role) };
  // Starting the shared PostgreSQL cluster can take a while on a loaded machine.
}, 60_000);
afterAll(() => database.close());

/** What a caller must get from a route declaring `access`: refused with 401/403, or through. */
function expectedFor(access: Access, caller: Caller): 401 | 403 | 'through' {
  if (access === 'public') return 'through';
  if (caller === 'nobody') return 401;
  return roleAtLeast(caller, access) ? 'through' : 403;
}

function outcome(status: number): 401 | 403 | 'through' {
  return status === 401 || status === 403 ? status : 'through';
}

/** A device that exists for one call (destructive routes may delete it). */
async function freshDevice(): Promise<string> {
  deviceCounter += 1;
  const id = `route-dev-${deviceCounter}`;
  await database.db.insert(Devices).values({ id });
  return id;
}

async function callRoute(method: string, path: string, caller: Caller): Promise<number> {
  let url = path;
  if (url.includes(':id')) url = url.replace(':id', await freshDevice());
  if (url.includes(':tokenId')) {
    const { id } = await createApiToken(database, { name: 'throwaway', role: 'viewer' });
    url = url.replace(':tokenId', id);
  }
  const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  const response = await subject.app.handle(
    new Request(`http://vigil.test${url}`, {
      method,
      headers: { ...headers[caller], ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    }),
  );
  await response.body?.cancel();
  return response.status;
}

/** Calls a procedure over HTTP; subscriptions report their first error event, if any. */
async function callProcedure(path: string, type: string, caller: Caller): Promise<number> {
  const id = await freshDevice();
  const input = encodeURIComponent(JSON.stringify({ id, deviceId: id }));
  if (type === 'mutation') {
    const response = await subject.app.handle(
      new Request(`http://vigil.test/trpc/${path}`, {
        method: 'POST',
        headers: { ...headers[caller], 'content-type': 'application/json' },
        body: JSON.stringify({ id, deviceId: id }),
      }),
    );
    await response.body?.cancel();
    return response.status;
  }
  const abort = new AbortController();
  const response = await subject.app.handle(
    new Request(`http://vigil.test/trpc/${path}?input=${input}`, {
      headers: headers[caller],
      signal: abort.signal,
    }),
  );
  if (type !== 'subscription') {
    await response.body?.cancel();
    return response.status;
  }
  // An SSE stream answers 200 and reports a refusal as its first error event.
  const reader = response.body?.getReader();
  let text = '';
  const deadline = Date.now() + 500;
  let pending = reader?.read();
  while (pending !== undefined && Date.now() < deadline && !text.includes('httpStatus')) {
    const chunk = await Promise.race([pending, Bun.sleep(100).then(() => null)]);
    if (chunk === null) continue;
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
    pending = reader?.read();
  }
  abort.abort();
  await reader?.cancel().catch(() => undefined);
  const status = /"httpStatus":(\d+)/.exec(text)?.[1];
  return status === undefined ? 200 : Number(status);
}

describe('every REST route declares its access and enforces it', () => {
  test('no route is left without a declared access', () => {
    const undeclared = subject.app.routes
      .filter((route) => declaredAccess(route) === undefined)
      .map((route) => `${route.method} ${route.path}`);
    expect(undeclared).toEqual([]);
    expect(subject.app.routes.length).toBeGreaterThan(20);
  });

  test('a route added without a declared access is caught', () => {
    const extended = buildApp(database).app.get('/sneaky', () => 'open');
    const undeclared = extended.routes.filter((route) => declaredAccess(route) === undefined);
    expect(undeclared.map((route) => route.path)).toEqual(['/sneaky']);
  });

  test('each caller gets 401, 403 or through exactly as declared', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of subject.app.routes) {
      // The tRPC mount is open; each procedure is checked on its own below.
      if (route.path.startsWith('/trpc/')) continue;
      const access = declaredAccess(route) as Access;
      for (const caller of CALLERS) {
        const got = outcome(await callRoute(route.method, route.path, caller));
        const want = expectedFor(access, caller);
        checked += 1;
        if (got !== want)
          mismatches.push(`${route.method} ${route.path} as ${caller}: ${got}, want ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(80);
  }, 60_000);
});

describe('every tRPC procedure declares its access and enforces it', () => {
  const procedures = Object.entries(
    (
      appRouter._def as unknown as {
        procedures: Record<string, { _def: { type: string; meta?: { access?: Access } } }>;
      }
    ).procedures,
  );

  test('no procedure is left without a declared access', () => {
    expect(
      procedures.filter(([, p]) => p._def.meta?.access === undefined).map(([path]) => path),
    ).toEqual([]);
    expect(procedures.length).toBeGreaterThan(15);
  });

  test("the dashboard's first-paint procedures are in the table, for viewers and up", () => {
    const access = Object.fromEntries(procedures.map(([path, p]) => [path, p._def.meta?.access]));
    expect(access['telemetry.latest']).toBe('viewer');
    expect(access['events.cursor']).toBe('viewer');
  });

  test('each caller gets 401, 403 or through exactly as declared', async () => {
    const mismatches: string[] = [];
    for (const [path, procedure] of procedures) {
      const access = procedure._def.meta?.access as Access;
      for (const caller of CALLERS) {
        const got = outcome(await callProcedure(path, procedure._def.type, caller));
        const want = expectedFor(access, caller);
        if (got !== want) mismatches.push(`${path} as ${caller}: ${got}, want ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});
