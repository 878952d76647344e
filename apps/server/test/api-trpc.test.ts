/**
 * The tRPC API through a real client over HTTP: httpBatchLink for queries, httpSubscriptionLink
 * (with the `eventsource` package, as Bun has no EventSource) for the live event stream,
 * including a server restart after which the client resumes from its last event id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../src/api/trpc/root';
import { Devices } from '../src/devices/schema';
import { createEventBus, type VigilEvent } from '../src/events/bus';
import type { Database } from '../src/telemetry/database';
import { bearer, buildApp } from './support/app';
import { drivers } from './support/drivers';
import {
  fixtureReading,
  loadFixtures,
  READING_COUNT,
  READING_INTERVAL_MS,
  T0,
} from './support/fixtures';

const postgres = drivers.find((driver) => driver.name === 'postgres');
if (postgres === undefined) throw new Error('postgres driver missing');

let database: Database;
const bus = createEventBus({ startAfter: 0, historySize: 100 });
let server = { stop: async () => {} };
let port = 0;
/** A viewer token: access rules have their own table-driven test (auth-routes.test.ts). */
let authorization = '';

/** Starts the app on `port` (0 picks one) with the shared bus; returns the bound port. */
function listen(onPort: number): number {
  const { app } = buildApp(database, bus);
  app.listen({ port: onPort, hostname: '127.0.0.1' });
  server = {
    stop: async () => {
      await app.stop(true);
    },
  };
  return app.server?.port ?? 0;
}

function client() {
  const url = `http://127.0.0.1:${port}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
          },
        }),
        false: httpBatchLink({ url, headers: { authorization } }),
      }),
    ],
  });
}

beforeAll(async () => {
  database = await postgres.open();
  await loadFixtures(database);
  authorization = await bearer(database, 'viewer');
  port = listen(0);
});
afterAll(async () => {
  await server.stop();
  await database.close();
});

describe('queries', () => {
  test('devices, telemetry and dead letters, batched in one request', async () => {
    const trpc = client();
    const [devices, device, telemetry, deadLetters] = await Promise.all([
      trpc.devices.list.query(),
      trpc.devices.byId.query({ id: 'dev-1' }),
      trpc.telemetry.query.query({
        deviceId: 'dev-1',
        from: T0,
        to: new Date(T0 + 3_600_000).toISOString(),
        metric: 'temperature',
        bucket: '1h',
      }),
      trpc.deadLetters.list.query({ reason: 'bad_json' }),
    ]);
    expect(devices.devices.map((d) => d.id)).toEqual(['dev-1', 'dev-2']);
    expect(device.name).toBe('Boiler room');
    expect(telemetry.kind === 'bucketed' && telemetry.buckets).toEqual([
      { bucket: new Date(T0).toISOString(), min: 0, max: 359, avg: 179.5, count: 360 },
    ]);
    expect(deadLetters.deadLetters.map((d) => d.detail)).toEqual(['detail 1']);
  });

  test('typed errors become tRPC codes with the service message', async () => {
    const trpc = client();
    const notFound = await trpc.devices.byId.query({ id: 'ghost' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TRPCClientError);
    expect((notFound as TRPCClientError<AppRouter>).data?.code).toBe('NOT_FOUND');
    expect((notFound as Error).message).toBe("device 'ghost' is not registered");

    const badRange = await trpc.telemetry.query
      .query({ deviceId: 'dev-1', from: T0, to: T0 })
      .catch((e: unknown) => e);
    expect((badRange as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
    expect((badRange as Error).message).toMatch(/must be before to/);

    const badBucket = await trpc.telemetry.query
      .query({ deviceId: 'dev-1', metric: 'temperature', bucket: '7x' })
      .catch((e: unknown) => e);
    expect((badBucket as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
    expect((badBucket as Error).message).toContain('bucket must be a positive whole number');
  });
});

describe('telemetry.latest', () => {
  test('the newest reading of each device that has one, by device id', async () => {
    await database.db.insert(Devices).values({ id: 'dev-quiet' });
    const trpc = client();
    const newest = READING_COUNT - 1;
    expect(await trpc.telemetry.latest.query()).toEqual([
      {
        deviceId: 'dev-1',
        ts: T0 + newest * READING_INTERVAL_MS,
        metrics: fixtureReading(newest).metrics,
      },
      { deviceId: 'dev-2', ts: T0 + READING_INTERVAL_MS, metrics: fixtureReading(1).metrics },
    ]);
    expect(
      await trpc.telemetry.latest.query({ deviceIds: ['dev-2', 'dev-quiet', 'ghost'] }),
    ).toEqual([
      { deviceId: 'dev-2', ts: T0 + READING_INTERVAL_MS, metrics: fixtureReading(1).metrics },
    ]);
  });

  test('an empty or malformed device list is BAD_REQUEST', async () => {
    const trpc = client();
    for (const deviceIds of [[], ['a/b']]) {
      const refused = await trpc.telemetry.latest.query({ deviceIds }).catch((e: unknown) => e);
      expect((refused as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
    }
  });
});

/** Collects what a subscription yields, with helpers to wait for a count. */
function collect() {
  const items: { id?: string; data: unknown }[] = [];
  let waiter: (() => void) | undefined;
  return {
    items,
    onData(item: unknown) {
      const tracked = item as { id?: string; data?: unknown };
      items.push(
        tracked.id === undefined ? { data: item } : { id: tracked.id, data: tracked.data },
      );
      waiter?.();
    },
    async until(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${items.length} of ${count} events`);
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

const reading = (deviceId: string, n: number): VigilEvent => ({
  type: 'telemetry',
  deviceId,
  ts: T0 + n,
  metrics: { temperature: n },
});

describe('events.live', () => {
  test('streams live events, filtered by device', async () => {
    const seen = collect();
    const started = collect();
    const subscription = client().events.live.subscribe(
      { deviceId: 'dev-1' },
      { onData: seen.onData, onStarted: () => started.onData({}) },
    );
    await started.until(1);
    bus.publish(reading('dev-2', 1));
    const id = bus.publish(reading('dev-1', 2));
    await seen.until(1);
    subscription.unsubscribe();
    expect(seen.items).toEqual([{ id: String(id), data: reading('dev-1', 2) }]);
  });

  test('resumes after a server restart from the last event id', async () => {
    const seen = collect();
    const started = collect();
    const subscription = client().events.live.subscribe(
      { types: ['telemetry'] },
      { onData: seen.onData, onStarted: () => started.onData({}) },
    );
    await started.until(1);
    const first = bus.publish(reading('dev-1', 10));
    await seen.until(1);
    expect(seen.items[0]?.id).toBe(String(first));

    await server.stop();
    // Published while the client is disconnected: only the replay can deliver these.
    const missed = [bus.publish(reading('dev-1', 11)), bus.publish(reading('dev-2', 12))];
    listen(port);
    await seen.until(3, 20_000);
    const live = bus.publish(reading('dev-1', 13));
    await seen.until(4);
    subscription.unsubscribe();
    expect(seen.items.map((item) => item.id)).toEqual([first, ...missed, live].map(String));
    expect(seen.items[2]?.data).toEqual(reading('dev-2', 12));
  });

  test('a resume point older than the history gets a resync notice first', async () => {
    for (let n = 0; n < 150; n += 1) bus.publish(reading('dev-1', n));
    const seen = collect();
    const subscription = client().events.live.subscribe(
      { lastEventId: '1' },
      { onData: seen.onData },
    );
    await seen.until(101);
    subscription.unsubscribe();
    expect(seen.items[0]).toEqual({ data: { type: 'resync', reason: 'history_evicted' } });
    expect(seen.items.slice(1).map((item) => Number(item.id))).toEqual(
      Array.from({ length: 100 }, (_, i) => bus.lastId() - 99 + i),
    );
  });

  test('events.cursor names the newest event; live from it replays what came after', async () => {
    const before = bus.publish(reading('dev-1', 20));
    const { lastEventId } = await client().events.cursor.query();
    expect(lastEventId).toBe(String(before));
    // Published after the page read the cursor and before its stream started.
    const between = bus.publish(reading('dev-2', 21));
    const seen = collect();
    const subscription = client().events.live.subscribe({ lastEventId }, { onData: seen.onData });
    await seen.until(1);
    const live = bus.publish(reading('dev-1', 22));
    await seen.until(2);
    subscription.unsubscribe();
    expect(seen.items.map((item) => item.id)).toEqual([between, live].map(String));
  });
});
