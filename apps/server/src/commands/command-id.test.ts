import { expect, test } from 'bun:test';
import { commandIdTime, newCommandId } from './command-id';

test('ids carry their creation time and sort by it', () => {
  const a = newCommandId(1_700_000_000_000);
  const b = newCommandId(1_700_000_000_001);
  expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(commandIdTime(a)).toBe(1_700_000_000_000);
  expect(a < b).toBe(true);
  expect(newCommandId(5)).not.toBe(newCommandId(5));
});

test('times outside 48 bits and foreign ids are refused', () => {
  expect(() => newCommandId(-1)).toThrow(RangeError);
  expect(() => newCommandId(2 ** 48)).toThrow(RangeError);
  expect(() => commandIdTime('not-an-id!')).toThrow(RangeError);
});
