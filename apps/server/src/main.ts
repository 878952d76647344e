/**
 * The composition root: configuration -> logger -> database -> metrics -> event bus -> broker
 * (embedded when MQTT_URL is absent) -> ingest -> HTTP API, with the dashboard on the same
 * origin. Shuts down in reverse on SIGINT or SIGTERM, so ingest commits and acknowledges what it
 * holds before the broker and database go.
 */
import { Registry } from 'prom-client';
import { createApp } from './api/app';
import { loadDashboard, mountDashboard } from './api/dashboard';
import { createAuthenticator } from './auth/authenticator';
import { startSessionPruner } from './auth/sessions';
import { ensureFirstAdmin } from './auth/users';
import { startBroker } from './broker/start-broker';
import { startCommands } from './commands';
import { type Config, ConfigError, loadConfig } from './config';
import { createDetection, DetectorLoadError } from './detection';
import { createAnomalyQueries } from './detection/queries';
import { startOfflineSweeper } from './devices/device-state';
import { createDeviceRegistry, type DeviceRegistry } from './devices/registry';
import { startStateListener } from './devices/state-listener';
import { createEventBus } from './events/bus';
import { EvidenceChainError } from './evidence/chain';
import { enqueueEvidence } from './evidence/outbox';
import { createEvidenceQueries } from './evidence/queries';
import { startEvidence } from './evidence/start';
import { type Ingest, type Membership, startIngest, startMembership } from './ingest';
import { createLogger } from './log';
import { registerProcessMetrics } from './process-metrics';
import { type Database, openDatabase } from './telemetry/database';
import { createTelemetryQueries } from './telemetry/queries';

/** How long in-flight HTTP requests get to finish before their connections are closed. */
const HTTP_DRAIN_MS = 3000;

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`config error: ${error.message}`);
    process.exit(1);
  }
}

/** The database URL without its password, for the start line. */
function describeDatabase(config: Config, database: Database): string {
  if (database.kind === 'pglite' || config.databaseUrl === undefined) {
    return `pglite:${config.dataDir}`;
  }
  const url = new URL(config.databaseUrl);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel);
  const stack: { name: string; close(): Promise<unknown> }[] = [];
  const closeAll = async () => {
    for (const part of stack.reverse()) {
      await part
        .close()
        .catch((error: unknown) => log.error(`closing ${part.name} failed`, { error }));
    }
  };

  // Registered before anything starts: a signal during the start (or the instant after the start
  // line is written) still closes what is running, in reverse order.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting without a clean shutdown', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    await closeAll();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    stack.push({ name: 'database', close: () => database.close() });
    if (config.auth.firstAdmin !== undefined) {
      const admin = await ensureFirstAdmin(database, config.auth.firstAdmin);
      if (admin !== null) log.info('first admin created', { username: admin.username });
    }

    // Replicas sharing a group on an external broker announce themselves before any consumer
    // connects, so a dead one's sessions are adopted and a restarting one's are not. The embedded
    // broker lives and dies with this process: no other replica can hold a session on it.
    const membership: Membership | null =
      config.mqtt.url !== undefined && config.mqtt.shareGroup !== ''
        ? await startMembership({
            database,
            clientId: config.mqtt.clientId,
            shareGroup: config.mqtt.shareGroup,
            consumers: config.mqtt.consumers,
            log,
          })
        : null;
    // Closed after ingest (the stack unwinds in reverse): marked stopped once disconnected.
    if (membership !== null) stack.push({ name: 'membership', close: () => membership.stop() });

    const metrics = new Registry();
    registerProcessMetrics(metrics);
    const bus = createEventBus({
      onSubscriberError: (error) => log.error('event subscriber failed', { error }),
    });

    // The embedded broker's hooks ask the registry, which is built on the broker's access: the
    // hooks reach it through this late binding (a device connecting before it exists is refused).
    let verifyCredentials: DeviceRegistry['verifyCredentials'] | undefined;
    const broker = await startBroker(config, async (username, secret) =>
      verifyCredentials === undefined ? null : verifyCredentials(username, secret),
    );
    stack.push(...broker.parts);
    const mqttUrl = broker.url;
    // The server's own connections: MQTT_USERNAME/MQTT_PASSWORD, or the embedded broker's account.
    const mqttAccount = broker.account;
    const brokerAccess = broker.access;
    const registry = createDeviceRegistry({
      database,
      broker: brokerAccess,
      reserved: { username: mqttAccount.username, clientId: config.mqtt.clientId },
    });
    verifyCredentials = registry.verifyCredentials;

    // The model first: a missing or corrupt one must stop the start before anything else runs.
    const detection = config.detection.enabled
      ? await createDetection({
          database,
          metrics,
          bus,
          log,
          model: config.detection,
          maxDevices: config.detection.maxDevices,
          topicRoot: config.mqtt.topicRoot,
          legacy: config.ingest.legacy,
          onStored: enqueueEvidence,
          ...(membership === null ? {} : { livePeers: membership.livePeers }),
        })
      : null;
    if (detection !== null) stack.push({ name: 'detection', close: () => detection.close() });
    const anchoring = await startEvidence({
      settings: config.evidence,
      database,
      metrics,
      bus,
      log,
    });
    stack.push({ name: 'evidence', close: () => anchoring.stop() });
    const evidenceQueries = createEvidenceQueries(database, () => anchoring.chain());

    const ingest: Ingest = await startIngest({
      config: { ...config, mqtt: { ...config.mqtt, ...mqttAccount, url: mqttUrl } },
      database,
      metrics,
      bus,
      log,
      ...(detection === null ? {} : { committed: detection }),
      ...(membership === null ? {} : { membership }),
    });
    stack.push({ name: 'ingest', close: () => ingest.stop() });

    const commands = await startCommands({
      database,
      bus,
      log,
      metrics,
      mqtt: {
        url: mqttUrl,
        clientId: config.mqtt.clientId,
        ...mqttAccount,
        tls: config.mqttTls,
        topicRoot: config.mqtt.topicRoot,
      },
    });
    stack.push({ name: 'commands', close: () => commands.stop() });

    const states = await startStateListener({
      url: mqttUrl,
      ...mqttAccount,
      clientId: config.mqtt.clientId,
      topicRoot: config.mqtt.topicRoot,
      tls: config.mqttTls,
      database,
      bus,
      log,
    });
    stack.push({ name: 'device states', close: () => states.stop() });

    const app = createApp({
      database,
      telemetry: createTelemetryQueries(database),
      anomalies: createAnomalyQueries(database, evidenceQueries.views),
      evidence: evidenceQueries,
      bus,
      metrics,
      brokerConnected: () => ingest.connected(),
      log,
      authenticator: createAuthenticator(database),
      registry,
      commands: commands.service,
      secureCookies: config.auth.secureCookies,
    });
    // After every API route: the dashboard answers only the paths the API does not own.
    const dashboard = await loadDashboard({ api: (request) => app.handle(request), log });
    mountDashboard(app, dashboard);
    const sweeper = startOfflineSweeper({
      database,
      offlineAfterS: config.devices.offlineAfterS,
      // Checked four times per silence period, so a device is marked at most 25% late.
      intervalMs: Math.min(60_000, (config.devices.offlineAfterS * 1000) / 4),
      onOffline: (ids) => {
        for (const deviceId of ids) bus.publish({ type: 'device_state', deviceId, online: false });
      },
      onError: (error) => log.error('offline sweep failed', { error }),
    });
    stack.push({ name: 'offline sweeper', close: async () => sweeper.stop() });
    const pruner = startSessionPruner(database, (error) =>
      log.error('pruning sessions failed', { error }),
    );
    stack.push({ name: 'session pruner', close: async () => pruner.stop() });
    app.listen({
      port: config.port,
      hostname: config.host,
      ...(config.https === undefined
        ? {}
        : {
            tls: {
              cert: Bun.file(config.https.cert),
              key: Bun.file(config.https.key),
              ...(config.https.ca === undefined ? {} : { ca: Bun.file(config.https.ca) }),
            },
          }),
    });
    stack.push({ name: 'http', close: () => stopHttp(app) });

    const port = app.server?.port ?? config.port;
    const scheme = config.https === undefined ? 'http' : 'https';
    log.info('vigil started', {
      http: `${scheme}://${config.host}:${port}`,
      dashboard: dashboard === null ? 'not built' : `${scheme}://${config.host}:${port}/`,
      trpc: `${scheme}://${config.host}:${port}/trpc`,
      brokerAccess: brokerAccess.kind,
      detection: detection === null ? 'off' : 'on',
      mqtt: mqttUrl,
      mqttBroker: config.mqtt.url === undefined ? 'embedded' : 'external',
      database: describeDatabase(config, database),
    });
  } catch (error) {
    if (error instanceof DetectorLoadError) {
      console.error(`model error (MODEL_PATH / MODEL_METADATA_PATH): ${error.message}`);
    }
    if (error instanceof EvidenceChainError) console.error(`chain error: ${error.message}`);
    log.error('start failed', { error });
    await closeAll();
    process.exit(1);
  }
}

/** Stops accepting, lets in-flight requests finish briefly, then closes what is left (SSE). */
async function stopHttp(app: ReturnType<typeof createApp>): Promise<void> {
  const drained = app.stop(false).then(() => true);
  const timedOut = Bun.sleep(HTTP_DRAIN_MS).then(() => false);
  if (!(await Promise.race([drained, timedOut]))) await app.stop(true);
}

await main();
