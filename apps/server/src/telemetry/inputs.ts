/** Input schemas of the telemetry queries, shared by the REST routes and the tRPC procedures. */
import { z } from 'zod';
import { deviceId, parsedBy, wholeNumber } from '../input-fields';
import { parseBucket, parseInstant } from './range';

/** Most raw rows one query returns. */
export const MAX_RAW_LIMIT = 10_000;
export const DEFAULT_RAW_LIMIT = 1000;

function instant(field: string) {
  return z
    .union([z.number(), z.string()])
    .transform(parsedBy((value: string | number) => parseInstant(value, field)));
}

const metricName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters from A-Z a-z 0-9 _ . : -');

export const telemetryQueryInput = z.object({
  deviceId,
  /** Start of the range, inclusive; defaults to one hour before `to`. */
  from: instant('from').optional(),
  /** End of the range, exclusive; defaults to now. */
  to: instant('to').optional(),
  /** Raw rows: only readings carrying this metric. Bucketed: required, the metric summarised. */
  metric: metricName.optional(),
  /** Bucket width like 1m, 5m, 1h, 1d; absent means raw rows. */
  bucket: z
    .string()
    .transform(parsedBy((text: string) => ({ text, ms: parseBucket(text) })))
    .optional(),
  /** Raw rows only: most rows returned (newest first). */
  limit: wholeNumber(1, MAX_RAW_LIMIT).optional(),
});
export type TelemetryQuery = z.output<typeof telemetryQueryInput>;

export const deadLetterQueryInput = z.object({
  /** Only dead letters with this reason (e.g. 'schema', 'unknown_device'). */
  reason: z.string().min(1).max(64).optional(),
  deviceId: deviceId.optional(),
  /** Page cursor: only entries with an id below this (pass the previous page's nextBefore). */
  before: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  limit: wholeNumber(1, 1000).optional(),
});
export type DeadLetterQuery = z.output<typeof deadLetterQueryInput>;

/** Most devices one `latest` query may name; without names it answers for every device. */
export const MAX_LATEST_DEVICES = 1000;

export const latestQueryInput = z
  .object({
    /** Only these devices; absent means every registered device. */
    deviceIds: z.array(deviceId).min(1).max(MAX_LATEST_DEVICES).optional(),
  })
  .optional();
export type LatestQuery = z.output<typeof latestQueryInput>;
