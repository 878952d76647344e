import { afterEach, describe, expect, test } from 'bun:test';
import { ServerStartError, waitForHealth } from './health';

let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(() => {
  server?.stop(true);
  server = undefined;
});

/** A stand-in for the Vigil server's /health: unhealthy for the first `failures` calls. */
function fakeServer(failures: number): { url: string; calls: () => number } {
  let calls = 0;
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch() {
      calls += 1;
      return calls <= failures
        ? new Response('database: connection refused', { status: 503 })
        : new Response('ok');
    },
  });
  return { url: `http://127.0.0.1:${server.port}/health`, calls: () => calls };
}

describe('waitForHealth', () => {
  test('keeps polling through 503s until the server answers 200', async () => {
    const fake = fakeServer(3);
    await waitForHealth(fake.url, { timeoutMs: 5_000, pollMs: 10 });
    expect(fake.calls()).toBe(4);
  });

  test('times out naming the last answer', async () => {
    const fake = fakeServer(1_000);
    const wait = waitForHealth(fake.url, { timeoutMs: 200, pollMs: 10 });
    await expect(wait).rejects.toThrow(ServerStartError);
    await expect(wait).rejects.toThrow('503: database: connection refused');
    // Paced by pollMs, not a busy loop.
    expect(fake.calls()).toBeLessThan(40);
  });

  test('times out naming the connection error when nothing listens', async () => {
    const fake = fakeServer(0);
    server?.stop(true);
    await expect(waitForHealth(fake.url, { timeoutMs: 300, pollMs: 10 })).rejects.toThrow(
      'did not answer 200 within 300 ms (last error',
    );
  });

  test('stops at once when the server process exits', async () => {
    const fake = fakeServer(1_000);
    const started = Date.now();
    const exited = Bun.sleep(50).then(() => 1);
    await expect(
      waitForHealth(fake.url, { timeoutMs: 10_000, pollMs: 1_000, exited }),
    ).rejects.toThrow('the server exited (code 1)');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
