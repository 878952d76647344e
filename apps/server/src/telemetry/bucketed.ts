/**
 * The two ways to compute per-bucket min/max/avg/count of one metric: from raw readings with
 * date_bin, or by re-aggregating a TimescaleDB continuous aggregate's per-metric summaries.
 * Both bin from the Unix epoch over a range already aligned to whole buckets, so they agree.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
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
  const value = sql`vigil_metric_value(${Readings.metrics}, ${args.metric})`;
  const start = sql`date_bin(${`${args.bucketMs} milliseconds`}::interval, ${Readings.ts}, timestamptz 'epoch')`;
  // GROUP BY / ORDER BY 1: repeating the date_bin expression would bind new parameters, and
  // PostgreSQL would not recognise it as the same expression.
  const rows = await database.db
    .select({
      bucket: sql<number>`extract(epoch from ${start}) * 1000`.mapWith(Number),
      min: sql<number>`min(${value})`.mapWith(Number),
      max: sql<number>`max(${value})`.mapWith(Number),
      avg: sql<number>`avg(${value})`.mapWith(Number),
      count: sql<number>`count(${value})`.mapWith(Number),
    })
    .from(Readings)
    .where(
      and(
        eq(Readings.deviceId, args.deviceId),
        gte(Readings.ts, args.range.from),
        lt(Readings.ts, args.range.to),
        sql`${value} is not null`,
      ),
    )
    .groupBy(sql`1`)
    .orderBy(sql`1`);
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
  const start = sql`date_bin(${`${args.bucketMs} milliseconds`}::interval, bucket, timestamptz 'epoch')`;
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
  return rows.map((row) =>
    toView({
      bucket: Number(row.bucket),
      min: Number(row.min),
      max: Number(row.max),
      avg: Number(row.avg),
      count: Number(row.count),
    }),
  );
}

function toView(row: BucketRow): MetricBucketView {
  return {
    bucket: new Date(row.bucket).toISOString(),
    min: row.min,
    max: row.max,
    avg: row.avg,
    count: row.count,
  };
}
