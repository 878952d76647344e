/** Turning API results into uPlot's aligned columns, and choosing bucket widths for a range. */
import type uPlot from 'uplot';
import type { MetricValue } from '#lib/api/types';

export type ChartSeries = { label: string; color: string; fill?: string; dash?: number[] };

export type TimedReading = { ts: number; metrics: Record<string, MetricValue> };

/** Bucket widths the history chart may use, narrowest first. */
export const BUCKETS = [
  { text: '10s', ms: 10_000 },
  { text: '1m', ms: 60_000 },
  { text: '5m', ms: 300_000 },
  { text: '15m', ms: 900_000 },
  { text: '1h', ms: 3_600_000 },
  { text: '6h', ms: 21_600_000 },
  { text: '1d', ms: 86_400_000 },
] as const;

/** Most points a history chart draws: more than a phone's width in pixels gains nothing. */
export const MAX_POINTS = 400;

/** The narrowest bucket that keeps a range of `spanMs` within MAX_POINTS buckets. */
export function pickBucket(spanMs: number): string {
  const fit = BUCKETS.find((bucket) => spanMs / bucket.ms <= MAX_POINTS);
  return (fit ?? BUCKETS[BUCKETS.length - 1] ?? { text: '1d' }).text;
}

/** Names of the numeric metrics present in any of the readings, sorted. */
export function numericMetrics(readings: readonly TimedReading[]): string[] {
  const names = new Set<string>();
  for (const reading of readings) {
    for (const [name, value] of Object.entries(reading.metrics)) {
      if (typeof value === 'number') names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * One metric over time from readings in any order: x in epoch seconds ascending, y the value or
 * null where a reading lacks it (uPlot draws a gap).
 */
export function metricColumns(
  readings: readonly TimedReading[],
  metric: string,
): uPlot.AlignedData {
  const sorted = [...readings].sort((a, b) => a.ts - b.ts);
  const xs = sorted.map((reading) => reading.ts / 1000);
  const ys = sorted.map((reading) => {
    const value = reading.metrics[metric];
    return typeof value === 'number' ? value : null;
  });
  return [xs, ys];
}

export type Bucket = { bucket: string; min: number; max: number; avg: number };

/** Bucketed summaries as columns: x, min, avg, max. */
export function bucketColumns(buckets: readonly Bucket[]): uPlot.AlignedData {
  return [
    buckets.map((b) => Date.parse(b.bucket) / 1000),
    buckets.map((b) => b.min),
    buckets.map((b) => b.avg),
    buckets.map((b) => b.max),
  ];
}

/**
 * Appends a live reading to a window of recent readings, dropping those older than `windowMs`
 * before the newest and keeping at most `maxPoints`. Returns a new array (runes see the change).
 */
export function appendToWindow(
  window: readonly TimedReading[],
  reading: TimedReading,
  windowMs: number,
  maxPoints: number,
): TimedReading[] {
  const newest = Math.max(reading.ts, window.at(-1)?.ts ?? reading.ts);
  const kept = window.filter((r) => r.ts >= newest - windowMs);
  kept.push(reading);
  if (kept.length > 1 && (kept.at(-2)?.ts ?? 0) > reading.ts) kept.sort((a, b) => a.ts - b.ts);
  return kept.length > maxPoints ? kept.slice(kept.length - maxPoints) : kept;
}
