/**
 * The two ways to compute per-bucket min/max/avg/count of one metric: from raw readings with
 * date_bin, or by re-aggregating a TimescaleDB continuous aggregate's per-metric summaries.
 * Both bin from the Unix epoch over a range already aligned to whole buckets, so they agree.
 */
import { and, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from './database';
import type { MetricBucketView } from './queries';
import type { TimeRange } from './range';
import { Readings } from './schema';

/** The continuous aggregates drizzle/0001 creates when TimescaleDB is present. */
export type AggregateView = 'readings_1m' | 'readings_1h';

export type BucketArgs = { deviceId: string; metric: string; bucketMs: number; range: TimeRange };

type BucketRow = { bucket: number; min: number; max: number; avg: number; count: number };

/** Buckets computed from raw rows with date_bin (plain PostgreSQL, PGlite, or any bucket width). */
export async function bucketedFromReadings(
  database: Database,
  args: BucketArgs,
): Promise<MetricBucketView[]> {
  // The metric is extracted once per row (OFFSET 0 keeps the planner from inlining the inner
  // query and repeating the extraction in every aggregate); jsonb_exists skips rows without it.
  const rows = await database.execute<BucketRow>(sql`
    select extract(epoch from date_bin(${interval(args.bucketMs)}, ts, timestamptz 'epoch'))::float8
        * 1000 as bucket,
      min(value) as min, max(value) as max, avg(value) as avg, count(*)::float8 as count
    from (
      select ts, vigil_json_number(metric) as value
      from (
        select ${Readings.ts} as ts, ${Readings.metrics} -> ${args.metric}::text as metric
        from ${Readings}
        where ${and(
          eq(Readings.deviceId, args.deviceId),
          gte(Readings.ts, args.range.from),
          lt(Readings.ts, args.range.to),
          sql`jsonb_exists(${Readings.metrics}, ${args.metric}::text)`,
        )}
        offset 0
      ) as extracted
    ) as numeric_values
    where value is not null
    group by 1
    order by 1`);
  return rows.map(toView);
}

/** Buckets re-aggregated from a continuous aggregate whose width divides the bucket. */
export async function bucketedFromAggregate(
  database: Database,
  view: AggregateView,
  args: BucketArgs,
): Promise<MetricBucketView[]> {
  const table = sql.identifier(view);
  const part = sql`summary -> ${args.metric}::text`;
  const start = sql`date_bin(${interval(args.bucketMs)}, bucket, timestamptz 'epoch')`;
  const rows = await database.execute<BucketRow>(sql`
    select extract(epoch from ${start})::float8 * 1000 as bucket,
      min((${part} ->> 'min')::float8) as min,
      max((${part} ->> 'max')::float8) as max,
      sum((${part} ->> 'sum')::float8) / sum((${part} ->> 'count')::float8) as avg,
      sum((${part} ->> 'count')::bigint)::float8 as count
    from ${table}
    where device_id = ${args.deviceId}
      and bucket >= ${args.range.from.toISOString()}::timestamptz
      and bucket < ${args.range.to.toISOString()}::timestamptz
      and jsonb_exists(summary, ${args.metric}::text)
    group by 1
    order by 1`);
  return rows.map(toView);
}

function interval(ms: number): SQL {
  return sql`${`${ms} milliseconds`}::interval`;
}

/** Drivers differ in how they return float8 (number) and numeric (string); normalise. */
function toView(row: BucketRow): MetricBucketView {
  return {
    bucket: new Date(Number(row.bucket)).toISOString(),
    min: Number(row.min),
    max: Number(row.max),
    avg: Number(row.avg),
    count: Number(row.count),
  };
}
