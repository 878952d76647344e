/**
 * The one reader of the environment. Every variable is validated once, at start; a bad value
 * throws a ConfigError naming the variable and what was expected, so the server never runs on a
 * half-understood configuration.
 */
import { isIP } from 'node:net';
import { type DetectionEvidenceConfig, readDetectionEvidenceConfig } from './config-evidence';
import {
  ConfigError,
  type Env,
  readBoolean,
  readEnum,
  readInteger,
  readString,
  readUrl,
} from './config-read';
import { readSecurityConfig, type SecurityConfig } from './config-security';

export { ConfigError } from './config-read';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Config = {
  /** PORT: HTTP listen port (0 picks a free one). */
  port: number;
  /** HOST: HTTP bind address (loopback by default; 0.0.0.0 to serve the network). */
  host: string;
  /** DATA_DIR: where PGlite keeps its files when DATABASE_URL is absent. */
  dataDir: string;
  /** DATABASE_URL: PostgreSQL connection URL; absent means PGlite in dataDir. */
  databaseUrl?: string;
  mqtt: {
    /** MQTT_URL: external broker; absent means the embedded Aedes broker. */
    url?: string;
    /** MQTT_PORT: the embedded broker's listen port. */
    port: number;
    /** MQTT_HOST: the embedded broker's bind address (loopback by default). */
    host: string;
    username?: string;
    password?: string;
    /** MQTT_CLIENT_ID: stable, so the broker keeps the persistent session across restarts. */
    clientId: string;
    /** MQTT_SHARE_GROUP: shared-subscription group; '' subscribes without one. */
    shareGroup: string;
    topicRoot: string;
    /** MQTT_CONSUMERS: connections per process in the share group. */
    consumers: number;
  };
  ingest: {
    batchSize: number;
    flushMs: number;
    /** Unacknowledged messages held at most; the backpressure bound. */
    maxInflight: number;
    /** UNKNOWN_DEVICES: 'register' only with BROKER_ACCESS=none (see checkUnknownDevices). */
    unknownDevices: 'reject' | 'register';
    legacy: { flat: boolean; node: boolean; drone: boolean };
  };
  logLevel: LogLevel;
} & SecurityConfig &
  DetectionEvidenceConfig;

/** Validates the environment and returns the typed configuration; throws ConfigError. */
export function loadConfig(env: Env): Config {
  const username = readString(env, 'MQTT_USERNAME');
  const password = readString(env, 'MQTT_PASSWORD');
  // MQTT 3.1.1 forbids a password without a user name; a broker would refuse the CONNECT later.
  if (password !== undefined && username === undefined) {
    throw new ConfigError('MQTT_PASSWORD', 'set together with MQTT_USERNAME');
  }
  const batchSize = readInteger(env, 'INGEST_BATCH_SIZE', 1000, 1, 100_000);
  const maxInflight = readInteger(env, 'INGEST_MAX_INFLIGHT', 10_000, 1, 10_000_000);
  // Fewer inflight messages than one batch would mean a batch can never fill.
  if (maxInflight < batchSize) {
    throw new ConfigError(
      'INGEST_MAX_INFLIGHT',
      `an integer at least INGEST_BATCH_SIZE (${batchSize})`,
    );
  }
  const security = readSecurityConfig(env, readString(env, 'MQTT_URL') === undefined);
  const unknownDevices = readEnum(env, 'UNKNOWN_DEVICES', ['reject', 'register'], 'reject');
  checkUnknownDevices(unknownDevices, security.brokerAccess);
  return {
    port: readInteger(env, 'PORT', 3000, 0, 65_535),
    host: readHost(env, 'HOST'),
    dataDir: readString(env, 'DATA_DIR') ?? './.vigil',
    // No host is valid for PostgreSQL: postgres:///db?host=/run/postgresql uses a Unix socket.
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], {
      hostRequired: false,
    }),
    mqtt: {
      url: readUrl(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']),
      port: readInteger(env, 'MQTT_PORT', 1883, 0, 65_535),
      host: readHost(env, 'MQTT_HOST'),
      username,
      password,
      clientId: readClientId(env),
      shareGroup: readShareGroup(env),
      topicRoot: readTopicRoot(env),
      consumers: readInteger(env, 'MQTT_CONSUMERS', 1, 1, 64),
    },
    ingest: {
      batchSize,
      flushMs: readInteger(env, 'INGEST_FLUSH_MS', 15, 1, 60_000),
      maxInflight,
      unknownDevices,
      legacy: readLegacy(env, security.brokerAccess),
    },
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    ...security,
    ...readDetectionEvidenceConfig(env),
  };
}

/**
 * With enforced broker access only a registered device can log in and publish, so there is never
 * an unknown device to register: UNKNOWN_DEVICES=register would silently do nothing, which is a
 * misunderstanding worth stopping for.
 */
function checkUnknownDevices(
  unknownDevices: 'reject' | 'register',
  brokerAccess: SecurityConfig['brokerAccess'],
): void {
  if (unknownDevices === 'register' && brokerAccess !== 'none') {
    throw new ConfigError(
      'UNKNOWN_DEVICES',
      `'reject' with BROKER_ACCESS=${brokerAccess} (only registered devices can connect; ` +
        "'register' needs BROKER_ACCESS=none)",
    );
  }
}

/**
 * The legacy shapes predate per-device credentials (the flat one names its device only in the
 * payload), and no device role allows their topics: they work only on an open broker, so they
 * default to off under enforced access and are refused there when asked for.
 */
function readLegacy(
  env: Env,
  brokerAccess: SecurityConfig['brokerAccess'],
): Config['ingest']['legacy'] {
  const open = brokerAccess === 'none';
  const legacy = {
    flat: readBoolean(env, 'LEGACY_FLAT', false),
    node: readBoolean(env, 'LEGACY_NODE', open),
    drone: readBoolean(env, 'LEGACY_DRONE', open),
  };
  for (const [shape, on] of Object.entries(legacy)) {
    if (on && !open) {
      throw new ConfigError(
        `LEGACY_${shape.toUpperCase()}`,
        `false with BROKER_ACCESS=${brokerAccess} (no device may publish legacy topics; ` +
          'they need BROKER_ACCESS=none)',
      );
    }
  }
  return legacy;
}

function readHost(env: Env, name: string): string {
  const value = readString(env, name) ?? '127.0.0.1';
  const hostName =
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  if (isIP(value) === 0 && !hostName.test(value)) {
    throw new ConfigError(name, `an IP address or host name like 0.0.0.0, got '${value}'`);
  }
  return value;
}

function readClientId(env: Env): string {
  const value = readString(env, 'MQTT_CLIENT_ID') ?? 'vigil-server-1';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw new ConfigError('MQTT_CLIENT_ID', '1-64 characters from A-Z a-z 0-9 _ . : -');
  }
  return value;
}

function readShareGroup(env: Env): string {
  // Unlike other variables, an empty value is meaningful here: no shared subscription.
  const value = env.MQTT_SHARE_GROUP ?? 'vigil';
  if (value !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new ConfigError(
      'MQTT_SHARE_GROUP',
      "'' or 1-64 characters from A-Z a-z 0-9 _ - (no '/', '+' or '#')",
    );
  }
  return value;
}

function readTopicRoot(env: Env): string {
  const value = readString(env, 'MQTT_TOPIC_ROOT') ?? 'devices';
  const levels = value.split('/');
  if (levels.some((level) => level === '' || /[+#$\s]/.test(level))) {
    throw new ConfigError(
      'MQTT_TOPIC_ROOT',
      "topic levels separated by '/', none empty, without '+', '#', '$' or spaces",
    );
  }
  return value;
}
