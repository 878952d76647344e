import { describe, expect, test } from 'bun:test';
import { parseCliArgs } from './cli-args';
import { validateFleetOptions } from './fleet';

function options(argv: string[]) {
  const command = parseCliArgs(argv);
  if (command.help) throw new Error('expected options, got help');
  return command.options;
}

describe('parseCliArgs', () => {
  test('defaults describe a 20 + 5 fleet on the local broker without faults', () => {
    const parsed = options([]);
    expect(parsed).toMatchObject({
      url: 'mqtt://127.0.0.1:1883',
      sensors: 20,
      drones: 5,
      intervalMs: 1000,
      faultRate: 0,
      legacyFraction: 0,
      durationMs: undefined,
      credentials: undefined,
    });
    expect(() => validateFleetOptions(parsed)).not.toThrow();
  });

  test('reads every flag, duration in seconds, credentials per device', () => {
    const parsed = options([
      '--url',
      'mqtt://broker:1884',
      '--sensors',
      '3',
      '--drones=0',
      '--interval',
      '250',
      '--faults',
      '0.02',
      '--legacy',
      '0.5',
      '--duration',
      '1.5',
      '--prefix',
      'lab-',
      '--topic-root',
      'site1',
      '--username',
      '{id}',
      '--password',
      'secret-{id}',
    ]);
    expect(parsed).toMatchObject({
      url: 'mqtt://broker:1884',
      sensors: 3,
      drones: 0,
      intervalMs: 250,
      faultRate: 0.02,
      legacyFraction: 0.5,
      durationMs: 1500,
      idPrefix: 'lab-',
      topicRoot: 'site1',
    });
    expect(parsed.credentials?.('lab-sensor-001')).toEqual({
      username: 'lab-sensor-001',
      password: 'secret-lab-sensor-001',
    });
  });

  test('--help and -h ask for the usage text', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['-h'])).toEqual({ help: true });
  });

  test.each([
    [['--sensors', 'many'], '--sensors must be a number'],
    [['--sensors', '1.5'], '--sensors must be a whole number'],
    [['--interval', ''], '--interval must be a number'],
    [['--bogus'], 'bogus'],
    [['extra'], 'extra'],
    [['--password', 'x'], '--password needs --username'],
  ])('rejects %p', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  test.each([
    [['--url', 'http://x'], 'url must use mqtt'],
    [['--url', 'nonsense'], 'url must be a broker URL'],
    [['--sensors', '0', '--drones', '0'], 'at least one'],
    [['--sensors=-1'], 'sensors must be an integer'],
    [['--interval', '10'], 'intervalMs must be at least 50'],
    [['--faults', '1'], 'faultRate'],
    [['--legacy', '2'], 'legacyFraction'],
    [['--duration', '0'], 'durationMs must be a positive'],
  ])('validation refuses %p', (argv, message) => {
    expect(() => validateFleetOptions(options(argv))).toThrow(message);
  });
});
