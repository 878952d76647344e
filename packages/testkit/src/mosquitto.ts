import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { requireBinary } from './binaries';
import { freePort, waitForPort } from './ports';
import { reapWithParent } from './reaper';

/** The configuration Vigil ships for production brokers; tests run the broker with it. */
export const SHIPPED_MOSQUITTO_CONF = resolve(import.meta.dir, '../../../docker/mosquitto.conf');

/** Directives the harness sets itself: where to listen, where to persist, who may connect. */
const HARNESS_OWNED =
  /^\s*(listener|port|bind_address|bind_interface|persistence_location|persistence_file|log_dest|user|allow_anonymous|password_file|acl_file|plugin|plugin_opt_\S+|certfile|keyfile|cafile|require_certificate|tls_version)\b/;

export type MosquittoOptions = {
  /** Start from docker/mosquitto.conf (default true); false gives Mosquitto's own defaults. */
  shipped?: boolean;
  /** Allow clients without credentials (default true). */
  anonymous?: boolean;
  /** Extra configuration text appended after the harness's own lines. */
  config?: string;
};

export type RunningMosquitto = {
  url: string;
  port: number;
  /** Directory holding the config file and the persistence database. */
  dir: string;
  pid(): number;
  /** Stops the broker (SIGTERM saves persistence; SIGKILL loses what arrived since the last autosave). */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the broker again on the same port with the same persistence directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/** Builds the config text: the shipped settings minus harness-owned directives, plus ours. */
export function mosquittoConfig(port: number, dir: string, options: MosquittoOptions = {}): string {
  const shipped =
    options.shipped !== false && existsSync(SHIPPED_MOSQUITTO_CONF)
      ? readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8')
          .split('\n')
          .filter((line) => !HARNESS_OWNED.test(line))
          .join('\n')
      : '';
  const ours = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.anonymous === false ? 'false' : 'true'}`,
    `persistence_location ${dir}/`,
    'log_dest stderr',
    ...(process.getuid?.() === 0 ? ['user root'] : []),
  ];
  return [shipped, ...ours, options.config ?? ''].join('\n');
}

/** Starts a real Mosquitto on a free loopback port with the project's config. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const binary = requireBinary('mosquitto', 'mosquitto mosquitto-clients');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mqtt-'));
  const port = await freePort();
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, mosquittoConfig(port, dir, options));

  let proc: Subprocess<'ignore', 'ignore', 'pipe'> | undefined;
  const launch = async () => {
    const started = Bun.spawn([binary, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = started;
    reapWithParent(started.pid);
    try {
      await waitForPort(port, 10_000);
    } catch (error) {
      started.kill();
      const log = await new Response(started.stderr).text().catch(() => '');
      throw new Error(`mosquitto did not start: ${(error as Error).message}\n${log}`);
    }
  };
  await launch();

  const kill = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    await proc.exited;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => proc?.pid ?? -1,
    kill,
    restart: launch,
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
