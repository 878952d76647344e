import { describe, expect, test } from 'bun:test';
import { collectParams, defaultValues } from './command-form';

const angle = {
  name: 'angle',
  label: 'Angle (degrees)',
  type: 'integer',
  min: 0,
  max: 180,
} as const;
const on = { name: 'on', label: 'On', type: 'boolean' } as const;

describe('command form', () => {
  test('starts with switches off and integers at their minimum', () => {
    expect(defaultValues([on, angle])).toEqual({ on: false, angle: '0' });
  });
  test('collects typed parameters', () => {
    expect(collectParams([on, angle], { on: true, angle: '90' })).toEqual({
      ok: true,
      params: { on: true, angle: 90 },
    });
  });
  test('names the field and the range when a value is out of bounds', () => {
    expect(collectParams([angle], { angle: '181' })).toEqual({
      ok: false,
      error: 'Angle (degrees): must be between 0 and 180',
    });
  });
  test('refuses fractions and empty input', () => {
    expect(collectParams([angle], { angle: '1.5' })).toMatchObject({ ok: false });
    expect(collectParams([angle], { angle: ' ' })).toMatchObject({ ok: false });
  });
});
