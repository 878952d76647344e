/**
 * The server as it ships (`bun src/main.ts`), zero-install mode: a reading published over MQTT is
 * stored, scored by detection in the ingest path, and the anomaly it raises is anchored on the
 * embedded local chain and verifies there — nothing configured but an admin.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import mqtt from 'mqtt';

const MAIN = join(import.meta.dir, '../src/main.ts');
const ADMIN_PASSWORD = 'pipeline test admin password';
const asAdmin = {
  headers: { authorization: `Basic ${Buffer.from(`root:${ADMIN_PASSWORD}`).toString('base64')}` },
};
const children: Bun.Subprocess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The parent's environment without Vigil's variables, plus `vars`. */
function env(vars: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  const ours =
    /^(PORT|HOST|DATA_DIR|DATABASE_URL|MQTT_|INGEST_|LEGACY_|UNKNOWN_DEVICES|LOG_LEVEL|ADMIN_|TLS_|BROKER_ACCESS|SECURE_COOKIES|DEVICE_OFFLINE|MODEL_|DETECTION_|CHAIN_|EVIDENCE_)/;
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !ours.test(key)) clean[key] = value;
  }
  return { ...clean, ...vars };
}

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

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await Bun.sleep(200);
  }
}

type AnomalyList = { anomalies?: Array<{ id: string; deviceId: string; type: string }> };

test('a published out-of-range reading becomes an anomaly anchored on the local chain that verifies', async () => {
  const child = Bun.spawn(['bun', MAIN], {
    env: env({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      UNKNOWN_DEVICES: 'register',
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

  const device = await mqtt.connectAsync(String(started.mqtt), { clientId: 'pipeline-e2e' });
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

  const anomalies = await until(async () => {
    const body = (await (await fetch(`${http}/anomalies`, asAdmin)).json()) as AnomalyList;
    return body.anomalies !== undefined && body.anomalies.length > 0 ? body.anomalies : undefined;
  }, 20_000);
  expect(anomalies).toHaveLength(1);
  expect(anomalies[0]).toMatchObject({ deviceId: 'lab-7', type: 'spike' });

  const verified = await until(async () => {
    const response = await fetch(`${http}/anomalies/${anomalies[0]?.id}/evidence/verify`, asAdmin);
    const body = (await response.json()) as { verified?: boolean };
    return body.verified === true ? body : undefined;
  }, 30_000);
  expect(verified).toMatchObject({ verified: true });

  child.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}, 120_000);
