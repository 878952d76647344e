/**
 * The HTTP edge: REST routes, the Prometheus endpoint and the tRPC API on one Elysia app. Services
 * come in through `deps`; nothing here reads globals, so tests build as many apps as they like.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Elysia } from 'elysia';
import type { Registry } from 'prom-client';
import { deviceIdInput, deviceListInput } from '../devices/inputs';
import { getDevice, listDevices } from '../devices/queries';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { deadLetterQueryInput, telemetryQueryInput } from '../telemetry/inputs';
import type { TelemetryQueries } from '../telemetry/queries';
import { API_BODY_LIMIT, limitBody, SERVER_BODY_LIMIT } from './body-limit';
import { checkHealth } from './health';
import { toHttpError } from './http-errors';
import { parseInput } from './parse-input';
import { appRouter } from './trpc/root';

export type AppDeps = {
  database: Database;
  telemetry: TelemetryQueries;
  bus: EventBus;
  metrics: Registry;
  /** Whether the ingest side currently holds a broker connection. */
  brokerConnected(): boolean;
  log: Logger;
};

/** Builds the HTTP app; call `.listen(port)` on it, or `.handle(request)` in tests. */
export function createApp(deps: AppDeps) {
  const log = deps.log.child({ module: 'api' });
  const context = { database: deps.database, telemetry: deps.telemetry, bus: deps.bus };

  const handleTrpc = async ({ request }: { request: Request }) =>
    fetchRequestHandler({
      endpoint: '/trpc',
      req: await limitBody(request, API_BODY_LIMIT),
      router: appRouter,
      createContext: () => context,
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          log.error('tRPC procedure failed', { path, error: error.cause ?? error });
        }
      },
    });

  return (
    new Elysia({
      serve: {
        maxRequestBodySize: SERVER_BODY_LIMIT,
        // Seconds; SSE streams stay open through tRPC's 10 s pings.
        idleTimeout: 30,
      },
    })
      .onError(({ error, code, set }) => {
        const { status, body } = toHttpError(error, code, log);
        set.status = status;
        return body;
      })
      .get('/health', async ({ set }) => {
        const health = await checkHealth(deps);
        set.status = health.status === 'ok' ? 200 : 503;
        return health;
      })
      .get('/metrics', async ({ set }) => {
        set.headers['content-type'] = deps.metrics.contentType;
        return deps.metrics.metrics();
      })
      .get('/devices', ({ query }) =>
        listDevices(deps.database, parseInput(deviceListInput, query)),
      )
      .get('/devices/:id', ({ params }) =>
        getDevice(deps.database, parseInput(deviceIdInput, params).id),
      )
      .get('/devices/:id/telemetry', ({ params, query }) =>
        deps.telemetry.telemetry(
          parseInput(telemetryQueryInput, { ...query, deviceId: params.id }),
        ),
      )
      .get('/dead-letters', ({ query }) =>
        deps.telemetry.deadLetters(parseInput(deadLetterQueryInput, query)),
      )
      // tRPC's own fetch adapter: queries and subscriptions arrive as GET, mutations as POST.
      .get('/trpc/*', handleTrpc)
      .post('/trpc/*', handleTrpc, { parse: 'none' })
  );
}

export type App = ReturnType<typeof createApp>;
