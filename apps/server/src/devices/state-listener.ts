/**
 * Listens to every device's retained `state` topic (and so to Last Wills) and records it. Its own
 * connection with a clean session: on every (re)connect the broker hands over the retained state
 * of every device, so nothing missed while the server was down stays missed. Messages are
 * handled one at a time, in arrival order, so a device's states are applied in the order sent.
 */
import { readFileSync } from 'node:fs';
import { parseTopic } from '@vigil/protocol';
import mqtt from 'mqtt';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { recordStateMessage } from './device-state';

export type StateListenerOptions = {
  url: string;
  username?: string;
  password?: string;
  /** The server's client id; the listener connects as `<clientId>-state`. */
  clientId: string;
  topicRoot: string;
  tls?: { ca?: string; cert?: string; key?: string };
  database: Database;
  bus: EventBus;
  log: Logger;
};

/** Connects and subscribes to `<root>/+/state`; resolves once subscribed. */
export async function startStateListener(
  options: StateListenerOptions,
): Promise<{ stop(): Promise<void>; settled(): Promise<void> }> {
  const log = options.log.child({ module: 'device-state' });
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const client = await mqtt.connectAsync(options.url, {
    clientId: `${options.clientId}-state`,
    username: options.username,
    password: options.password,
    clean: true,
    reconnectPeriod: 1000,
    ca: read(options.tls?.ca),
    cert: read(options.tls?.cert),
    key: read(options.tls?.key),
  });
  let queue: Promise<void> = Promise.resolve();
  client.on('message', (topic, payload) => {
    const parsed = parseTopic(topic, options.topicRoot);
    if (parsed?.kind !== 'state') return;
    queue = queue.then(async () => {
      try {
        const outcome = await recordStateMessage(options.database, parsed.deviceId, payload);
        if (!outcome.ok) {
          log.warn('state message refused', {
            deviceId: parsed.deviceId,
            reason: outcome.reason,
            detail: outcome.detail,
          });
        } else if (outcome.changed) {
          options.bus.publish({
            type: 'device_state',
            deviceId: parsed.deviceId,
            online: outcome.online,
          });
        }
      } catch (error) {
        log.error('recording a state message failed', { deviceId: parsed.deviceId, error });
      }
    });
  });
  const [granted] = await client.subscribeAsync(`${options.topicRoot}/+/state`, { qos: 1 });
  if (granted === undefined || granted.qos === 128) {
    await client.endAsync();
    throw new Error(`the broker refused the subscription to ${options.topicRoot}/+/state`);
  }
  return {
    /** Resolves when every message received so far has been recorded (for tests and shutdown). */
    settled: () => queue,
    async stop() {
      await client.endAsync();
      await queue;
    },
  };
}
