/**
 * The command module's own MQTT connection: publishes commands at QoS 1 and receives device
 * acknowledgements and presence (`<root>/+/cmd/ack`, `<root>/+/state`).
 *
 * Separate from the ingest consumers on purpose: ingest holds its PUBACKs until a batch commits
 * and stops reading under backpressure, and a command must not wait behind a telemetry backlog.
 * The session is persistent (stable client id `<MQTT_CLIENT_ID>-cmd`, clean session off), so
 * acknowledgements that arrive while the server is down wait in the broker. Each inbound message
 * is acknowledged to the broker only after its handler has committed; a failing handler is
 * retried with backoff, which stops reading meanwhile (the broker keeps the rest).
 */
import { readFileSync } from 'node:fs';
import { parseTopic } from '@vigil/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log';

export type CommandLinkOptions = {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Paths of PEM files for mqtts:// (MQTT_CA, MQTT_CERT, MQTT_KEY). */
  tls?: { ca?: string; cert?: string; key?: string };
  topicRoot: string;
  /** A `cmd/ack` payload from `deviceId`; resolves once recorded. */
  onAck(deviceId: string, payload: Uint8Array, receivedAt: Date): Promise<void>;
  /** A `state` payload from `deviceId` (retained ones included, on every subscribe). */
  onState(deviceId: string, payload: Uint8Array): Promise<void>;
  log: Logger;
};

export type CommandLink = {
  /** Publishes at QoS 1; resolves on the broker's PUBACK (after a reconnect if need be). */
  publish(topic: string, payload: string): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
};

const RETRY_MAX_MS = 5_000;

/** Connects and subscribes; resolves once subscribed, or after `waitMs` (it keeps retrying). */
export async function connectCommandLink(
  options: CommandLinkOptions,
  waitMs = 5_000,
): Promise<CommandLink> {
  const log = options.log;
  let closing = false;
  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...readPems(options.tls),
  };
  const client: MqttClient = mqtt.connect(options.url, clientOptions);
  const filters = [`${options.topicRoot}/+/cmd/ack`, `${options.topicRoot}/+/state`];

  client.handleMessage = (packet, done) => {
    const parsed = parseTopic(packet.topic, options.topicRoot);
    const payload =
      typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const receivedAt = new Date();
    let handle: (() => Promise<void>) | undefined;
    if (parsed?.kind === 'cmd_ack') {
      handle = () => options.onAck(parsed.deviceId, payload, receivedAt);
    } else if (parsed?.kind === 'state') {
      handle = () => options.onState(parsed.deviceId, payload);
    }
    if (handle === undefined) return done();
    // Unhandled when closing: no PUBACK, so the broker redelivers it to the next run.
    void retryUntilDone(handle, () => closing, log).then((handled) => {
      if (handled) done();
    });
  };

  let subscribed = false;
  client.on('connect', (connack) => {
    client.subscribe(filters, { qos: 1 }, (error, granted) => {
      if (error) return log.error('command link could not subscribe', { error });
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (refused.length > 0) log.error('broker refused command subscriptions', { refused });
      subscribed = true;
    });
    log.info('command link connected', { sessionPresent: connack.sessionPresent });
  });
  client.on('error', (error) => log.warn('command link error', { error: error.message }));
  client.on('close', () => {
    subscribed = false;
  });

  const deadline = Date.now() + waitMs;
  while (!subscribed && Date.now() < deadline) await Bun.sleep(10);
  if (!subscribed) log.warn('command link not connected yet; it keeps retrying');

  return {
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) => {
        client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
      }),
    connected: () => client.connected && subscribed,
    async close() {
      closing = true;
      const ended = client.endAsync().then(() => true);
      if (!(await Promise.race([ended, Bun.sleep(2_000).then(() => false)]))) {
        await client.endAsync(true);
      }
    },
  };
}

function readPems(paths: CommandLinkOptions['tls']): Pick<IClientOptions, 'ca' | 'cert' | 'key'> {
  const pems: Pick<IClientOptions, 'ca' | 'cert' | 'key'> = {};
  if (paths?.ca !== undefined) pems.ca = readFileSync(paths.ca);
  if (paths?.cert !== undefined) pems.cert = readFileSync(paths.cert);
  if (paths?.key !== undefined) pems.key = readFileSync(paths.key);
  return pems;
}

/** Runs `handle` until it succeeds (true) or the link closes (false), backing off between failures. */
async function retryUntilDone(
  handle: () => Promise<void>,
  closing: () => boolean,
  log: Logger,
): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await handle();
      return true;
    } catch (error) {
      if (closing()) return false;
      const delay = Math.min(RETRY_MAX_MS, 50 * 2 ** attempt);
      log.warn('command message handling failed; retrying', { error, delay });
      await Bun.sleep(delay);
    }
  }
}
