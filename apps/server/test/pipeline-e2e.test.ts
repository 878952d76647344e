/**
 * The server as it ships (`bun src/main.ts`), zero-install mode: a reading published over MQTT is
 * stored, scored by detection in the ingest path, and the anomaly it raises is anchored on the
 * embedded local chain and verifies there — nothing configured but an admin, who registers the
 * device over the API so it can log in to the embedded broker.
 */
import { afterAll, expect, test } from 'bun:test';
import { startLocalChain } from '@vigil/contracts/local-chain';
import mqtt from 'mqtt';
import { freshRegistry, rpcProxy } from './evidence-support';
import { eventuallyValue, SERVER_MAIN, serverEnv } from './support/server-process';

const ADMIN_PASSWORD = 'pipeline test admin password';
const asAdmin = {
  headers: { authorization: `Basic ${Buffer.from(`root:${ADMIN_PASSWORD}`).toString('base64')}` },
};
const children: Bun.Subprocess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The first JSON log line on `stream` that satisfies `match`. */
async function waitForLog(
  stream: ReadableStream<Uint8Array>,
  match: (entry: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (match(entry)) return entry;
    }
  }
  throw new Error('the server exited before the expected log line');
}

type AnomalyList = { anomalies?: Array<{ id: string; deviceId: string; type: string }> };

/** Registers a device as the admin; the embedded broker lets only registered devices in. */
async function registerDevice(http: string, id: string): Promise<mqtt.IClientOptions> {
  const created = await fetch(`${http}/devices`, {
    method: 'POST',
    headers: { ...asAdmin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  expect(created.status).toBe(201);
  const { username, secret } = (await created.json()) as { username: string; secret: string };
  return { clientId: username, username, password: secret };
}

/** Registers `deviceId`, which publishes two calm readings and one far outside temperature's range. */
async function publishSpike(http: string, mqttUrl: string, deviceId: string): Promise<void> {
  const device = await mqtt.connectAsync(mqttUrl, await registerDevice(http, deviceId));
  const now = Date.now();
  for (const [i, temperature] of [21.4, 21.5, 480].entries()) {
    await device.publishAsync(
      `devices/${deviceId}/telemetry`,
      JSON.stringify({ ts: now - 2000 + i * 1000, boot: 1, seq: i + 1, metrics: { temperature } }),
      { qos: 1 },
    );
  }
  await device.endAsync();
}

async function anomaliesOf(http: string, deviceId: string) {
  return eventuallyValue(async () => {
    const body = (await (
      await fetch(`${http}/anomalies?deviceId=${deviceId}`, asAdmin)
    ).json()) as AnomalyList;
    return body.anomalies !== undefined && body.anomalies.length > 0 ? body.anomalies : undefined;
  }, 20_000);
}

async function verifyResponse(http: string, anomalyId: string | undefined) {
  const response = await fetch(`${http}/anomalies/${anomalyId}/evidence/verify`, asAdmin);
  return {
    status: response.status,
    body: (await response.json()) as { verified?: boolean; detail?: string; error?: string },
  };
}

test('a published out-of-range reading becomes an anomaly anchored on the local chain that verifies', async () => {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      ADMIN_USER: 'root',
      ADMIN_PASSWORD,
      EVIDENCE_BATCH_MS: '200',
    }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(child);
  const started = await waitForLog(child.stdout, (entry) => entry.msg === 'vigil started');
  const http = String(started.http);
  // Nothing reads the log from here on: the server must keep working with its stdout pipe closed.

  const created = await fetch(`${http}/devices`, {
    method: 'POST',
    headers: { ...asAdmin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'lab-7' }),
  });
  expect(created.status).toBe(201);
  const { username, secret } = (await created.json()) as { username: string; secret: string };
  const device = await mqtt.connectAsync(String(started.mqtt), {
    clientId: username,
    username,
    password: secret,
  });
  const now = Date.now();
  const readings = [21.4, 21.5, 480];
  for (const [i, temperature] of readings.entries()) {
    await device.publishAsync(
      'devices/lab-7/telemetry',
      JSON.stringify({ ts: now - 2000 + i * 1000, boot: 1, seq: i + 1, metrics: { temperature } }),
      { qos: 1 },
    );
  }
  await device.endAsync();

  const anomalies = await eventuallyValue(async () => {
    const body = (await (await fetch(`${http}/anomalies`, asAdmin)).json()) as AnomalyList;
    return body.anomalies !== undefined && body.anomalies.length > 0 ? body.anomalies : undefined;
  }, 20_000);
  expect(anomalies).toHaveLength(1);
  expect(anomalies[0]).toMatchObject({ deviceId: 'lab-7', type: 'spike' });

  const verified = await eventuallyValue(async () => {
    const response = await fetch(`${http}/anomalies/${anomalies[0]?.id}/evidence/verify`, asAdmin);
    const body = (await response.json()) as { verified?: boolean };
    return body.verified === true ? body : undefined;
  }, 30_000);
  expect(verified).toMatchObject({ verified: true });

  child.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}, 120_000);

test('with its chain down the server starts, ingests and detects; anchoring catches up when the chain returns', async () => {
  const node = await startLocalChain();
  const registry = await freshRegistry(node);
  const proxy = rpcProxy(node.url);
  proxy.setDown(true);
  try {
    const child = Bun.spawn(['bun', SERVER_MAIN], {
      env: serverEnv({
        PORT: '0',
        MQTT_PORT: '0',
        DATA_DIR: 'memory://',
        ADMIN_USER: 'root',
        ADMIN_PASSWORD,
        // Devices publish without credentials here: this test is about the chain.
        BROKER_ACCESS: 'none',
        EVIDENCE_BATCH_MS: '200',
        CHAIN_RPC_URL: proxy.url,
        EVIDENCE_CONTRACT: registry.registry,
        CHAIN_KEY: node.accounts[0]?.privateKey ?? '',
      }),
      stdout: 'pipe',
      stderr: 'inherit',
    });
    children.push(child);
    const started = await waitForLog(child.stdout, (entry) => entry.msg === 'vigil started');
    const http = String(started.http);

    await publishSpike(http, String(started.mqtt), 'lab-8');
    const [anomaly] = await anomaliesOf(http, 'lab-8');
    expect(anomaly).toMatchObject({ deviceId: 'lab-8', type: 'spike' });
    expect((await verifyResponse(http, anomaly?.id)).body).toMatchObject({
      verified: false,
      detail: 'not anchored yet',
    });

    proxy.setDown(false);
    const verified = await eventuallyValue(async () => {
      const { body } = await verifyResponse(http, anomaly?.id);
      return body.verified === true ? body : undefined;
    }, 45_000);
    expect(verified).toMatchObject({ verified: true });

    // Down again: the check cannot be made, and says so rather than answering "not verified".
    proxy.setDown(true);
    const unreachable = await verifyResponse(http, anomaly?.id);
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.error).toContain('the chain did not answer');

    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  } finally {
    proxy.stop();
    await registry.close();
    await node.stop();
  }
}, 150_000);

test('a chain that answers without a registry at EVIDENCE_CONTRACT stops the start, naming it', async () => {
  const node = await startLocalChain();
  try {
    const child = Bun.spawn(['bun', SERVER_MAIN], {
      env: serverEnv({
        PORT: '0',
        MQTT_PORT: '0',
        DATA_DIR: 'memory://',
        CHAIN_RPC_URL: node.url,
        EVIDENCE_CONTRACT: '0x000000000000000000000000000000000000dEaD',
        CHAIN_KEY: node.accounts[0]?.privateKey ?? '',
      }),
      stdout: 'ignore',
      stderr: 'pipe',
    });
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(await new Response(child.stderr).text()).toContain(
      'chain error: no contract at EVIDENCE_CONTRACT 0x000000000000000000000000000000000000dEaD',
    );
  } finally {
    await node.stop();
  }
}, 90_000);
