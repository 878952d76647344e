/** Builds the HTTP app on a real database loaded with the fixtures, as main.ts wires it. */
import { Registry } from 'prom-client';
import { createApp } from '../../src/api/app';
import { createAuthenticator } from '../../src/auth/authenticator';
import type { Role } from '../../src/auth/roles';
import { createApiToken } from '../../src/auth/tokens';
import { unmanagedBrokerAccess } from '../../src/broker/access/broker-access';
import { type CommandService, createCommandService } from '../../src/commands/service';
import { createAnomalyQueries } from '../../src/detection/queries';
import { createDeviceRegistry } from '../../src/devices/registry';
import { createEventBus, type EventBus } from '../../src/events/bus';
import type { EvidenceChain } from '../../src/evidence/chain';
import { createEvidenceQueries } from '../../src/evidence/queries';
import { createLogger } from '../../src/log';
import type { Database } from '../../src/telemetry/database';
import { createTelemetryQueries } from '../../src/telemetry/queries';
import { T0 } from './fixtures';

export type TestApp = {
  app: ReturnType<typeof createApp>;
  bus: EventBus;
  metrics: Registry;
  broker: { connected: boolean };
  logLines: string[];
};

/** An app whose clock stands one hour after the fixtures start, so default ranges cover them. */
export function buildApp(
  database: Database,
  bus = createEventBus({ startAfter: 0 }),
  commands?: CommandService,
  chain: EvidenceChain | null = null,
): TestApp {
  const broker = { connected: true };
  const metrics = new Registry();
  const logLines: string[] = [];
  const log = createLogger('info', (line) => logLines.push(line));
  const evidence = createEvidenceQueries(database, () => chain);
  const app = createApp({
    database,
    anomalies: createAnomalyQueries(database, evidence.views),
    evidence,
    telemetry: createTelemetryQueries(database, () => new Date(T0 + 3_600_000)),
    bus,
    metrics,
    brokerConnected: () => broker.connected,
    log,
    authenticator: createAuthenticator(database),
    registry: createDeviceRegistry({ database, broker: unmanagedBrokerAccess }),
    // No broker here: commands are stored and stay pending (test/commands.test.ts has the broker).
    commands:
      commands ??
      createCommandService({
        database,
        bus,
        log,
        topicRoot: 'devices',
        publish: () => Promise.reject(new Error('no broker in the API test app')),
      }),
  });
  return { app, bus, metrics, broker, logLines };
}

/** An `Authorization` header value carrying a new API token of `role` (optionally device-scoped). */
export async function bearer(
  database: Database,
  role: Role = 'admin',
  deviceId: string | null = null,
): Promise<string> {
  const { token } = await createApiToken(database, { name: `test ${role}`, role, deviceId });
  return `Bearer ${token}`;
}
