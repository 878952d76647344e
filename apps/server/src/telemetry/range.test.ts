import { describe, expect, test } from 'bun:test';
import { InvalidInputError } from '../errors';
import {
  alignRange,
  formatBucket,
  MAX_BUCKETS,
  parseBucket,
  parseInstant,
  resolveRange,
} from './range';

describe('parseBucket', () => {
  test.each([
    ['30s', 30_000],
    ['1m', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['31d', 31 * 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseBucket(text)).toBe(ms);
  });

  test.each(['', '0m', '5', 'm', '5 m', '5M', '1w', '-1h', '1.5h', '05m', '32d', '1h30m'])(
    "rejects '%s'",
    (text) => {
      expect(() => parseBucket(text)).toThrow(InvalidInputError);
    },
  );

  test('formatBucket picks the largest exact unit', () => {
    expect([300_000, 3_600_000, 90_000, 86_400_000, 5_000].map(formatBucket)).toEqual([
      '5m',
      '1h',
      '90s',
      '1d',
      '5s',
    ]);
  });
});

describe('parseInstant', () => {
  const noon = Date.UTC(2026, 0, 31, 12, 0, 0);
  test.each([
    [noon, noon],
    [String(noon), noon],
    ['2026-01-31T12:00:00Z', noon],
    ['2026-01-31T12:00:00.000Z', noon],
    ['2026-01-31T13:00:00+01:00', noon],
    ['2026-01-31T13:00:00+0100', noon],
    ['2026-01-31 12:00:00Z', noon],
    ['2026-01-31T12:00', noon],
    ['2026-01-31', Date.UTC(2026, 0, 31)],
  ])('%p', (input, expected) => {
    expect(parseInstant(input, 'from').getTime()).toBe(expected);
  });

  test.each(['yesterday', '2026-13-01T00:00:00Z', '31/01/2026', '', '1e12', '12.5'])(
    "rejects '%s' naming the field",
    (input) => {
      expect(() => parseInstant(input, 'to')).toThrow(/^to must be epoch milliseconds or an ISO/);
    },
  );

  test('rejects fractional and non-finite numbers', () => {
    expect(() => parseInstant(1.5, 'from')).toThrow(InvalidInputError);
    expect(() => parseInstant(Number.NaN, 'from')).toThrow(InvalidInputError);
  });
});

describe('resolveRange', () => {
  const now = new Date('2026-01-31T12:00:00Z');

  test('defaults to the last hour', () => {
    const range = resolveRange({}, now, { raw: true });
    expect(range.to).toEqual(now);
    expect(range.from).toEqual(new Date('2026-01-31T11:00:00Z'));
  });

  test('from must be before to', () => {
    expect(() => resolveRange({ from: now, to: now }, now, { raw: false })).toThrow(
      /must be before to/,
    );
  });

  test('raw ranges are capped at 31 days, bucketed ones are not', () => {
    const from = new Date(now.getTime() - 32 * 86_400_000);
    expect(() => resolveRange({ from, to: now }, now, { raw: true })).toThrow(/at most 31 days/);
    expect(resolveRange({ from, to: now }, now, { raw: false }).from).toEqual(from);
  });
});

describe('alignRange', () => {
  test('widens to whole epoch-aligned buckets', () => {
    const range = alignRange(
      { from: new Date('2026-01-31T12:03:10Z'), to: new Date('2026-01-31T12:10:01Z') },
      300_000,
    );
    expect(range.from.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-01-31T12:15:00.000Z');
  });

  test('caps the bucket count', () => {
    const from = new Date(0);
    expect(() => alignRange({ from, to: new Date((MAX_BUCKETS + 1) * 1000) }, 1000)).toThrow(
      /10001 buckets of 1s, more than 10000/,
    );
    expect(alignRange({ from, to: new Date(MAX_BUCKETS * 1000) }, 1000).to.getTime()).toBe(
      MAX_BUCKETS * 1000,
    );
  });
});
