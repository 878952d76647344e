/**
 * The shipped server in its zero-install mode (`bun src/main.ts`, embedded Aedes broker, PGlite)
 * with real MQTT clients as devices: by default (BROKER_ACCESS=registry) only devices created over
 * the API log in, each only with its own client id, publishing and subscribing only its own
 * topics, and a revoked device is cut off at once; BROKER_ACCESS=none is the open development
 * broker where anyone may publish.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { SERVER_MAIN, serverEnv } from './support/server-process';

const ADMIN_PASSWORD = 'embedded e2e admin password';
const asAdmin = {
  authorization: `Basic ${Buffer.from(`root:${ADMIN_PASSWORD}`).toString('base64')}`,
};
type Server = { http: string; mqtt: string; brokerAccess: string; stop(): Promise<void> };

/** Starts the server with only `vars` set among Vigil's variables; resolves on 'vigil started'. */
async function startServer(vars: Record<string, string>): Promise<Server> {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      ADMIN_USER: 'root',
      ADMIN_PASSWORD,
      INGEST_FLUSH_MS: '5',
      ...vars,
    }),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`server exited before starting:\n${buffer}`);
    buffer += decoder.decode(chunk.value, { stream: true });
    const started = buffer
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'vigil started');
    if (started === undefined) continue;
    // Keep draining the log so the server never blocks on a full pipe.
    void (async () => {
      while (!(await reader.read()).done) {}
    })();
    return {
      http: String(started.http),
      mqtt: String(started.mqtt),
      brokerAccess: String(started.brokerAccess),
      async stop() {
        child.kill('SIGTERM');
        await child.exited;
      },
    };
  }
}

async function api(server: Server, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.http}${path}`, {
    method,
    headers: { ...asAdmin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function readingsOf(server: Server, deviceId: string): Promise<number> {
  const { body } = await api(server, 'GET', `/devices/${deviceId}/telemetry`);
  return (body.readings as unknown[]).length;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in time`);
    await Bun.sleep(100);
  }
}

const reading = (seq: number) =>
  JSON.stringify({ ts: Date.now(), boot: 3, seq, metrics: { temperature: 20 + seq } });

/** Connects once, without reconnecting, so a refusal surfaces as a rejected promise. */
const connect = (url: string, options: IClientOptions) =>
  mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });

/** Resolves true if the broker closes `client` within `ms`. */
const closedWithin = (client: MqttClient, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (!client.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

describe('BROKER_ACCESS=registry (the default embedded broker)', () => {
  let server: Server;
  const devices: Record<string, IClientOptions> = {};
  const clients: MqttClient[] = [];
  const as = async (id: string, extra: IClientOptions = {}) => {
    const client = await connect(server.mqtt, { ...devices[id], ...extra });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServer({});
    for (const id of ['emb-a', 'emb-b']) {
      const created = await api(server, 'POST', '/devices', { id });
      expect(created.status).toBe(201);
      devices[id] = {
        clientId: String(created.body.username),
        username: String(created.body.username),
        password: String(created.body.secret),
      };
    }
  }, 90_000);
  afterAll(async () => {
    for (const client of clients) client.end(true);
    await server?.stop();
  });

  test('the server says which access it enforces', () => {
    expect(server.brokerAccess).toBe('registry');
  });

  test("no device may take the server's own MQTT username or client ids", async () => {
    // Defaults: username vigil-server, client id vigil-server-1 (its connections add -cmd, -state...).
    for (const id of ['vigil-server', 'vigil-server-1', 'vigil-server-1-cmd', 'vigil-server-1-2']) {
      const refused = await api(server, 'POST', '/devices', { id });
      expect(refused.status).toBe(409);
      expect(String(refused.body.error)).toContain(`'${id}'`);
    }
    expect((await api(server, 'POST', '/devices', { id: 'vigil-server-2' })).status).toBe(201);
  });

  test('device A cannot publish as B: nothing is stored under B', async () => {
    const a = await as('emb-a');
    await a.publishAsync('devices/emb-a/telemetry', reading(1), { qos: 1 });
    // A forged publish gets no PUBACK: the broker drops the connection instead.
    void a.publishAsync('devices/emb-b/telemetry', reading(2), { qos: 1 }).catch(() => {});
    expect(await closedWithin(a, 5_000)).toBe(true);
    const again = await as('emb-a');
    await again.publishAsync('devices/emb-a/telemetry', reading(3), { qos: 1 });
    await until(async () => (await readingsOf(server, 'emb-a')) === 2, 15_000, 'A stored');
    expect(await readingsOf(server, 'emb-b')).toBe(0);
  }, 40_000);

  test("device A cannot subscribe to B's cmd, #, $SYS/# or other devices' topics", async () => {
    const a = await as('emb-a');
    for (const filter of ['devices/emb-b/cmd', '#', '$SYS/#', 'devices/+/telemetry']) {
      // The broker answers SUBACK failure (0x80), which mqtt.js turns into a rejection.
      const refused = await a.subscribeAsync(filter, { qos: 1 }).then(
        () => false,
        (error: Error) => error.message.includes('Subscribe error'),
      );
      expect({ filter, refused }).toEqual({ filter, refused: true });
    }
    const [own] = await a.subscribeAsync('devices/emb-a/cmd', { qos: 1 });
    expect(own?.qos).toBe(1);
  }, 30_000);

  test("anonymous clients, wrong secrets and B's client id with A's login are refused", async () => {
    await expect(connect(server.mqtt, { clientId: 'anonymous' })).rejects.toThrow();
    await expect(as('emb-a', { password: 'not the secret' })).rejects.toThrow();
    await expect(as('emb-a', { clientId: 'emb-b' })).rejects.toThrow();
  }, 30_000);

  test('revoking disconnects a connected device at once and refuses it afterwards', async () => {
    const b = await as('emb-b');
    await b.subscribeAsync('devices/emb-b/cmd', { qos: 1 });
    const closed = closedWithin(b, 3_000);
    expect((await api(server, 'POST', '/devices/emb-b/revoke')).status).toBe(200);
    expect(await closed).toBe(true);
    await expect(as('emb-b')).rejects.toThrow();

    // A new secret lets it back in; the old one stays refused.
    const rotated = await api(server, 'POST', '/devices/emb-b/rotate-secret');
    expect(rotated.status).toBe(200);
    await expect(as('emb-b')).rejects.toThrow();
    const back = await as('emb-b', { password: String(rotated.body.secret) });
    await back.publishAsync('devices/emb-b/telemetry', reading(1), { qos: 1 });
    await until(async () => (await readingsOf(server, 'emb-b')) === 1, 15_000, 'B stored');
  }, 40_000);
});

describe('BROKER_ACCESS=none (open development broker)', () => {
  test('any client may publish, and unknown devices register themselves', async () => {
    const server = await startServer({ BROKER_ACCESS: 'none', UNKNOWN_DEVICES: 'register' });
    try {
      expect(server.brokerAccess).toBe('none');
      const client = await connect(server.mqtt, { clientId: 'anyone' });
      await client.publishAsync('devices/open-1/telemetry', reading(1), { qos: 1 });
      await client.endAsync();
      await until(async () => (await readingsOf(server, 'open-1')) === 1, 15_000, 'stored');
    } finally {
      await server.stop();
    }
  }, 90_000);
});
