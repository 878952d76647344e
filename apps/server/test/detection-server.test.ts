/** The server as it ships (`bun src/main.ts`): a model that cannot be loaded stops the start. */
import { afterAll, expect, test } from 'bun:test';
import { SERVER_MAIN, serverEnv } from './support/server-process';

const children: Bun.Subprocess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

test('a missing model stops the server at start, naming the file', async () => {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
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
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: serverEnv({
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
