import { describe, expect, test } from 'bun:test';
import { InvalidInputError } from '../errors';
import { COMMAND_NAMES, catalogueFor, validateCommand } from './catalogue';

describe('command catalogue', () => {
  test('a known model gets its own commands, an unknown one the whole catalogue', () => {
    expect(catalogueFor('vigil-sim-drone').map((c) => c.name)).toEqual([
      'defense',
      'set_interval',
      'reboot',
    ]);
    expect(catalogueFor('generic').map((c) => c.name)).toEqual(COMMAND_NAMES);
    expect(catalogueFor('vigil-sim-sensor')[0]?.params.properties).toHaveProperty('on');
  });

  test('each entry carries its parameters as form fields too', () => {
    const fields = Object.fromEntries(catalogueFor('generic').map((c) => [c.name, c.fields]));
    expect(fields).toEqual({
      defense: [{ name: 'on', label: 'On', type: 'boolean' }],
      set_led: [{ name: 'on', label: 'On', type: 'boolean' }],
      set_servo: [{ name: 'angle', label: 'Angle (degrees)', type: 'integer', min: 0, max: 180 }],
      set_interval: [
        { name: 'ms', label: 'Interval (ms)', type: 'integer', min: 200, max: 3_600_000 },
      ],
      reboot: [],
    });
  });

  test('valid parameters pass unchanged', () => {
    expect(validateCommand('generic', 'set_servo', { angle: 180 })).toEqual({ angle: 180 });
    expect(validateCommand('generic', 'set_interval', { ms: 200 })).toEqual({ ms: 200 });
    expect(validateCommand('generic', 'reboot', {})).toEqual({});
    expect(validateCommand('generic', 'defense', { on: false })).toEqual({ on: false });
  });

  test.each([
    ['set_servo', { angle: 181 }, 'params.angle'],
    ['set_servo', { angle: -1 }, 'params.angle'],
    ['set_servo', { angle: 12.5 }, 'params.angle'],
    ['set_servo', {}, 'params.angle'],
    ['set_interval', { ms: 199 }, 'params.ms'],
    ['set_interval', { ms: 3_600_001 }, 'params.ms'],
    ['set_led', { on: 'yes' }, 'params.on'],
    ['reboot', { now: true }, 'params'],
    ['defense', null, 'params'],
  ])('%s %j is refused naming %s', (name, params, field) => {
    expect(() => validateCommand('generic', name, params)).toThrow(InvalidInputError);
    expect(() => validateCommand('generic', name, params)).toThrow(`${name}: ${field}`);
  });

  test('a command the model lacks is refused with the ones it has', () => {
    expect(() => validateCommand('vigil-sim-drone', 'set_led', { on: true })).toThrow(
      "unknown command 'set_led' for model 'vigil-sim-drone' (known: defense, set_interval, reboot)",
    );
    expect(() => validateCommand('generic', 'selfdestruct', {})).toThrow('unknown command');
  });
});
