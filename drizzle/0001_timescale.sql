-- Metric summaries and, where the extension exists, TimescaleDB.
--
-- Metrics are a jsonb object ({"temperature": 21.5, "motion": true}), so an aggregate over many
-- readings needs to summarise every metric at once. vigil_metrics_summary(metrics) folds them into
-- {"temperature": {"min": .., "max": .., "sum": .., "count": ..}, ...}; booleans count as 1/0, so
-- avg = sum/count is the fraction of readings that were true. The functions are created on every
-- database (plain PostgreSQL and PGlite too), so the same SQL exists everywhere and is tested here.

-- The numeric value of one metric: numbers as they are, booleans as 1/0, anything else NULL.
CREATE OR REPLACE FUNCTION vigil_metric_value(metrics jsonb, name text) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(metrics -> name)
    WHEN 'number' THEN (metrics ->> name)::double precision
    WHEN 'boolean' THEN CASE WHEN (metrics -> name)::boolean THEN 1.0 ELSE 0.0 END
  END
$$;
--> statement-breakpoint
-- Transition function: adds one reading's metrics to the running summary.
CREATE OR REPLACE FUNCTION vigil_metrics_fold(summary jsonb, metrics jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT summary || coalesce((
    SELECT jsonb_object_agg(
      m.name,
      CASE WHEN summary -> m.name IS NULL
        THEN jsonb_build_object('min', m.value, 'max', m.value, 'sum', m.value, 'count', 1)
        ELSE jsonb_build_object(
          'min', least((summary -> m.name ->> 'min')::double precision, m.value),
          'max', greatest((summary -> m.name ->> 'max')::double precision, m.value),
          'sum', (summary -> m.name ->> 'sum')::double precision + m.value,
          'count', (summary -> m.name ->> 'count')::bigint + 1)
      END)
    FROM (
      -- A non-object (never stored by ingest) contributes nothing instead of failing a refresh.
      SELECT key AS name, vigil_metric_value(metrics, key) AS value
      FROM jsonb_object_keys(CASE jsonb_typeof(metrics) WHEN 'object' THEN metrics ELSE '{}' END) AS key
    ) AS m
    WHERE m.value IS NOT NULL
  ), '{}'::jsonb)
$$;
--> statement-breakpoint
-- Combine function: merges two partial summaries (parallel aggregation, re-aggregation).
CREATE OR REPLACE FUNCTION vigil_metrics_merge(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT a || coalesce((
    SELECT jsonb_object_agg(
      s.name,
      CASE WHEN a -> s.name IS NULL THEN s.part
        ELSE jsonb_build_object(
          'min', least((a -> s.name ->> 'min')::double precision, (s.part ->> 'min')::double precision),
          'max', greatest((a -> s.name ->> 'max')::double precision, (s.part ->> 'max')::double precision),
          'sum', (a -> s.name ->> 'sum')::double precision + (s.part ->> 'sum')::double precision,
          'count', (a -> s.name ->> 'count')::bigint + (s.part ->> 'count')::bigint)
      END)
    FROM jsonb_each(b) AS s(name, part)
  ), '{}'::jsonb)
$$;
--> statement-breakpoint
CREATE OR REPLACE AGGREGATE vigil_metrics_summary(jsonb) (
  SFUNC = vigil_metrics_fold,
  STYPE = jsonb,
  INITCOND = '{}',
  COMBINEFUNC = vigil_metrics_merge,
  PARALLEL = SAFE
);
--> statement-breakpoint
-- TimescaleDB, only where the extension is installed on the server. Without it (plain PostgreSQL,
-- PGlite) this block does nothing and readings stays a plain table; queries then bucket with
-- date_bin. Drizzle runs migrations in one transaction, which is why the continuous aggregates are
-- created WITH NO DATA (a refresh cannot run inside a transaction); their policies fill them.
-- CREATE EXTENSION fails loudly when the library is installed but not in shared_preload_libraries:
-- better than silently running plain on a server the operator meant to run with TimescaleDB.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    RAISE NOTICE 'timescaledb is not available: readings stays a plain table';
    RETURN;
  END IF;

  CREATE EXTENSION IF NOT EXISTS timescaledb;

  -- One-day chunks: a day of a large fleet fits in memory for compression and is the unit the
  -- retention policy drops. The unique key (device_id, ts, boot, seq) already indexes device scans,
  -- so the default ts index is not created.
  PERFORM create_hypertable('readings', 'ts',
    chunk_time_interval => INTERVAL '1 day',
    create_default_indexes => false,
    migrate_data => true,
    if_not_exists => true);

  -- Every column of the unique key is a segmentby or orderby column, so uniqueness checks on
  -- compressed chunks need no full decompression.
  ALTER TABLE readings SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'device_id',
    timescaledb.compress_orderby = 'ts DESC, boot, seq'
  );
  PERFORM add_compression_policy('readings', INTERVAL '7 days', if_not_exists => true);
  PERFORM add_retention_policy('readings', INTERVAL '90 days', if_not_exists => true);

  -- Real-time aggregates (materialized_only = false): recent, not yet materialised buckets are
  -- computed from raw rows at query time, so dashboards never miss the last minutes.
  CREATE MATERIALIZED VIEW readings_1m
    WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
    SELECT device_id,
      time_bucket(INTERVAL '1 minute', ts) AS bucket,
      count(*) AS reading_count,
      vigil_metrics_summary(metrics) AS summary
    FROM readings
    GROUP BY device_id, time_bucket(INTERVAL '1 minute', ts)
    WITH NO DATA;
  -- The refresh windows stay far inside the raw retention, so a refresh never re-reads a range
  -- whose raw rows were dropped (that would erase the aggregate too).
  PERFORM add_continuous_aggregate_policy('readings_1m',
    start_offset => INTERVAL '2 hours',
    end_offset => INTERVAL '1 minute',
    schedule_interval => INTERVAL '1 minute',
    if_not_exists => true);
  PERFORM add_retention_policy('readings_1m', INTERVAL '1 year', if_not_exists => true);

  CREATE MATERIALIZED VIEW readings_1h
    WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
    SELECT device_id,
      time_bucket(INTERVAL '1 hour', ts) AS bucket,
      count(*) AS reading_count,
      vigil_metrics_summary(metrics) AS summary
    FROM readings
    GROUP BY device_id, time_bucket(INTERVAL '1 hour', ts)
    WITH NO DATA;
  PERFORM add_continuous_aggregate_policy('readings_1h',
    start_offset => INTERVAL '3 days',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes',
    if_not_exists => true);
  PERFORM add_retention_policy('readings_1h', INTERVAL '5 years', if_not_exists => true);
END
$$;
