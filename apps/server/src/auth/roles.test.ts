import { describe, expect, test } from 'bun:test';
import { parseRole, ROLES, roleAtLeast } from './roles';

describe('roles', () => {
  test('each role grants itself and everything below, nothing above', () => {
    expect(roleAtLeast('admin', 'viewer')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('operator', 'viewer')).toBe(true);
    expect(roleAtLeast('operator', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(ROLES).toEqual(['viewer', 'operator', 'admin']);
  });

  test('parseRole accepts only known roles', () => {
    expect(parseRole('operator')).toBe('operator');
    expect(parseRole('root')).toBeUndefined();
    expect(parseRole('')).toBeUndefined();
  });
});
