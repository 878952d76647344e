import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from './config';
import { DEFAULT_MODEL_PATH } from './config-evidence';

/** Any existing file stands in for a PEM path (the config checks existence, not content). */
const PEM = import.meta.path;

/** The ConfigError thrown for `env`, or a failure when none is thrown. */
function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  test('an empty environment gives the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: './.vigil',
      databaseUrl: undefined,
      mqtt: {
        url: undefined,
        port: 1883,
        host: '127.0.0.1',
        username: undefined,
        password: undefined,
        clientId: 'vigil-server-1',
        shareGroup: 'vigil',
        topicRoot: 'devices',
        consumers: 1,
      },
      ingest: {
        batchSize: 1000,
        flushMs: 15,
        maxInflight: 10_000,
        unknownDevices: 'reject',
        legacy: { flat: false, node: false, drone: false },
      },
      logLevel: 'info',
      auth: { secureCookies: false },
      brokerAccess: 'registry',
      devices: { offlineAfterS: 300 },
      detection: {
        enabled: true,
        modelPath: DEFAULT_MODEL_PATH,
        metadataPath: DEFAULT_MODEL_PATH.replace(/\.onnx$/, '.json'),
        threshold: undefined,
        maxDevices: 100_000,
      },
      evidence: {
        rpcUrl: undefined,
        contract: undefined,
        privateKey: undefined,
        chainPort: 0,
        batchMs: 1000,
        batchMax: 1000,
      },
    });
  });

  test('empty values count as unset, except MQTT_SHARE_GROUP where empty means none', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ', MQTT_SHARE_GROUP: '' });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.mqtt.shareGroup).toBe('');
  });
});

describe('loadConfig accepts good values', () => {
  test('every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/vigil',
      DATABASE_URL: 'postgres://vigil:secret@db:5432/vigil',
      MQTT_URL: 'mqtts://broker.example:8883',
      MQTT_PORT: '11883',
      MQTT_HOST: '::',
      MQTT_USERNAME: 'server',
      MQTT_PASSWORD: 'pw',
      MQTT_CLIENT_ID: 'vigil-server-2',
      MQTT_SHARE_GROUP: 'ingest_a',
      MQTT_TOPIC_ROOT: 'acme/devices',
      MQTT_CONSUMERS: '4',
      INGEST_BATCH_SIZE: '500',
      INGEST_FLUSH_MS: '20',
      INGEST_MAX_INFLIGHT: '5000',
      UNKNOWN_DEVICES: 'reject',
      LEGACY_FLAT: 'no',
      LEGACY_NODE: 'false',
      LEGACY_DRONE: '0',
      LOG_LEVEL: 'DEBUG',
      ADMIN_USER: 'root',
      ADMIN_PASSWORD: 'a long admin password',
      TLS_CERT: PEM,
      TLS_KEY: PEM,
      TLS_CA: PEM,
      MQTT_CA: PEM,
      MQTT_CERT: PEM,
      MQTT_KEY: PEM,
      BROKER_ACCESS: 'dynsec',
      DEVICE_OFFLINE_AFTER_S: '90',
      MODEL_PATH: '/opt/vigil/model.onnx',
      MODEL_METADATA_PATH: '/opt/vigil/model-meta.json',
      DETECTION_ENABLED: 'off',
      DETECTION_THRESHOLD: '0.7',
      DETECTION_MAX_DEVICES: '5000',
      CHAIN_RPC_URL: 'https://rpc.example',
      EVIDENCE_CONTRACT: `0x${'ab'.repeat(20)}`,
      CHAIN_KEY: `0x${'11'.repeat(32)}`,
      CHAIN_PORT: '8545',
      EVIDENCE_BATCH_MS: '5000',
      EVIDENCE_BATCH_MAX: '2000',
    });
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/vigil',
      databaseUrl: 'postgres://vigil:secret@db:5432/vigil',
      mqtt: {
        url: 'mqtts://broker.example:8883',
        port: 11883,
        host: '::',
        username: 'server',
        password: 'pw',
        clientId: 'vigil-server-2',
        shareGroup: 'ingest_a',
        topicRoot: 'acme/devices',
        consumers: 4,
      },
      ingest: {
        batchSize: 500,
        flushMs: 20,
        maxInflight: 5000,
        unknownDevices: 'reject',
        legacy: { flat: false, node: false, drone: false },
      },
      logLevel: 'debug',
      auth: {
        firstAdmin: { username: 'root', password: 'a long admin password' },
        secureCookies: true,
      },
      https: { cert: PEM, key: PEM, ca: PEM },
      mqttTls: { ca: PEM, cert: PEM, key: PEM },
      brokerAccess: 'dynsec',
      devices: { offlineAfterS: 90 },
      detection: {
        enabled: false,
        modelPath: '/opt/vigil/model.onnx',
        metadataPath: '/opt/vigil/model-meta.json',
        threshold: 0.7,
        maxDevices: 5000,
      },
      evidence: {
        rpcUrl: 'https://rpc.example',
        contract: `0x${'ab'.repeat(20)}`,
        privateKey: `0x${'11'.repeat(32)}`,
        chainPort: 8545,
        batchMs: 5000,
        batchMax: 2000,
      },
    });
  });

  test('a Unix-socket PostgreSQL URL without a host', () => {
    const url = 'postgresql:///vigil?host=/run/postgresql';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  test('port 0 (pick a free port) for HTTP and the embedded broker', () => {
    const config = loadConfig({ PORT: '0', MQTT_PORT: '0' });
    expect([config.port, config.mqtt.port]).toEqual([0, 0]);
  });
});

describe('loadConfig rejects bad values, naming the variable', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['PORT', { PORT: '70000' }, /integer from 0 to 65535/],
    ['PORT', { PORT: '3000abc' }, /got '3000abc'/],
    ['PORT', { PORT: '-1' }, /integer/],
    ['HOST', { HOST: 'http://0.0.0.0' }, /IP address or host name/],
    ['MQTT_HOST', { MQTT_HOST: '0.0.0.0:1883' }, /IP address or host name/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/vigil' }, /postgres:\/\//],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /URL/],
    ['MQTT_URL', { MQTT_URL: 'http://broker:1883' }, /mqtt:\/\//],
    ['MQTT_URL', { MQTT_URL: 'mqtt://' }, /host/],
    ['MQTT_PORT', { MQTT_PORT: '1.5' }, /integer/],
    ['MQTT_PASSWORD', { MQTT_PASSWORD: 'pw' }, /MQTT_USERNAME/],
    ['MQTT_CLIENT_ID', { MQTT_CLIENT_ID: 'has space' }, /characters/],
    ['MQTT_SHARE_GROUP', { MQTT_SHARE_GROUP: 'a/b' }, /no '\/'/],
    ['MQTT_TOPIC_ROOT', { MQTT_TOPIC_ROOT: 'devices/#' }, /without '\+', '#'/],
    ['MQTT_TOPIC_ROOT', { MQTT_TOPIC_ROOT: '/devices' }, /none empty/],
    ['MQTT_CONSUMERS', { MQTT_CONSUMERS: '0' }, /from 1 to 64/],
    ['INGEST_BATCH_SIZE', { INGEST_BATCH_SIZE: '0' }, /from 1 to 100000/],
    ['INGEST_FLUSH_MS', { INGEST_FLUSH_MS: 'fast' }, /integer/],
    ['INGEST_MAX_INFLIGHT', { INGEST_MAX_INFLIGHT: 'x' }, /integer/],
    ['INGEST_MAX_INFLIGHT', { INGEST_BATCH_SIZE: '2000', INGEST_MAX_INFLIGHT: '1000' }, /2000/],
    ['UNKNOWN_DEVICES', { UNKNOWN_DEVICES: 'accept' }, /reject, register/],
    ['LEGACY_FLAT', { LEGACY_FLAT: 'maybe' }, /true or false/],
    ['LEGACY_NODE', { LEGACY_NODE: '2' }, /true or false/],
    ['LEGACY_DRONE', { LEGACY_DRONE: 'nope' }, /true or false/],
    ['LEGACY_NODE', { LEGACY_NODE: 'true' }, /BROKER_ACCESS=registry/],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, /debug, info, warn, error/],
    ['ADMIN_PASSWORD', { ADMIN_USER: 'root' }, /set together/],
    ['ADMIN_USER', { ADMIN_PASSWORD: 'a long admin password' }, /set together/],
    ['ADMIN_PASSWORD', { ADMIN_USER: 'root', ADMIN_PASSWORD: 'short' }, /at least 12/],
    ['BROKER_ACCESS', { BROKER_ACCESS: 'acl' }, /registry, dynsec, none/],
    ['BROKER_ACCESS', { BROKER_ACCESS: 'dynsec' }, /needs Mosquitto/],
    ['BROKER_ACCESS', { MQTT_URL: 'mqtt://b:1883', BROKER_ACCESS: 'registry' }, /embedded/],
    ['UNKNOWN_DEVICES', { UNKNOWN_DEVICES: 'register' }, /BROKER_ACCESS=none/],
    [
      'UNKNOWN_DEVICES',
      { MQTT_URL: 'mqtt://b:1883', BROKER_ACCESS: 'dynsec', UNKNOWN_DEVICES: 'register' },
      /only registered devices/,
    ],
    ['TLS_CERT', { TLS_CERT: '/nonexistent/server.crt', TLS_KEY: PEM }, /existing PEM file/],
    ['TLS_KEY', { TLS_CERT: PEM }, /set together/],
    ['MQTT_KEY', { MQTT_CERT: PEM }, /set together/],
    ['DEVICE_OFFLINE_AFTER_S', { DEVICE_OFFLINE_AFTER_S: '5' }, /from 10 to 604800/],
  ];
  for (const [variable, env, expected] of cases) {
    test(`${variable}=${JSON.stringify(Object.values(env).at(-1))}`, () => {
      const error = errorFor(env);
      expect(error.variable).toBe(variable);
      expect(error.message.startsWith(`${variable}: expected `)).toBe(true);
      expect(error.message).toMatch(expected);
    });
  }

  test('a URL with a password never appears in the message', () => {
    const error = errorFor({ DATABASE_URL: 'mysql://user:hunter2@db/vigil' });
    expect(error.message).not.toContain('hunter2');
  });
});

describe('security defaults', () => {
  test('the embedded broker enforces the registry unless opened explicitly', () => {
    expect(loadConfig({}).brokerAccess).toBe('registry');
    const open = loadConfig({ BROKER_ACCESS: 'none', UNKNOWN_DEVICES: 'register' });
    expect(open.brokerAccess).toBe('none');
    expect(open.ingest.unknownDevices).toBe('register');
    expect(open.ingest.legacy).toEqual({ flat: false, node: true, drone: true });
    expect(loadConfig({ BROKER_ACCESS: 'none', LEGACY_FLAT: 'yes' }).ingest.legacy.flat).toBe(true);
  });

  test('an external broker defaults to unmanaged access; HTTPS makes cookies Secure', () => {
    expect(loadConfig({ MQTT_URL: 'mqtt://b:1883' }).brokerAccess).toBe('none');
    expect(
      loadConfig({ MQTT_URL: 'mqtt://b:1883', UNKNOWN_DEVICES: 'register' }).ingest.unknownDevices,
    ).toBe('register');
    expect(loadConfig({ TLS_CERT: PEM, TLS_KEY: PEM }).auth.secureCookies).toBe(true);
    expect(
      loadConfig({ TLS_CERT: PEM, TLS_KEY: PEM, SECURE_COOKIES: 'false' }).auth.secureCookies,
    ).toBe(false);
  });

  test('the admin password never appears in an error', () => {
    const error = errorFor({ ADMIN_USER: 'root', ADMIN_PASSWORD: 'hunter2' });
    expect(error.message).not.toContain('hunter2');
  });
});
