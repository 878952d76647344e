/** The REST edge through app.handle, on a real PostgreSQL 15 database with known data. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Counter } from 'prom-client';
import type { DevicePage, DeviceView } from '../src/devices/queries';
import type { Database } from '../src/telemetry/database';
import type { DeadLetterPage, TelemetryResult } from '../src/telemetry/queries';
import { bearer, buildApp, type TestApp } from './support/app';
import { drivers } from './support/drivers';
import { loadFixtures, T0 } from './support/fixtures';

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let database: Database;
let subject: TestApp;
/** An admin token: access rules have their own table-driven test (auth-routes.test.ts). */
let authorization: string;

beforeAll(async () => {
  database = await postgres.open();
  await loadFixtures(database);
  subject = buildApp(database);
  authorization = await bearer(database);
});
afterAll(() => database.close());

type Raw = Extract<TelemetryResult, { kind: 'raw' }>;
type Bucketed = Extract<TelemetryResult, { kind: 'bucketed' }>;

/** GETs `path`; the body is parsed JSON typed as the route's view (or text for non-JSON). */
async function get<T = { error: string }>(
  path: string,
): Promise<{ status: number; body: T; type: string | null }> {
  const response = await subject.app.handle(
    new Request(`http://vigil.test${path}`, { headers: { authorization } }),
  );
  const type = response.headers.get('content-type');
  const text = await response.text();
  const body = (type?.includes('json') ? JSON.parse(text) : text) as T;
  return { status: response.status, body, type };
}

describe('GET /health', () => {
  test('200 when broker and database are up', async () => {
    expect(await get('/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', broker: 'up', database: 'up' },
    });
  });

  test('503 naming the broker when it is down', async () => {
    subject.broker.connected = false;
    try {
      expect(await get('/health')).toMatchObject({
        status: 503,
        body: {
          status: 'unavailable',
          broker: 'down',
          database: 'up',
          error: 'broker unreachable',
        },
      });
    } finally {
      subject.broker.connected = true;
    }
  });

  test('503 naming the database when it is unreachable', async () => {
    const closed = await postgres.open();
    await closed.close();
    const { app } = buildApp(closed);
    const response = await app.handle(new Request('http://vigil.test/health'));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      broker: 'up',
      database: 'down',
      error: 'database unreachable',
    });
  });
});

describe('devices', () => {
  test('GET /devices lists devices with last_seen, paginated by id', async () => {
    const all = await get<DevicePage>('/devices');
    expect(all.status).toBe(200);
    expect(all.body.devices.map((d) => d.id)).toEqual(['dev-1', 'dev-2']);
    expect(all.body.devices[0]).toMatchObject({
      name: 'Boiler room',
      model: 'esp32-env',
      source: 'admin',
      lastSeen: new Date(T0 + 3_600_000).toISOString(),
    });
    expect(all.body.devices[1]).toMatchObject({ source: 'auto', lastSeen: null });
    const first = await get<DevicePage>('/devices?limit=1');
    expect(first.body).toMatchObject({ devices: [{ id: 'dev-1' }], nextAfter: 'dev-1' });
    const second = await get<DevicePage>('/devices?limit=1&after=dev-1');
    expect(second.body).toMatchObject({ devices: [{ id: 'dev-2' }], nextAfter: null });
  });

  test('GET /devices/:id returns one device or 404 with a message', async () => {
    expect((await get<DeviceView>('/devices/dev-2')).body).toMatchObject({
      id: 'dev-2',
      model: 'generic',
    });
    expect(await get('/devices/ghost')).toEqual({
      status: 404,
      body: { error: "device 'ghost' is not registered" },
      type: expect.stringContaining('application/json'),
    });
  });

  test('bad paging input is a 400 naming the field', async () => {
    const response = await get('/devices?limit=0');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^limit: /);
  });
});

describe('GET /devices/:id/telemetry', () => {
  test('raw rows for an ISO range, newest first', async () => {
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 30_000).toISOString();
    const { status, body } = await get<Raw>(`/devices/dev-1/telemetry?from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect(body.kind).toBe('raw');
    expect(body.readings.map((r) => r.seq)).toEqual([2, 1, 0]);
  });

  test('bucketed with epoch-ms inputs', async () => {
    const { body } = await get<Bucketed>(
      `/devices/dev-1/telemetry?from=${T0}&to=${T0 + 600_000}&metric=temperature&bucket=5m`,
    );
    expect(body).toMatchObject({ kind: 'bucketed', metric: 'temperature', bucket: '5m' });
    expect(body.buckets).toEqual([
      { bucket: new Date(T0).toISOString(), min: 0, max: 29, avg: 14.5, count: 30 },
      { bucket: new Date(T0 + 300_000).toISOString(), min: 30, max: 59, avg: 44.5, count: 30 },
    ]);
  });

  test('defaults to the last hour', async () => {
    const { body } = await get<Raw>('/devices/dev-1/telemetry?limit=1');
    expect(body.readings[0]?.seq).toBe(359);
    expect(body.truncated).toBe(true);
  });

  test.each([
    ['from=yesterday', /^from must be epoch milliseconds or an ISO 8601 time/],
    [`from=${T0 + 1}&to=${T0}`, /must be before to/],
    ['bucket=5minutes&metric=temperature', /^bucket must be a positive whole number/],
    ['bucket=5m', /needs a metric/],
    ['limit=100000', /^limit: /],
    ['metric=has%20space', /^metric: /],
  ])('400 for %s', async (query, message) => {
    const { status, body } = await get(`/devices/dev-1/telemetry?${query}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });

  test('404 for an unknown device', async () => {
    expect((await get('/devices/ghost/telemetry')).status).toBe(404);
  });
});

describe('GET /dead-letters', () => {
  test('filtered by reason and device, newest first', async () => {
    const { body } = await get<DeadLetterPage>(
      '/dead-letters?reason=schema&deviceId=dev-1&limit=2',
    );
    expect(body.deadLetters.map((d) => d.detail)).toEqual(['detail 4', 'detail 2']);
    const next = await get<DeadLetterPage>(
      `/dead-letters?reason=schema&deviceId=dev-1&before=${body.nextBefore}`,
    );
    expect(next.body.deadLetters.map((d) => d.detail)).toEqual(['detail 0']);
  });

  test('400 for a bad cursor', async () => {
    expect((await get('/dead-letters?before=abc')).status).toBe(400);
  });
});

describe('edges', () => {
  test('GET /metrics serves the registry in Prometheus text format', async () => {
    const counter = new Counter({
      name: 'vigil_test_total',
      help: 'test counter',
      registers: [subject.metrics],
    });
    counter.inc(3);
    const { status, body, type } = await get<string>('/metrics');
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(body).toContain('vigil_test_total 3');
  });

  test('unknown routes are a JSON 404', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, body: { error: 'no such route' } });
  });

  test('a tRPC body over 64 KiB is refused with 413', async () => {
    const response = await subject.app.handle(
      new Request('http://vigil.test/trpc/devices.list', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: 'x'.repeat(65 * 1024),
      }),
    );
    expect(response.status).toBe(413);
  });

  test('unexpected failures are a 500 without internals, and logged', async () => {
    const closed = await postgres.open();
    await closed.close();
    const broken = buildApp(closed);
    const response = await broken.app.handle(
      new Request('http://vigil.test/devices', { headers: { authorization } }),
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error' });
    expect(broken.logLines.some((line) => JSON.parse(line).msg === 'request failed')).toBe(true);
  });
});
