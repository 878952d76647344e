/**
 * The real Mosquitto command-line clients as devices, and an observer that records everything
 * a full-read account receives, for the broker access tests.
 */
import mqtt, { type MqttClient } from 'mqtt';

export type CliResult = { exitCode: number; stdout: string; stderr: string };

/** Runs mosquitto_pub / mosquitto_sub with a bounded wait; never hangs a test. */
export async function runCli(args: string[], timeoutMs = 5000): Promise<CliResult> {
  const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { exitCode: await proc.exited, stdout, stderr };
}

export type Observer = {
  messages: Array<{ topic: string; payload: string; retain: boolean }>;
  /** Resolves when a message on `topic` with `payload` has arrived (5 s at most). */
  waitFor(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
};

/** Connects an account with full read access and subscribes to everything under `filters`. */
export async function observe(
  url: string,
  credentials: { username: string; password: string },
  filters: string[],
): Promise<Observer> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    ...credentials,
    clientId: `observer-${crypto.randomUUID()}`,
  });
  const messages: Observer['messages'] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  const granted = await client.subscribeAsync(filters, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) throw new Error('observer subscription refused');
  return {
    messages,
    async waitFor(topic, payload) {
      const deadline = Date.now() + 5000;
      while (!messages.some((m) => m.topic === topic && m.payload === payload)) {
        if (Date.now() > deadline) throw new Error(`observer never saw ${topic} ${payload}`);
        await Bun.sleep(20);
      }
    },
    close: () => client.endAsync(),
  };
}
