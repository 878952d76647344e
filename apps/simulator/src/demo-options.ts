import { parseArgs } from 'node:util';
import { SimulatorInputError } from './types';

export const DEMO_USAGE = `Usage: bun run demo [-- options]

Starts the Vigil server (embedded broker, database and chain unless MQTT_URL, DATABASE_URL or
CHAIN_RPC_URL say otherwise) and a simulated fleet publishing to it. Ctrl-C stops both.

Options (environment variable in brackets):
  --sensors <n>      sensor nodes (DEMO_SENSORS, default 12)
  --drones <n>       drones (DEMO_DRONES, default 3)
  --interval <ms>    reporting interval per device (DEMO_INTERVAL_MS, default 1000)
  --faults <rate>    fraction of time each device is under an injected fault (DEMO_FAULT_RATE,
                     default 0.05)
  --legacy <frac>    fraction of devices speaking the legacy topics (DEMO_LEGACY, default 0)
  --wait <s>         how long to wait for the server's /health (DEMO_WAIT_S, default 120)
  -h, --help         show this help

The server reads its own variables (PORT, MQTT_PORT, MQTT_URL, ...); the demo passes them through.
It signs in as the first admin (ADMIN_USER / ADMIN_PASSWORD if you set them, otherwise 'demo' with
a generated password kept in DATA_DIR/demo-admin.json and printed), registers each simulated
device over the API and connects it with its own credentials, so the embedded broker's access
control (BROKER_ACCESS=registry) stays on. Legacy devices (--legacy) need BROKER_ACCESS=none.
`;

export type DemoOptions = {
  sensors: number;
  drones: number;
  intervalMs: number;
  faultRate: number;
  legacyFraction: number;
  healthTimeoutMs: number;
  /** Where the server answers HTTP, e.g. http://127.0.0.1:3000 */
  httpUrl: string;
  /** The broker the server consumes from, for the fleet to publish to. */
  brokerUrl: string;
  topicRoot: string | undefined;
  /** The environment the server is started with. */
  serverEnv: Record<string, string | undefined>;
};

/** The broker access the server will enforce with this environment (its own default rule). */
export function demoBrokerAccess(env: Env): string {
  const set = env.BROKER_ACCESS;
  if (set !== undefined && set !== '') return set;
  return env.MQTT_URL !== undefined && env.MQTT_URL !== '' ? 'none' : 'registry';
}

type Env = Record<string, string | undefined>;

/** Reads the demo's flags (which win) and environment; throws SimulatorInputError naming the bad one. */
export function parseDemoOptions(argv: readonly string[], env: Env): DemoOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        sensors: { type: 'string' },
        drones: { type: 'string' },
        interval: { type: 'string' },
        faults: { type: 'string' },
        legacy: { type: 'string' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new SimulatorInputError((error as Error).message);
  }
  if (values.help === true) return 'help';
  const setting = (flag: string, variable: string, fallback: string) => {
    const fromFlag = values[flag] as string | undefined;
    return {
      name: fromFlag === undefined ? variable : `--${flag}`,
      raw: fromFlag ?? env[variable] ?? fallback,
    };
  };
  const httpPort = port(env, 'PORT', 3000);
  const brokerUrl =
    env.MQTT_URL !== undefined && env.MQTT_URL !== ''
      ? env.MQTT_URL
      : `mqtt://${connectHost(env.MQTT_HOST)}:${port(env, 'MQTT_PORT', 1883)}`;
  const legacyFraction = number(setting('legacy', 'DEMO_LEGACY', '0'));
  if (legacyFraction > 0 && demoBrokerAccess(env) !== 'none') {
    // No device role allows the legacy topics: such devices would be disconnected at once.
    throw new SimulatorInputError(
      `legacy devices need BROKER_ACCESS=none (the broker enforces ${demoBrokerAccess(env)})`,
    );
  }
  return {
    sensors: count(setting('sensors', 'DEMO_SENSORS', '12')),
    drones: count(setting('drones', 'DEMO_DRONES', '3')),
    intervalMs: number(setting('interval', 'DEMO_INTERVAL_MS', '1000')),
    faultRate: number(setting('faults', 'DEMO_FAULT_RATE', '0.05')),
    legacyFraction,
    healthTimeoutMs: positive(setting('wait', 'DEMO_WAIT_S', '120')) * 1000,
    httpUrl: `http://${connectHost(env.HOST)}:${httpPort}`,
    brokerUrl,
    topicRoot: env.MQTT_TOPIC_ROOT === '' ? undefined : env.MQTT_TOPIC_ROOT,
    serverEnv: { ...env },
  };
}

/** A wildcard bind address is reached on loopback; a specific one as given. */
function connectHost(bind: string | undefined): string {
  if (bind === undefined || bind === '' || bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::') return '[::1]';
  return bind.includes(':') ? `[${bind}]` : bind;
}

function port(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    // 0 would let the server pick a port the demo cannot know.
    throw new SimulatorInputError(
      `${variable} must be a port in 1..65535 for the demo, got ${raw}`,
    );
  }
  return value;
}

function number({ name, raw }: { name: string; raw: string }): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new SimulatorInputError(`${name} must be a number, got ${raw}`);
  }
  return value;
}

function positive(setting: { name: string; raw: string }): number {
  const value = number(setting);
  if (value <= 0)
    throw new SimulatorInputError(`${setting.name} must be positive, got ${setting.raw}`);
  return value;
}

function count(setting: { name: string; raw: string }): number {
  const value = number(setting);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SimulatorInputError(
      `${setting.name} must be a whole number >= 0, got ${setting.raw}`,
    );
  }
  return value;
}
