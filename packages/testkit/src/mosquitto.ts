import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { MissingBinaryError, requireBinary } from './binaries';
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
  /** Allow clients without credentials (default true, false when `dynsec` is set). */
  anonymous?: boolean;
  /** Extra configuration text appended after the harness's own lines. */
  config?: string;
  /**
   * Load the dynamic-security plugin, initialised (mosquitto_ctrl dynsec init) with this admin
   * account, which may manage the plugin over $CONTROL/dynamic-security/v1 and read every topic.
   */
  dynsec?: { username: string; password: string };
  /** A second, TLS-only listener (TLS 1.2 or newer) with these PEM files. */
  tls?: {
    certfile: string;
    keyfile: string;
    /** CA that signs client certificates; required with `requireCertificate`. */
    cafile?: string;
    /** Refuse clients without a certificate signed by `cafile` (mTLS). */
    requireCertificate?: boolean;
  };
};

/** Where the harness put the listeners and plugin files of one broker. */
export type MosquittoLayout = {
  /** Port of the TLS listener, when `tls` was asked for. */
  tlsPort?: number;
  /** Path of the dynamic-security JSON file, when `dynsec` was asked for. */
  dynsecFile?: string;
};

const DYNSEC_PLUGIN_PATHS = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

/** Path of Mosquitto's dynamic-security plugin, or a MissingBinaryError naming the package. */
export function dynsecPluginPath(): string {
  const found = DYNSEC_PLUGIN_PATHS.find((path) => existsSync(path));
  if (found === undefined) {
    throw new MissingBinaryError(
      'mosquitto_dynamic_security.so not found: install it with `apt-get install -y mosquitto`',
    );
  }
  return found;
}

export type RunningMosquitto = {
  url: string;
  port: number;
  /** The TLS listener, when `tls` was asked for. */
  tlsPort?: number;
  tlsUrl?: string;
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
export function mosquittoConfig(
  port: number,
  dir: string,
  options: MosquittoOptions = {},
  layout: MosquittoLayout = {},
): string {
  const shipped =
    options.shipped !== false && existsSync(SHIPPED_MOSQUITTO_CONF)
      ? readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8')
          .split('\n')
          .filter((line) => !HARNESS_OWNED.test(line))
          .join('\n')
      : '';
  const anonymous = options.anonymous ?? options.dynsec === undefined;
  const tls =
    options.tls !== undefined && layout.tlsPort !== undefined
      ? [
          `listener ${layout.tlsPort} 127.0.0.1`,
          `certfile ${options.tls.certfile}`,
          `keyfile ${options.tls.keyfile}`,
          'tls_version tlsv1.2',
          ...(options.tls.cafile === undefined ? [] : [`cafile ${options.tls.cafile}`]),
          `require_certificate ${options.tls.requireCertificate === true ? 'true' : 'false'}`,
        ]
      : [];
  const dynsec =
    layout.dynsecFile === undefined
      ? []
      : [`plugin ${dynsecPluginPath()}`, `plugin_opt_config_file ${layout.dynsecFile}`];
  const ours = [
    `listener ${port} 127.0.0.1`,
    ...tls,
    `allow_anonymous ${anonymous ? 'true' : 'false'}`,
    ...dynsec,
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
  const layout: MosquittoLayout = {};
  if (options.tls !== undefined) layout.tlsPort = await freePort();
  if (options.dynsec !== undefined) {
    layout.dynsecFile = join(dir, 'dynamic-security.json');
    const init = Bun.spawnSync(
      [
        requireBinary('mosquitto_ctrl', 'mosquitto-clients'),
        'dynsec',
        'init',
        layout.dynsecFile,
        options.dynsec.username,
        options.dynsec.password,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    if (init.exitCode !== 0) {
      throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr.toString().trim()}`);
    }
  }
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, mosquittoConfig(port, dir, options, layout));

  let proc: Subprocess<'ignore', 'ignore', 'pipe'> | undefined;
  const launch = async () => {
    const started = Bun.spawn([binary, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = started;
    reapWithParent(started.pid);
    try {
      await waitForPort(port, 10_000);
      if (layout.tlsPort !== undefined) await waitForPort(layout.tlsPort, 10_000);
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
    ...(layout.tlsPort === undefined
      ? {}
      : { tlsPort: layout.tlsPort, tlsUrl: `mqtts://127.0.0.1:${layout.tlsPort}` }),
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
