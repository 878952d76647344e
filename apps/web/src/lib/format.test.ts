import { describe, expect, test } from 'bun:test';
import { formatAgo, formatMetric, parseTime } from './format';

describe('formatAgo', () => {
  const now = Date.UTC(2026, 0, 31, 12, 0, 0);
  test('says never for a device never seen', () => {
    expect(formatAgo(null, now)).toBe('never');
  });
  test('picks the largest sensible unit', () => {
    expect(formatAgo(now - 2000, now)).toBe('just now');
    expect(formatAgo(now - 42_000, now)).toBe('42 s ago');
    expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAgo(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(formatAgo(now - 3 * 86_400_000, now)).toBe('3 d ago');
  });
  test('treats a time slightly in the future (clock skew) as just now', () => {
    expect(formatAgo(now + 3000, now)).toBe('just now');
  });
});

describe('formatMetric', () => {
  test('keeps integers whole and rounds fractions by magnitude', () => {
    expect(formatMetric(21)).toBe('21');
    expect(formatMetric(21.456)).toBe('21.46');
    expect(formatMetric(1013.27)).toBe('1013.3');
    expect(formatMetric(0.01234)).toBe('0.012');
    expect(formatMetric(22.5)).toBe('22.5');
  });
  test('shows booleans as words and a missing value as a dash', () => {
    expect(formatMetric(true)).toBe('on');
    expect(formatMetric(false)).toBe('off');
    expect(formatMetric(undefined)).toBe('-');
  });
});

describe('parseTime', () => {
  test('reads ISO times and passes null through', () => {
    expect(parseTime('2026-01-31T12:00:00.000Z')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseTime(null)).toBeNull();
    expect(parseTime('not a time')).toBeNull();
  });
});
