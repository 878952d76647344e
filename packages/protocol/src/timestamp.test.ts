import { expect, test } from 'bun:test';
import { LIMITS } from './limits';
import { checkSkew, parseTimestamp, timestampMs } from './timestamp';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

test.each([
  ['2026-11-23T12:00:00Z', NOW],
  ['2026-11-23t12:00:00z', NOW],
  ['2026-11-23 12:00:00Z', NOW],
  ['2026-11-23T12:00:00.5Z', NOW + 500],
  ['2026-11-23T12:00:00.123456789Z', NOW + 123],
  ['2026-11-23T13:30:00+01:30', NOW],
  ['2026-11-23T06:00:00-06:00', NOW],
  ['2026-11-23T12:00:00-00:00', NOW],
  ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
  ['1970-01-01T00:00:00Z', 0],
  ['0001-01-01T00:00:00Z', -62_135_596_800_000],
])('parses %s', (text, expected) => {
  expect(parseTimestamp(text)).toEqual({ ok: true, tsMs: expected });
});

test('agrees with Date.parse on a day of every month across leap and common years', () => {
  for (const year of [1999, 2000, 2023, 2024, 2100]) {
    for (let month = 1; month <= 12; month++) {
      const text = `${year}-${String(month).padStart(2, '0')}-28T23:59:59.999Z`;
      expect(timestampMs(text)).toBe(Date.parse(text));
    }
  }
});

test.each([
  ['2026-02-29T00:00:00Z', 'day 29 does not exist in 2026-02'],
  ['1900-02-29T00:00:00Z', 'day 29 does not exist in 1900-02'],
  ['2026-04-31T00:00:00Z', 'day 31 does not exist in 2026-04'],
  ['2026-00-10T00:00:00Z', 'month 0 does not exist'],
  ['2026-13-01T00:00:00Z', 'month 13 does not exist'],
  ['2026-11-00T00:00:00Z', 'day 0 does not exist'],
  ['2026-11-23T24:00:00Z', 'hour 24 out of range'],
  ['2026-11-23T12:60:00Z', 'minute 60 out of range'],
  ['2026-11-23T23:59:60Z', 'second 60 out of range'],
  ['2026-11-23T12:00:00+24:00', 'offset +24:00 out of range'],
  ['2026-11-23T12:00:00+01:60', 'offset +01:60 out of range'],
  ['2026-11-23T12:00:00', 'expected RFC 3339'],
  ['2026-11-23T12:00Z', 'expected RFC 3339'],
  ['2026-11-23', 'expected RFC 3339'],
  ['2026-11-23T12:00:00.1234567890Z', 'expected RFC 3339'],
  [' 2026-11-23T12:00:00Z', 'expected RFC 3339'],
  ['Mon, 23 Nov 2026 12:00:00 GMT', 'expected RFC 3339'],
])('refuses %s', (text, detail) => {
  const parsed = parseTimestamp(text);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.detail).toContain(detail);
});

test('a zone-less time is accepted as UTC only when asked (legacy adapters)', () => {
  expect(parseTimestamp('2026-11-23T12:00:00').ok).toBe(false);
  expect(parseTimestamp('2026-11-23T12:00:00', { naiveAsUtc: true })).toEqual({
    ok: true,
    tsMs: NOW,
  });
});

test('epoch milliseconds must be non-negative safe integers', () => {
  expect(parseTimestamp(NOW)).toEqual({ ok: true, tsMs: NOW });
  expect(parseTimestamp(0)).toEqual({ ok: true, tsMs: 0 });
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
    expect(parseTimestamp(bad).ok).toBe(false);
  }
});

test('skew limits are inclusive and the detail says by how much, in readable units', () => {
  expect(checkSkew(NOW + LIMITS.maxFutureSkewMs, NOW)).toEqual({
    ok: true,
    tsMs: NOW + LIMITS.maxFutureSkewMs,
  });
  expect(checkSkew(NOW - LIMITS.maxPastSkewMs, NOW).ok).toBe(true);
  expect(checkSkew(Date.UTC(2031, 0, 1), Date.UTC(2026, 1, 1))).toEqual({
    ok: false,
    detail: 'ts 2031-01-01T00:00:00Z is 4.9 years ahead of receive time (limit 5 min)',
  });
  expect(checkSkew(NOW + 10 * 60_000 + 500, NOW)).toEqual({
    ok: false,
    detail: 'ts 2026-11-23T12:10:00.500Z is 10 min ahead of receive time (limit 5 min)',
  });
  expect(checkSkew(NOW - 3 * 86_400_000, NOW)).toEqual({
    ok: false,
    detail: 'ts 2026-11-20T12:00:00Z is 3 days behind receive time (limit 24 h)',
  });
  const seconds = checkSkew(Math.floor(NOW / 1000), NOW);
  expect(!seconds.ok && seconds.detail).toEndWith(
    '; it looks like epoch seconds, v1 expects milliseconds',
  );
});
