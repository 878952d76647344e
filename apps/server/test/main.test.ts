/**
 * The server as it ships (`bun src/main.ts`), in its zero-install mode: embedded broker, PGlite.
 * A device created over the API publishes a reading with its credentials; the HTTP API shows it;
 * SIGTERM stops everything cleanly.
 */
import { afterAll, expect, test } from 'bun:test';
import mqtt from 'mqtt';
import { eventuallyValue, SERVER_MAIN, serverEnv } from './support/server-process';

const ADMIN_PASSWORD = 'main test admin password';
/** HTTP Basic as the first admin, created from ADMIN_USER/ADMIN_PASSWORD on first start. */
const asAdmin = {
  headers: { authorization: `Basic ${Buffer.from(`root:${ADMIN_PASSWORD}`).toString('base64')}` },
};
const children: Bun.Subprocess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Reads JSON log lines from `stream` until one satisfies `match`, or fails after `timeoutMs`. */
async function waitForLog(
  lines: AsyncIterator<Record<string, unknown>>,
  match: (entry: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const next = await Promise.race([
      lines.next(),
      Bun.sleep(deadline - Date.now()).then(() => null),
    ]);
    if (next === null || next.done) break;
    if (match(next.value)) return next.value;
  }
  throw new Error('expected log line did not appear');
}

async function* jsonLines(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('{')) yield JSON.parse(line) as Record<string, unknown>;
      newline = buffer.indexOf('\n');
    }
  }
}

test('a bad variable stops the server with its name and what was expected', async () => {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({ PORT: 'eighty' }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  children.push(child);
  expect(await child.exited).toBe(1);
  expect((await new Response(child.stderr).text()).trim()).toBe(
    "config error: PORT: expected an integer from 0 to 65535, got 'eighty'",
  );
});

test('a broker access that does not fit the broker stops the server, naming the variable', async () => {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({ MQTT_URL: 'mqtt://127.0.0.1:1', BROKER_ACCESS: 'registry' }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  children.push(child);
  expect(await child.exited).toBe(1);
  expect((await new Response(child.stderr).text()).trim()).toStartWith(
    'config error: BROKER_ACCESS: expected ',
  );
});

test('embedded mode: publish over MQTT, read over HTTP, stop on SIGTERM', async () => {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      ADMIN_USER: 'root',
      ADMIN_PASSWORD: ADMIN_PASSWORD,
    }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(child);
  const lines = jsonLines(child.stdout)[Symbol.asyncIterator]();
  const started = await waitForLog(lines, (entry) => entry.msg === 'vigil started', 60_000);
  expect(started).toMatchObject({
    mqttBroker: 'embedded',
    brokerAccess: 'registry',
    database: 'pglite:memory://',
  });
  const http = String(started.http);
  const health = await eventuallyValue(async () => {
    const response = await fetch(`${http}/health`);
    return response.status === 200 ? response.json() : undefined;
  }, 10_000);
  expect(health).toEqual({ status: 'ok', broker: 'up', database: 'up' });

  const created = await fetch(`${http}/devices`, {
    method: 'POST',
    headers: { ...asAdmin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'sim-1' }),
  });
  expect(created.status).toBe(201);
  const device = (await created.json()) as { username: string; secret: string };
  await expect(
    mqtt.connectAsync(String(started.mqtt), { clientId: 'anonymous', reconnectPeriod: 0 }),
  ).rejects.toThrow();
  const publisher = await mqtt.connectAsync(String(started.mqtt), {
    clientId: device.username,
    username: device.username,
    password: device.secret,
  });
  const ts = Date.now();
  await publisher.publishAsync(
    'devices/sim-1/telemetry',
    JSON.stringify({ ts, boot: 42, seq: 1, metrics: { temperature: 21.5 } }),
    { qos: 1 },
  );
  await publisher.endAsync();

  const telemetry = await eventuallyValue(async () => {
    const response = await fetch(`${http}/devices/sim-1/telemetry`, asAdmin);
    const body = (await response.json()) as { readings?: unknown[] };
    return body.readings?.length === 1 ? body : undefined;
  }, 10_000);
  expect(telemetry).toMatchObject({
    readings: [
      { ts: new Date(ts).toISOString(), boot: 42, seq: 1, metrics: { temperature: 21.5 } },
    ],
  });
  expect((await fetch(`${http}/metrics`)).status).toBe(401);
  const metrics = await (await fetch(`${http}/metrics`, asAdmin)).text();
  expect(metrics).toContain('process_cpu_seconds_total');

  child.kill('SIGTERM');
  await waitForLog(lines, (entry) => entry.msg === 'stopped', 15_000);
  expect(await child.exited).toBe(0);
}, 90_000);
