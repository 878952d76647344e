import { describe, expect, test } from 'bun:test';
import { appendToWindow, bucketColumns, metricColumns, numericMetrics, pickBucket } from './charts';

describe('pickBucket', () => {
  test('keeps a range within the point budget with the narrowest bucket', () => {
    expect(pickBucket(3_600_000)).toBe('10s'); // 360 points
    expect(pickBucket(6 * 3_600_000)).toBe('1m'); // 360 points
    expect(pickBucket(24 * 3_600_000)).toBe('5m'); // 288 points
    expect(pickBucket(30 * 86_400_000)).toBe('6h'); // 120 points
  });
  test('falls back to the widest bucket for very long ranges', () => {
    expect(pickBucket(3650 * 86_400_000)).toBe('1d');
  });
});

describe('metricColumns', () => {
  test('sorts by time and leaves gaps where a reading lacks the metric', () => {
    const data = metricColumns(
      [
        { ts: 3000, metrics: { t: 3 } },
        { ts: 1000, metrics: { t: 1 } },
        { ts: 2000, metrics: { h: 50 } },
      ],
      't',
    );
    expect(data).toEqual([
      [1, 2, 3],
      [1, null, 3],
    ]);
  });
});

describe('numericMetrics', () => {
  test('lists numeric metrics only', () => {
    expect(numericMetrics([{ ts: 1, metrics: { b: 1, a: 2, door: true } }])).toEqual(['a', 'b']);
  });
});

describe('bucketColumns', () => {
  test('gives x in seconds then min, avg, max', () => {
    const data = bucketColumns([{ bucket: '1970-01-01T00:01:00.000Z', min: 1, max: 3, avg: 2 }]);
    expect(data).toEqual([[60], [1], [2], [3]]);
  });
});

describe('appendToWindow', () => {
  test('drops readings older than the window and caps the count', () => {
    const window = [
      { ts: 1000, metrics: {} },
      { ts: 5000, metrics: {} },
    ];
    const next = appendToWindow(window, { ts: 12_000, metrics: {} }, 10_000, 10);
    expect(next.map((r) => r.ts)).toEqual([5000, 12_000]);
    const capped = appendToWindow(next, { ts: 13_000, metrics: {} }, 10_000, 2);
    expect(capped.map((r) => r.ts)).toEqual([12_000, 13_000]);
  });
  test('keeps time order when a reading arrives late', () => {
    const next = appendToWindow([{ ts: 5000, metrics: {} }], { ts: 4000, metrics: {} }, 10_000, 10);
    expect(next.map((r) => r.ts)).toEqual([4000, 5000]);
  });
});
