/**
 * Test support for the dashboard: a fresh build, the real Vigil server (which serves the
 * dashboard itself) as a child process on a real Mosquitto and PostgreSQL, and Debian's Chromium.
 */
import { resolve } from 'node:path';
import { type RunningMosquitto, sharedPostgres, startMosquitto } from '@vigil/testkit';
import { type Browser, chromium } from 'playwright-core';
import { WEB_DIR } from '../src/build';

export { ensureBuild } from '../src/build';
export const SERVER_MAIN = resolve(WEB_DIR, '../server/src/main.ts');
export const SCREENSHOTS = resolve(WEB_DIR, '../../artifacts/screenshots');

/** The parent's environment without any Vigil variable, plus `vars`. */
function childEnv(vars: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      !/^(PORT|HOST|DATA_DIR|DATABASE_URL|MQTT_|INGEST_|LEGACY_|UNKNOWN_DEVICES|LOG_LEVEL)/.test(
        key,
      )
    ) {
      clean[key] = value;
    }
  }
  return { ...clean, ...vars };
}

export type VigilProcess = {
  /** Origin of the HTTP API and of the dashboard. */
  http: string;
  /** The dashboard's URL as the start line gave it ('not built' when the server has none). */
  dashboard: string;
  stop(): Promise<void>;
};

/** Starts `bun apps/server/src/main.ts` and resolves once it logged 'vigil started'. */
export async function startVigil(vars: Record<string, string>): Promise<VigilProcess> {
  const child = Bun.spawn(['bun', SERVER_MAIN], {
    env: childEnv({ LOG_LEVEL: 'info', UNKNOWN_DEVICES: 'register', ...vars }),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const started = await waitForStartLine(child.stdout, 30_000);
  return {
    http: String(started.http).replace('0.0.0.0', '127.0.0.1'),
    dashboard: String(started.dashboard).replace('0.0.0.0', '127.0.0.1'),
    async stop() {
      child.kill('SIGTERM');
      const exited = await Promise.race([child.exited, Bun.sleep(10_000).then(() => null)]);
      if (exited === null) child.kill('SIGKILL');
    },
  };
}

async function waitForStartLine(
  stream: ReadableStream<Uint8Array>,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  let buffer = '';
  while (Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      Bun.sleep(deadline - Date.now()).then(() => null),
    ]);
    if (chunk === null || chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    for (const line of buffer.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'vigil started') {
        // Keep draining so the child never blocks on a full pipe.
        void (async () => {
          for (;;) {
            const next = await reader.read();
            if (next.done) return;
            if (process.env.VIGIL_TEST_LOG) process.stdout.write(next.value);
          }
        })();
        return entry;
      }
    }
    buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
  }
  throw new Error('the Vigil server did not log "vigil started" in time');
}

/**
 * Creates a user in the server's database with the server's own CLI (password on stdin, as an
 * operator would); the server must have started once so the schema exists.
 */
export function createUser(
  databaseUrl: string,
  user: { username: string; password: string; role: 'viewer' | 'operator' | 'admin' },
): void {
  const cli = resolve(WEB_DIR, '../server/src/auth/admin-create-cli.ts');
  const result = Bun.spawnSync(['bun', cli, user.username, user.role], {
    env: childEnv({ DATABASE_URL: databaseUrl }),
    stdin: new TextEncoder().encode(`${user.password}\n`),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (result.exitCode !== 0) {
    throw new Error(`creating user ${user.username} failed: ${result.stderr.toString()}`);
  }
}

export type Services = { mqtt: RunningMosquitto; databaseUrl: string };

/** A real broker and a fresh database for one test file. */
export async function startServices(): Promise<Services> {
  const [mqtt, postgres] = await Promise.all([startMosquitto(), sharedPostgres()]);
  return { mqtt, databaseUrl: await postgres.createDatabase() };
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Polls `probe` until it returns a value other than undefined. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await Bun.sleep(100);
  }
}
