/**
 * A client of Mosquitto's dynamic-security plugin. Commands go to `$CONTROL/dynamic-security/v1`
 * in batches (every command makes the plugin rewrite its whole JSON file, so one publish carries
 * many); replies arrive on `.../response` at QoS 0, so the client subscribes before it sends
 * anything. Each command carries correlation data, matching replies to the batch that asked.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerUnavailableError } from './broker-access';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

export type DynsecCommand = { command: string } & Record<string, unknown>;
export type DynsecReply = { command: string; error?: string; data?: unknown };

/** The plugin refused a command; `replies` holds every reply of the batch. */
export class DynsecCommandError extends Error {
  constructor(readonly replies: DynsecReply[]) {
    super(
      `dynamic-security refused: ${replies
        .filter((r) => r.error !== undefined)
        .map((r) => `${r.command}: ${r.error}`)
        .join('; ')}`,
    );
    this.name = 'DynsecCommandError';
  }
}

export type DynsecClient = {
  /** Sends commands as one batch; resolves with one reply per command, in order. */
  send(commands: DynsecCommand[], timeoutMs?: number): Promise<DynsecReply[]>;
  close(): Promise<void>;
};

export type DynsecConnectOptions = {
  url: string;
  username: string;
  password: string;
  clientId: string;
  /** How long to wait for the plugin's reply (default 5 s). */
  timeoutMs?: number;
  /** Passed to mqtt.js for mqtts:// (CA, client certificate). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
};

/** Connects, subscribes to the reply topic, and returns the client. */
export async function connectDynsec(options: DynsecConnectOptions): Promise<DynsecClient> {
  const client: MqttClient = await mqtt.connectAsync(options.url, {
    username: options.username,
    password: options.password,
    clientId: options.clientId,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    ...options.tls,
  });
  const granted = await client.subscribeAsync(RESPONSE_TOPIC, { qos: 0 });
  if (granted[0]?.qos === 128) {
    await client.endAsync();
    throw new Error(`'${options.username}' may not subscribe to ${RESPONSE_TOPIC}`);
  }

  const pending = new Map<string, (replies: DynsecReply[]) => void>();
  let batch = 0;
  client.on('message', (topic, payload) => {
    if (topic !== RESPONSE_TOPIC) return;
    let parsed: { responses?: Array<DynsecReply & { correlationData?: string }> };
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const responses = parsed.responses ?? [];
    const key = responses[0]?.correlationData?.split(':')[0];
    const resolve = key === undefined ? undefined : pending.get(key);
    if (resolve === undefined) return;
    pending.delete(key as string);
    resolve(responses.map(({ correlationData: _, ...reply }) => reply));
  });

  const defaultTimeoutMs = options.timeoutMs ?? 5000;
  return {
    async send(commands, timeoutMs = defaultTimeoutMs) {
      if (commands.length === 0) return [];
      batch += 1;
      const key = `${options.clientId}-${batch}`;
      const body = {
        commands: commands.map((command, i) => ({ ...command, correlationData: `${key}:${i}` })),
      };
      return new Promise<DynsecReply[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(key);
          reject(
            new BrokerUnavailableError(
              `no reply from the broker's dynamic-security plugin within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        pending.set(key, (value) => {
          clearTimeout(timer);
          resolve(value);
        });
        // While disconnected mqtt.js queues the publish; the timer bounds the whole exchange.
        client.publish(CONTROL_TOPIC, JSON.stringify(body), { qos: 1 }, (error) => {
          if (!error || pending.get(key) === undefined) return;
          clearTimeout(timer);
          pending.delete(key);
          reject(error);
        });
      });
    },
    // Forced: a pending command to a dead broker must not hold up shutdown.
    close: () => client.endAsync(true),
  };
}

/** Sends a batch and throws DynsecCommandError if any reply carries an error not accepted by `ignore`. */
export async function sendChecked(
  client: DynsecClient,
  commands: DynsecCommand[],
  ignore: (reply: DynsecReply) => boolean = () => false,
  timeoutMs?: number,
): Promise<DynsecReply[]> {
  const replies = await client.send(commands, timeoutMs);
  if (replies.some((reply) => reply.error !== undefined && !ignore(reply))) {
    throw new DynsecCommandError(replies);
  }
  return replies;
}
