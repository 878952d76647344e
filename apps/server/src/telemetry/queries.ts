/**
 * Telemetry read queries: raw readings, bucketed metric summaries and dead letters, as
 * JSON-ready views for the API. Bucketing uses date_bin on plain PostgreSQL and PGlite, and the
 * TimescaleDB continuous aggregates when they exist and the bucket is a whole number of their
 * width; both give the same answer (epoch-aligned buckets, whole buckets covering the range).
 */
import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import { getDevice } from '../devices/queries';
import { InvalidInputError } from '../errors';
import { type AggregateView, bucketedFromAggregate, bucketedFromReadings } from './bucketed';
import type { Database } from './database';
import {
  DEFAULT_RAW_LIMIT,
  type DeadLetterQuery,
  type LatestQuery,
  type TelemetryQuery,
} from './inputs';
import { type LatestReadingView, latestReadings } from './latest';
import { alignRange, resolveRange } from './range';
import { DeadLetters, type MetricValue, Readings } from './schema';

export type ReadingView = {
  ts: string;
  boot: number;
  seq: number;
  receivedAt: string;
  /** All metrics, or only the requested one when the query named a metric. */
  metrics: Record<string, MetricValue>;
  /** Hex SHA-256 of the bytes received. */
  payloadSha256: string;
};

export type MetricBucketView = {
  /** Start of the bucket. */
  bucket: string;
  min: number;
  max: number;
  avg: number;
  /** Readings in the bucket that carried the metric. */
  count: number;
};

export type TelemetryResult =
  | {
      kind: 'raw';
      deviceId: string;
      from: string;
      to: string;
      metric: string | null;
      /** Newest first. */
      readings: ReadingView[];
      /** True when more readings matched than `limit`; narrow the range to see the rest. */
      truncated: boolean;
    }
  | {
      kind: 'bucketed';
      deviceId: string;
      /** The range widened to whole buckets. */
      from: string;
      to: string;
      metric: string;
      bucket: string;
      /** Oldest first; buckets without readings are absent. */
      buckets: MetricBucketView[];
      /** Where the numbers came from: raw rows or a continuous aggregate. */
      source: 'readings' | AggregateView;
    };

export type DeadLetterView = {
  id: number;
  receivedAt: string;
  topic: string;
  reason: string;
  detail: string;
  deviceId: string | null;
  payloadBytes: number;
  /** First bytes of the payload, hex. */
  payloadHeadHex: string;
  /** The same bytes as UTF-8 (invalid sequences replaced), for reading JSON at a glance. */
  payloadHeadText: string;
};

export type DeadLetterPage = { deadLetters: DeadLetterView[]; nextBefore: number | null };

export type TelemetryQueries = {
  /** Raw readings or bucketed summaries of one device; throws NotFoundError, InvalidInputError. */
  telemetry(query: TelemetryQuery): Promise<TelemetryResult>;
  /** Dead letters, newest first, one page at a time. */
  deadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** The newest reading of each device that has one (of the named devices, if any). */
  latest(query: LatestQuery): Promise<LatestReadingView[]>;
};

/**
 * Creates the telemetry queries over `database`. Whether continuous aggregates exist is looked up
 * once, on the first bucketed query.
 */
export function createTelemetryQueries(
  database: Database,
  now: () => Date = () => new Date(),
): TelemetryQueries {
  let aggregates: Promise<AggregateView[]> | undefined;
  const availableAggregates = () => {
    aggregates ??= findAggregates(database).catch((error) => {
      aggregates = undefined;
      throw error;
    });
    return aggregates;
  };

  return {
    async telemetry(query) {
      await getDevice(database, query.deviceId);
      if (query.bucket === undefined) return rawReadings(database, query, now());
      if (query.metric === undefined) {
        throw new InvalidInputError('a bucketed query needs a metric (like metric=temperature)');
      }
      if (query.limit !== undefined) {
        throw new InvalidInputError('limit applies to raw readings only; drop it or the bucket');
      }
      const range = alignRange(resolveRange(query, now(), { raw: false }), query.bucket.ms);
      const args = {
        deviceId: query.deviceId,
        metric: query.metric,
        bucketMs: query.bucket.ms,
        range,
      };
      const view = pickAggregate(await availableAggregates(), query.bucket.ms);
      const buckets =
        view === undefined
          ? await bucketedFromReadings(database, args)
          : await bucketedFromAggregate(database, view, args);
      return {
        kind: 'bucketed',
        deviceId: query.deviceId,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        metric: query.metric,
        bucket: query.bucket.text,
        buckets,
        source: view ?? 'readings',
      };
    },
    deadLetters: (query) => deadLetterPage(database, query),
    latest: (query) => latestReadings(database, query),
  };
}

const AGGREGATE_WIDTH_MS: Record<AggregateView, number> = {
  readings_1h: 3_600_000,
  readings_1m: 60_000,
};

/** The coarsest aggregate whose width divides the bucket, or undefined for raw rows. */
function pickAggregate(available: AggregateView[], bucketMs: number): AggregateView | undefined {
  return (['readings_1h', 'readings_1m'] as const).find(
    (view) => available.includes(view) && bucketMs % AGGREGATE_WIDTH_MS[view] === 0,
  );
}

async function findAggregates(database: Database): Promise<AggregateView[]> {
  const [row] = await database.execute<{ m: boolean; h: boolean }>(
    sql`select to_regclass('readings_1m') is not null as m, to_regclass('readings_1h') is not null as h`,
  );
  const found: AggregateView[] = [];
  if (row?.m) found.push('readings_1m');
  if (row?.h) found.push('readings_1h');
  return found;
}

async function rawReadings(
  database: Database,
  query: TelemetryQuery,
  at: Date,
): Promise<TelemetryResult> {
  const range = resolveRange(query, at, { raw: true });
  const limit = query.limit ?? DEFAULT_RAW_LIMIT;
  const conditions: SQL[] = [
    eq(Readings.deviceId, query.deviceId),
    gte(Readings.ts, range.from),
    lt(Readings.ts, range.to),
  ];
  if (query.metric !== undefined) {
    conditions.push(sql`jsonb_exists(${Readings.metrics}, ${query.metric}::text)`);
  }
  // All three descending: the unique index (device_id, ts, boot, seq) serves this backwards.
  const rows = await database.db
    .select()
    .from(Readings)
    .where(and(...conditions))
    .orderBy(desc(Readings.ts), desc(Readings.boot), desc(Readings.seq))
    .limit(limit + 1);
  const metric = query.metric;
  return {
    kind: 'raw',
    deviceId: query.deviceId,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    metric: metric ?? null,
    truncated: rows.length > limit,
    readings: rows.slice(0, limit).map((row) => ({
      ts: row.ts.toISOString(),
      boot: row.boot,
      seq: row.seq,
      receivedAt: row.receivedAt.toISOString(),
      metrics: metric === undefined ? row.metrics : pick(row.metrics, metric),
      payloadSha256: Buffer.from(row.payloadSha256).toString('hex'),
    })),
  };
}

function pick(metrics: Record<string, MetricValue>, name: string): Record<string, MetricValue> {
  const value = metrics[name];
  return value === undefined ? {} : { [name]: value };
}

async function deadLetterPage(database: Database, query: DeadLetterQuery): Promise<DeadLetterPage> {
  const limit = query.limit ?? 100;
  const conditions: SQL[] = [];
  if (query.reason !== undefined) conditions.push(eq(DeadLetters.reason, query.reason));
  if (query.deviceId !== undefined) conditions.push(eq(DeadLetters.deviceId, query.deviceId));
  if (query.before !== undefined) conditions.push(lt(DeadLetters.id, query.before));
  // Ids grow with insertion, so id order is arrival order and a stable page cursor.
  const rows = await database.db
    .select()
    .from(DeadLetters)
    .where(and(...conditions))
    .orderBy(desc(DeadLetters.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    deadLetters: page.map((row) => {
      const head = Buffer.from(row.payloadHead);
      return {
        id: row.id,
        receivedAt: row.receivedAt.toISOString(),
        topic: row.topic,
        reason: row.reason,
        detail: row.detail,
        deviceId: row.deviceId,
        payloadBytes: row.payloadBytes,
        payloadHeadHex: head.toString('hex'),
        payloadHeadText: head.toString('utf8'),
      };
    }),
    nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}
