/** The server as it ships (`bun src/main.ts`): a model that cannot be loaded stops the start. */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';

const MAIN = join(import.meta.dir, '../src/main.ts');
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

test('a missing model stops the server at start, naming the file', async () => {
  const child = Bun.spawn(['bun', MAIN], {
    env: env({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      MODEL_PATH: '/nonexistent/m.onnx',
    }),
    stdout: 'ignore',
    stderr: 'pipe',
  });
  children.push(child);
  expect(await child.exited).toBe(1);
  expect(await new Response(child.stderr).text()).toContain(
    'model error (MODEL_PATH / MODEL_METADATA_PATH): model file not found: /nonexistent/m.onnx',
  );
}, 60_000);

test('an ingest-only server (DETECTION_ENABLED=false) loads no model and says so', async () => {
  const child = Bun.spawn(['bun', MAIN], {
    env: env({
      PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: 'memory://',
      DETECTION_ENABLED: 'false',
      MODEL_PATH: '/nonexistent/m.onnx',
    }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(child);
  const decoder = new TextDecoder();
  let seen = '';
  for await (const chunk of child.stdout) {
    seen += decoder.decode(chunk, { stream: true });
    if (seen.includes('"vigil started"')) break;
  }
  const started = seen
    .split('\n')
    .filter((line) => line.includes('"vigil started"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
  expect(started).toMatchObject({ detection: 'off' });
  child.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}, 90_000);
