/**
 * The HTTP edge: REST routes, the Prometheus endpoint and the tRPC API on one Elysia app. Services
 * come in through `deps`; nothing here reads globals, so tests build as many apps as they like.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Elysia } from 'elysia';
import type { Registry } from 'prom-client';
import type { Authenticator } from '../auth/authenticator';
import { authContext, requireRole } from '../auth/elysia-access';
import type { Principal } from '../auth/principal';
import { authRoutes } from '../auth/routes';
import type { CommandService } from '../commands/service';
import { anomalyIdInput, anomalyListInput, evidenceInput } from '../detection/inputs';
import type { AnomalyQueries } from '../detection/queries';
import { getDeviceState } from '../devices/device-state';
import { deviceIdInput, deviceListInput } from '../devices/inputs';
import { getDevice, listDevices } from '../devices/queries';
import type { DeviceRegistry } from '../devices/registry';
import { registryRoutes } from '../devices/registry-routes';
import type { EventBus } from '../events/bus';
import type { EvidenceQueries, EvidenceView } from '../evidence/queries';
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
  authenticator: Authenticator;
  registry: DeviceRegistry;
  commands: CommandService;
  anomalies: AnomalyQueries<EvidenceView>;
  evidence: EvidenceQueries;
  /** Session cookies are Secure even on plain HTTP (HTTPS, or TLS terminated by a proxy). */
  secureCookies?: boolean;
};

/**
 * Builds the HTTP app; call `.listen(port)` on it, or `.handle(request)` in tests. Every route
 * declares its access with requireRole (the route table test holds every route to it); tRPC
 * procedures declare theirs in their meta, so /trpc itself is open and each procedure checks.
 */
export function createApp(deps: AppDeps) {
  const log = deps.log.child({ module: 'api' });
  const services = {
    database: deps.database,
    telemetry: deps.telemetry,
    bus: deps.bus,
    registry: deps.registry,
    commands: deps.commands,
    anomalies: deps.anomalies,
    evidence: deps.evidence,
  };

  const handleTrpc = async ({
    request,
    principal,
  }: {
    request: Request;
    principal: () => Promise<Principal | null>;
  }) =>
    fetchRequestHandler({
      endpoint: '/trpc',
      req: await limitBody(request, API_BODY_LIMIT),
      router: appRouter,
      createContext: () => ({ ...services, principal }),
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
        const { status, body, headers } = toHttpError(error, code, log);
        set.status = status;
        Object.assign(set.headers, headers);
        return body;
      })
      .use(authContext(deps.authenticator))
      .get(
        '/health',
        async ({ set }) => {
          const health = await checkHealth(deps);
          set.status = health.status === 'ok' ? 200 : 503;
          return health;
        },
        { beforeHandle: requireRole('public') },
      )
      .get(
        '/metrics',
        async ({ set }) => {
          set.headers['content-type'] = deps.metrics.contentType;
          return deps.metrics.metrics();
        },
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/devices',
        ({ query }) => listDevices(deps.database, parseInput(deviceListInput, query)),
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/devices/:id',
        ({ params }) => getDevice(deps.database, parseInput(deviceIdInput, params).id),
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/devices/:id/state',
        ({ params }) => getDeviceState(deps.database, parseInput(deviceIdInput, params).id),
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/devices/:id/telemetry',
        ({ params, query }) =>
          deps.telemetry.telemetry(
            parseInput(telemetryQueryInput, { ...query, deviceId: params.id }),
          ),
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/dead-letters',
        ({ query }) => deps.telemetry.deadLetters(parseInput(deadLetterQueryInput, query)),
        { beforeHandle: requireRole('viewer') },
      )
      .get('/anomalies', ({ query }) => deps.anomalies.list(parseInput(anomalyListInput, query)), {
        beforeHandle: requireRole('viewer'),
      })
      .get(
        '/anomalies/:id',
        ({ params }) => deps.anomalies.get(parseInput(anomalyIdInput, params).id),
        { beforeHandle: requireRole('viewer') },
      )
      .get(
        '/anomalies/:id/evidence',
        ({ params }) =>
          deps.evidence.detail(parseInput(evidenceInput, { anomalyId: params.id }).anomalyId),
        { beforeHandle: requireRole('viewer') },
      )
      // Checks against the chain now: never cached.
      .get(
        '/anomalies/:id/evidence/verify',
        ({ params, set }) => {
          set.headers['cache-control'] = 'no-store';
          return deps.evidence.verify(
            parseInput(evidenceInput, { anomalyId: params.id }).anomalyId,
          );
        },
        { beforeHandle: requireRole('viewer') },
      )
      .use(
        authRoutes({
          database: deps.database,
          authenticator: deps.authenticator,
          secureCookies: deps.secureCookies,
        }),
      )
      .use(
        registryRoutes({
          database: deps.database,
          registry: deps.registry,
          authenticator: deps.authenticator,
        }),
      )
      // tRPC's own fetch adapter: queries and subscriptions arrive as GET, mutations as POST.
      // Each procedure checks its own declared access (ProcedureMeta), so the mount is open.
      .get('/trpc/*', handleTrpc, { beforeHandle: requireRole('public') })
      .post('/trpc/*', handleTrpc, { parse: 'none', beforeHandle: requireRole('public') })
  );
}

export type App = ReturnType<typeof createApp>;
