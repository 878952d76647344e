/**
 * Time arguments of telemetry queries: instants, bucket widths, and the range checks that keep a
 * query's cost bounded. Pure functions; the service and both API edges share them.
 */
import { InvalidInputError } from '../errors';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Widest bucket accepted: a chart of months in daily points is fine, coarser is not useful. */
export const MAX_BUCKET_MS = 31 * UNIT_MS.d;
/** Most buckets one query may return. */
export const MAX_BUCKETS = 10_000;
/** Widest range for raw rows; wider ranges must be bucketed. */
export const MAX_RAW_SPAN_MS = 31 * UNIT_MS.d;
/** Range used when a query gives no `from`. */
export const DEFAULT_SPAN_MS = UNIT_MS.h;

/**
 * Parses a bucket width like '30s', '5m', '1h' or '1d' into milliseconds. Throws
 * InvalidInputError for anything else.
 */
export function parseBucket(text: string): number {
  const match = /^([1-9]\d{0,5})([smhd])$/.exec(text);
  if (match === null) {
    throw new InvalidInputError(
      `bucket must be a positive whole number followed by s, m, h or d (like 5m or 1h), got '${text}'`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms > MAX_BUCKET_MS) throw new InvalidInputError(`bucket must be at most 31d, got '${text}'`);
  return ms;
}

/** Formats milliseconds as the largest exact unit: 300000 -> '5m'. */
export function formatBucket(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms / 1000}s`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an instant given as epoch milliseconds (number or digits) or an ISO 8601 / RFC 3339
 * string. An ISO time without an offset is read as UTC, so the answer never depends on the
 * server's time zone. Throws InvalidInputError naming `field`.
 */
export function parseInstant(value: string | number, field: string): Date {
  let ms: number;
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    ms = Number(value);
  } else if (ISO_DATE.test(value)) {
    const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) && value.length > 10;
    const normalised = value.replace(' ', 'T');
    ms = Date.parse(hasOffset || value.length === 10 ? normalised : `${normalised}Z`);
  } else {
    ms = Number.NaN;
  }
  const date = new Date(ms);
  if (!Number.isSafeInteger(ms) || Number.isNaN(date.getTime())) {
    throw new InvalidInputError(
      `${field} must be epoch milliseconds or an ISO 8601 time like 2026-01-31T12:00:00Z, got '${value}'`,
    );
  }
  return date;
}

export type TimeRange = { from: Date; to: Date };

/**
 * Resolves optional from/to (to defaults to now, from to one hour before to) and checks that the
 * range is non-empty and, for raw rows, at most MAX_RAW_SPAN_MS wide.
 */
export function resolveRange(
  input: { from?: Date; to?: Date },
  now: Date,
  { raw }: { raw: boolean },
): TimeRange {
  const to = input.to ?? now;
  const from = input.from ?? new Date(to.getTime() - DEFAULT_SPAN_MS);
  if (from.getTime() >= to.getTime()) {
    throw new InvalidInputError(
      `from (${from.toISOString()}) must be before to (${to.toISOString()})`,
    );
  }
  if (raw && to.getTime() - from.getTime() > MAX_RAW_SPAN_MS) {
    throw new InvalidInputError(
      'raw readings can span at most 31 days; pass a bucket (like 1h) for a wider range',
    );
  }
  return { from, to };
}

/**
 * Widens a range to whole buckets aligned to the Unix epoch (the same alignment as date_bin with
 * origin 'epoch' and TimescaleDB's time_bucket for minute and hour widths), and checks that it
 * holds at most MAX_BUCKETS buckets.
 */
export function alignRange(range: TimeRange, bucketMs: number): TimeRange {
  const from = Math.floor(range.from.getTime() / bucketMs) * bucketMs;
  const to = Math.ceil(range.to.getTime() / bucketMs) * bucketMs;
  const count = (to - from) / bucketMs;
  if (count > MAX_BUCKETS) {
    throw new InvalidInputError(
      `the range holds ${count} buckets of ${formatBucket(bucketMs)}, more than ${MAX_BUCKETS}; use a wider bucket or a shorter range`,
    );
  }
  return { from: new Date(from), to: new Date(to) };
}
