/**
 * The commands module as main.ts starts it: the service on its own MQTT link. Returns the
 * service (for the API) and a stop that halts the sweeper, then closes the link; open commands
 * stay in the database and are picked up by the next start.
 */
import type { Registry } from 'prom-client';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { createCommandMetrics } from './metrics';
import { type CommandLink, connectCommandLink } from './mqtt-link';
import { type CommandService, createCommandService } from './service';

export type CommandsDeps = {
  database: Database;
  bus: EventBus;
  log: Logger;
  /** The server's Prometheus registry; the command instruments are added to it. */
  metrics?: Registry;
  mqtt: {
    url: string;
    /** The server's client id; the link uses `<clientId>-cmd`. */
    clientId: string;
    username?: string;
    password?: string;
    tls?: { ca?: string; cert?: string; key?: string };
    topicRoot: string;
  };
  /** Overrides for tests (expiry sweep interval, default TTL, grace). */
  tuning?: { sweepIntervalMs?: number; defaultTtlMs?: number; acceptedGraceMs?: number };
};

export type Commands = { service: CommandService; link: CommandLink; stop(): Promise<void> };

/** Starts the service (expiry, republishing, sweeper), then connects its link. */
export async function startCommands(deps: CommandsDeps): Promise<Commands> {
  let linkStarted: (link: CommandLink) => void = () => {};
  const linkReady = new Promise<CommandLink>((resolve) => {
    linkStarted = resolve;
  });
  const service = createCommandService({
    database: deps.database,
    bus: deps.bus,
    log: deps.log,
    topicRoot: deps.mqtt.topicRoot,
    ...(deps.metrics !== undefined ? { metrics: createCommandMetrics(deps.metrics) } : {}),
    publish: async (topic, payload) => (await linkReady).publish(topic, payload),
    ...deps.tuning,
  });
  // The watch list is loaded before the link subscribes: the retained states that arrive at once
  // are what triggers redelivery to devices already online. Republished commands wait for the link.
  await service.start();
  const link = await connectCommandLink({
    ...deps.mqtt,
    clientId: `${deps.mqtt.clientId}-cmd`,
    onAck: (deviceId, payload, receivedAt) => service.handleAck(deviceId, payload, receivedAt),
    onState: (deviceId, payload) => service.handleState(deviceId, payload),
    log: deps.log.child({ module: 'commands' }),
  });
  linkStarted(link);
  return {
    service,
    link,
    async stop() {
      service.stop();
      await link.close();
    },
  };
}
