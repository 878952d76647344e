/**
 * A device that takes commands as protocol v1 asks (docs/protocol.md): a real mqtt.js client with
 * a persistent session, a retained state message after every connect and `{"online":false}` as its
 * Last Will, its cmd topic at QoS 1, and acknowledgements on cmd/ack. It remembers every id it has
 * run and answers a repeat with the first answer without running it again; a command past its
 * `expiresAt` is rejected unrun. It counts, device-side, what the scenario checks: every delivery,
 * every execution per id, and every execution per command *content* (a logical command sent again
 * under a new id would run twice; only the content shows it).
 */
import mqtt, { type MqttClient } from 'mqtt';

type Answer = { id: string; status: 'done' | 'rejected'; result?: unknown; error?: string };

export class CommandDevice {
  #client: MqttClient | undefined;
  readonly #answers = new Map<string, Answer>();
  /** Deliveries per command id (QoS 1 may deliver more than once). */
  readonly deliveries = new Map<string, number>();
  /** Executions per command id, and per `name + params`. */
  readonly executions = new Map<string, number>();
  readonly executionsByContent = new Map<string, number>();
  /** Commands refused because they arrived after `expiresAt`. */
  readonly arrivedExpired = new Set<string>();
  /** Payloads on the cmd topic that were not a command. */
  malformed = 0;

  constructor(
    private readonly url: string,
    readonly id: string,
  ) {}

  get online(): boolean {
    return this.#client?.connected === true;
  }

  /** Connects (resuming its session), announces itself online and listens for commands. */
  async connect(): Promise<void> {
    const stateTopic = `devices/${this.id}/state`;
    const client = mqtt.connect(this.url, {
      clientId: this.id,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
      connectTimeout: 10_000,
      will: { topic: stateTopic, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
    });
    // Listening before the CONNACK: a resumed session delivers its queue right behind it.
    client.on('message', (topic, payload) => {
      if (topic === `devices/${this.id}/cmd`) this.#onCommand(client, payload);
    });
    // Announce after every (re)connect, as firmware does: the server redelivers on it.
    client.on('connect', () => {
      client.publish(
        stateTopic,
        JSON.stringify({ online: true, fw: '1.0.0', model: 'vigil-sim-sensor' }),
        { qos: 1, retain: true },
      );
    });
    this.#client = client;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id} did not connect`)), 15_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.on('error', () => {});
    await client.subscribeAsync(`devices/${this.id}/cmd`, { qos: 1 });
  }

  /** Says goodbye (retained offline state) and disconnects; the session stays on the broker. */
  async disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    await client
      .publishAsync(`devices/${this.id}/state`, '{"online":false}', { qos: 1, retain: true })
      .catch(() => {});
    await client.endAsync();
  }

  /** Executions beyond one, counted per id and per content (the larger). */
  executedTwice(): number {
    const extra = (counts: Map<string, number>) =>
      [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    return Math.max(extra(this.executions), extra(this.executionsByContent));
  }

  #onCommand(client: MqttClient, payload: Buffer): void {
    let command: { id: string; name: string; params: unknown; expiresAt: number };
    try {
      command = JSON.parse(payload.toString());
      if (typeof command.id !== 'string' || typeof command.expiresAt !== 'number')
        throw new Error();
    } catch {
      this.malformed += 1;
      return;
    }
    this.deliveries.set(command.id, (this.deliveries.get(command.id) ?? 0) + 1);
    let answer = this.#answers.get(command.id);
    if (answer === undefined) {
      if (Date.now() > command.expiresAt) {
        this.arrivedExpired.add(command.id);
        answer = { id: command.id, status: 'rejected', error: 'expired' };
      } else {
        const content = `${command.name} ${JSON.stringify(command.params)}`;
        this.executions.set(command.id, (this.executions.get(command.id) ?? 0) + 1);
        this.executionsByContent.set(content, (this.executionsByContent.get(content) ?? 0) + 1);
        answer = { id: command.id, status: 'done', result: command.params };
      }
      this.#answers.set(command.id, answer);
    }
    client.publish(`devices/${this.id}/cmd/ack`, JSON.stringify(answer), { qos: 1 });
  }
}
