-- vigil_metric_value was declared STRICT; PostgreSQL does not inline a STRICT SQL function whose
-- body is not itself strict (a CASE is not), so every call went through the function manager:
-- a 5-minute-bucket query over one device's day at 1 Hz took 3 s instead of 0.3 s. Same results,
-- now inlinable. vigil_json_number is the per-value half, for queries that extract a metric once.

-- The number a jsonb value stands for: a number as it is, a boolean as 1/0, anything else NULL.
CREATE OR REPLACE FUNCTION vigil_json_number(value jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'number' THEN value::double precision
    WHEN 'boolean' THEN (value::boolean)::int::double precision
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_metric_value(metrics jsonb, name text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT vigil_json_number(metrics -> name)
$$;
