import { describe, expect, test } from 'bun:test';
import { type DemoOptions, parseDemoOptions } from './demo-options';

function parse(argv: string[], env: Record<string, string | undefined> = {}): DemoOptions {
  const parsed = parseDemoOptions(argv, env);
  if (parsed === 'help') throw new Error('expected options, got help');
  return parsed;
}

describe('parseDemoOptions', () => {
  test('defaults: 12 sensors, 3 drones, 1 s, a small fault rate, the embedded broker and port 3000', () => {
    const options = parse([], { PATH: '/usr/bin' });
    expect(options).toMatchObject({
      sensors: 12,
      drones: 3,
      intervalMs: 1000,
      faultRate: 0.05,
      legacyFraction: 0,
      healthTimeoutMs: 120_000,
      httpUrl: 'http://127.0.0.1:3000',
      brokerUrl: 'mqtt://127.0.0.1:1883',
    });
    expect(options.serverEnv).toEqual({ PATH: '/usr/bin' });
  });

  test('environment sets counts and ports; flags win over the environment', () => {
    const env = {
      DEMO_SENSORS: '40',
      DEMO_DRONES: '0',
      DEMO_INTERVAL_MS: '500',
      DEMO_FAULT_RATE: '0.1',
      PORT: '3100',
      MQTT_PORT: '1999',
      HOST: '0.0.0.0',
      UNKNOWN_DEVICES: 'reject',
    };
    const options = parse(['--sensors', '5', '--faults', '0', '--wait', '3'], env);
    expect(options).toMatchObject({
      sensors: 5,
      drones: 0,
      intervalMs: 500,
      faultRate: 0,
      healthTimeoutMs: 3000,
      httpUrl: 'http://127.0.0.1:3100',
      brokerUrl: 'mqtt://127.0.0.1:1999',
    });
    // The user's choice is passed through untouched.
    expect(options.serverEnv.UNKNOWN_DEVICES).toBe('reject');
  });

  test('an external broker is used as given; IPv6 binds are bracketed', () => {
    const options = parse([], { MQTT_URL: 'mqtt://10.0.0.5:1883', HOST: '::1' });
    expect(options.brokerUrl).toBe('mqtt://10.0.0.5:1883');
    expect(options.httpUrl).toBe('http://[::1]:3000');
  });

  test('legacy devices are allowed on an open broker', () => {
    expect(parse(['--legacy', '0.5'], { BROKER_ACCESS: 'none' }).legacyFraction).toBe(0.5);
    expect(parse(['--legacy', '1'], { MQTT_URL: 'mqtt://10.0.0.5:1883' }).legacyFraction).toBe(1);
  });

  test('--help', () => {
    expect(parseDemoOptions(['--help'], {})).toBe('help');
  });

  test.each([
    [['--sensors', 'lots'], {}, '--sensors must be a number'],
    [['--drones=-2'], {}, '--drones must be a whole number'],
    [[], { DEMO_SENSORS: '2.5' }, 'DEMO_SENSORS must be a whole number'],
    [[], { DEMO_FAULT_RATE: 'x' }, 'DEMO_FAULT_RATE must be a number'],
    [[], { PORT: '0' }, 'PORT must be a port in 1..65535'],
    [[], { MQTT_PORT: '70000' }, 'MQTT_PORT must be a port'],
    [['--wait', '0'], {}, '--wait must be positive'],
    [['--nope'], {}, 'nope'],
    [['--legacy', '0.5'], {}, 'legacy devices need BROKER_ACCESS=none'],
    [[], { DEMO_LEGACY: '1', MQTT_URL: 'mqtt://b', BROKER_ACCESS: 'dynsec' }, 'enforces dynsec'],
  ])('rejects %p %p', (argv, env, message) => {
    expect(() => parseDemoOptions(argv, env)).toThrow(message);
  });
});
