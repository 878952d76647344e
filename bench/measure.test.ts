import { describe, expect, test } from 'bun:test';
import {
  compareDelivery,
  histogramQuantileMs,
  median,
  parseHistogram,
  parseSample,
  sampleQuantile,
  subtractBuckets,
} from './measure';

const scrape = (counts: [string, number][]) =>
  [
    '# HELP h latency',
    ...counts.map(([le, n]) => `h_bucket{le="${le}"} ${n}`),
    `h_sum 1`,
    `h_count ${counts.at(-1)?.[1] ?? 0}`,
  ].join('\n');

describe('histogram percentiles', () => {
  test('interpolates inside the bucket holding the rank, over the difference of two scrapes', () => {
    const before = parseHistogram(
      scrape([
        ['0.01', 10],
        ['0.05', 10],
        ['+Inf', 10],
      ]),
      'h',
    );
    const after = parseHistogram(
      scrape([
        ['0.01', 60],
        ['0.05', 110],
        ['+Inf', 110],
      ]),
      'h',
    );
    const diff = subtractBuckets(after, before);
    // 50 observations <= 10 ms, 50 in (10, 50] ms.
    expect(histogramQuantileMs(diff, 0.5)).toBeCloseTo(10, 6);
    expect(histogramQuantileMs(diff, 0.75)).toBeCloseTo(30, 6);
    expect(histogramQuantileMs(diff, 0.99)).toBeCloseTo(49.2, 6);
    expect(histogramQuantileMs(new Map(), 0.5)).toBeNaN();
  });

  test('sums label sets and reads plain samples', () => {
    const text =
      'x_bucket{reason="a",le="1"} 2\nx_bucket{reason="b",le="1"} 3\nc_total{r="a"} 4\nc_total{r="b"} 5';
    expect(parseHistogram(text, 'x').get(1)).toBe(5);
    expect(parseSample(text, 'c_total')).toBe(9);
  });

  test('nearest-rank quantile of samples', () => {
    expect(sampleQuantile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(sampleQuantile([], 0.5)).toBeNaN();
    expect(median([30, -2, 7])).toBe(7);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNaN();
  });
});

test('delivery compares acknowledged messages with stored rows', () => {
  const acked = [
    { id: 'a', boot: 1, acked: [1, 2, 3] },
    { id: 'b', boot: 2, acked: [1] },
  ];
  const rows = [
    { device_id: 'a', boot: '1', seq: '1' },
    { device_id: 'a', boot: '1', seq: '3' },
    { device_id: 'a', boot: '1', seq: '3' },
    { device_id: 'b', boot: 9, seq: 1 },
  ];
  expect(compareDelivery(acked, rows)).toEqual({ lost: 2, duplicated: 1, stored: 4 });
});
