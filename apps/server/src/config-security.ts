/**
 * The security part of the configuration: the first admin, HTTPS, the server's own TLS client
 * material for mqtts://, who manages broker credentials, and when a silent device counts as
 * offline. Read by loadConfig, never elsewhere.
 */
import { existsSync } from 'node:fs';
import {
  ConfigError,
  type Env,
  readBoolean,
  readEnum,
  readInteger,
  readString,
} from './config-read';

export const BROKER_ACCESS_KINDS = ['registry', 'dynsec', 'none'] as const;
export type BrokerAccessKind = (typeof BROKER_ACCESS_KINDS)[number];

export type SecurityConfig = {
  auth: {
    /** ADMIN_USER / ADMIN_PASSWORD: the first admin, created on first start when no user exists. */
    firstAdmin?: { username: string; password: string };
    /** SECURE_COOKIES: mark session cookies Secure on plain HTTP too (behind a TLS proxy). */
    secureCookies: boolean;
  };
  /** TLS_CERT / TLS_KEY (PEM paths): serve HTTPS; TLS_CA: CA of optional client certificates. */
  https?: { cert: string; key: string; ca?: string };
  /** MQTT_CA / MQTT_CERT / MQTT_KEY: the server's TLS material for an mqtts:// broker. */
  mqttTls?: { ca?: string; cert?: string; key?: string };
  /**
   * BROKER_ACCESS: who enforces device credentials and ACLs. 'registry' (the default without
   * MQTT_URL): the embedded broker's hooks ask the device registry. 'dynsec': the server manages
   * Mosquitto's dynamic-security plugin. 'none' (the default with MQTT_URL): an external broker
   * configured by hand, or an embedded broker open to any client (development only).
   */
  brokerAccess: BrokerAccessKind;
  devices: {
    /** DEVICE_OFFLINE_AFTER_S: silence after which a device is marked offline. */
    offlineAfterS: number;
  };
};

/** Reads the security variables; `embedded` tells whether Vigil runs its own broker. */
export function readSecurityConfig(env: Env, embedded: boolean): SecurityConfig {
  const adminUser = readString(env, 'ADMIN_USER');
  const adminPassword = readString(env, 'ADMIN_PASSWORD');
  if ((adminUser === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(
      adminUser === undefined ? 'ADMIN_USER' : 'ADMIN_PASSWORD',
      'ADMIN_USER and ADMIN_PASSWORD set together',
    );
  }
  if (adminPassword !== undefined && adminPassword.length < 12) {
    throw new ConfigError('ADMIN_PASSWORD', 'at least 12 characters');
  }
  const brokerAccess = readEnum(
    env,
    'BROKER_ACCESS',
    BROKER_ACCESS_KINDS,
    embedded ? 'registry' : 'none',
  );
  if (brokerAccess === 'dynsec' && embedded) {
    throw new ConfigError(
      'BROKER_ACCESS',
      "'registry' or 'none' without MQTT_URL ('dynsec' needs Mosquitto)",
    );
  }
  if (brokerAccess === 'registry' && !embedded) {
    throw new ConfigError(
      'BROKER_ACCESS',
      "'dynsec' or 'none' with MQTT_URL ('registry' is the embedded broker's)",
    );
  }
  const cert = readPemPath(env, 'TLS_CERT');
  const key = readPemPath(env, 'TLS_KEY');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(
      cert === undefined ? 'TLS_CERT' : 'TLS_KEY',
      'TLS_CERT and TLS_KEY set together',
    );
  }
  const ca = readPemPath(env, 'TLS_CA');
  const mqttTls = {
    ca: readPemPath(env, 'MQTT_CA'),
    cert: readPemPath(env, 'MQTT_CERT'),
    key: readPemPath(env, 'MQTT_KEY'),
  };
  if ((mqttTls.cert === undefined) !== (mqttTls.key === undefined)) {
    throw new ConfigError(
      mqttTls.cert === undefined ? 'MQTT_CERT' : 'MQTT_KEY',
      'MQTT_CERT and MQTT_KEY set together',
    );
  }
  return {
    auth: {
      ...(adminUser !== undefined && adminPassword !== undefined
        ? { firstAdmin: { username: adminUser, password: adminPassword } }
        : {}),
      secureCookies: readBoolean(env, 'SECURE_COOKIES', cert !== undefined),
    },
    ...(cert !== undefined && key !== undefined
      ? { https: { cert, key, ...(ca === undefined ? {} : { ca }) } }
      : {}),
    ...(Object.values(mqttTls).some((v) => v !== undefined)
      ? { mqttTls: Object.fromEntries(Object.entries(mqttTls).filter(([, v]) => v !== undefined)) }
      : {}),
    brokerAccess,
    devices: { offlineAfterS: readInteger(env, 'DEVICE_OFFLINE_AFTER_S', 300, 10, 7 * 86_400) },
  };
}

/** A path to an existing PEM file, or undefined when unset. */
function readPemPath(env: Env, name: string): string | undefined {
  const path = readString(env, name);
  if (path !== undefined && !existsSync(path)) {
    throw new ConfigError(name, `the path of an existing PEM file, got '${path}'`);
  }
  return path;
}
