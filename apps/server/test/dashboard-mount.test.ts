/**
 * The dashboard mount as main.ts wires it, without a dashboard build: the API keeps every route
 * and its JSON 404, the fallback declares public access, pages say how to build the dashboard,
 * and a missing or broken build never stops the server (it logs what to do). The mount with a
 * real build is driven in Chromium by apps/web/test/dashboard.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_BUILD_HINT, loadDashboard, mountDashboard } from '../src/api/dashboard';
import { declaredAccess } from '../src/auth/elysia-access';
import { createLogger } from '../src/log';
import type { Database } from '../src/telemetry/database';
import { bearer, buildApp, type TestApp } from './support/app';
import { drivers } from './support/drivers';

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let database: Database;
let subject: TestApp;
let viewer: string;
const scratch = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));

beforeAll(async () => {
  database = await postgres.open();
  subject = buildApp(database);
  viewer = await bearer(database, 'viewer');
  mountDashboard(subject.app, null);
}, 60_000);
afterAll(async () => {
  await database.close();
  rmSync(scratch, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return subject.app.handle(new Request(`http://vigil.test${path}`, { headers }));
}

/** Loads the dashboard from `buildDir`, returning what it gave and the lines it logged. */
async function load(buildDir: string) {
  const lines: string[] = [];
  const dashboard = await loadDashboard({
    api: (request) => subject.app.handle(request),
    log: createLogger('info', (line) => lines.push(line)),
    buildDir,
  });
  return { dashboard, logged: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('without a dashboard build', () => {
  test('loading it logs what is missing and how to build it, and gives no dashboard', async () => {
    const { dashboard, logged } = await load(join(scratch, 'never-built'));
    expect(dashboard).toBeNull();
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'dashboard not built; serving the API only',
        buildDir: join(scratch, 'never-built'),
        fix: DASHBOARD_BUILD_HINT,
      }),
    ]);
    expect(DASHBOARD_BUILD_HINT).toContain('bun run build:web');
  });

  test('a build that fails to load is logged as an error, and the server goes on', async () => {
    const broken = join(scratch, 'half-written');
    rmSync(broken, { recursive: true, force: true });
    await Bun.write(join(broken, 'adapter-node.js'), "throw new Error('half-written build');\n");
    const { dashboard, logged } = await load(broken);
    expect(dashboard).toBeNull();
    expect(logged[0]).toMatchObject({
      level: 'error',
      msg: 'dashboard build could not be loaded; serving the API only',
      fix: DASHBOARD_BUILD_HINT,
    });
  });

  test('pages answer 503 with the way to build the dashboard', async () => {
    for (const path of ['/', '/fleet/dev-1', '/sign-in?next=%2F']) {
      const response = await get(path);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain('bun run build:web');
    }
  });
});

describe('the API around the fallback', () => {
  test('API routes answer as before', async () => {
    expect((await get('/health')).status).toBe(200);
    const devices = await get('/devices', { authorization: viewer });
    expect(devices.status).toBe(200);
    expect(await devices.json()).toMatchObject({ devices: [] });
    const cursor = await get('/trpc/events.cursor', { authorization: viewer });
    expect(cursor.status).toBe(200);
    expect(await cursor.json()).toMatchObject({ result: { data: { lastEventId: '0' } } });
    expect((await get('/devices')).status).toBe(401);
  });

  test('an unknown path under an API route is still the JSON 404, never a page', async () => {
    for (const path of ['/devices/dev-1/nope', '/auth/nope', '/metrics/nope']) {
      const response = await get(path, { authorization: viewer });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'no such route' });
    }
    const wrongMethod = await subject.app.handle(
      new Request('http://vigil.test/health', { method: 'DELETE' }),
    );
    expect(wrongMethod.status).toBe(404);
  });

  test('the fallback declares public access (the dashboard checks sign-in itself)', () => {
    const fallback = subject.app.routes.find((route) => route.path === '/*');
    expect(fallback?.method).toBe('ALL');
    expect(fallback === undefined ? undefined : declaredAccess(fallback)).toBe('public');
  });
});
