import { LIMITS } from './limits';
import { firstSchemaError, preview, type Validator } from './schema-errors';
import { parseTimestamp } from './timestamp';

/** Payload fields by which earlier systems named the sender; in v1 the topic alone does. */
export const IDENTITY_FIELDS = ['device_id', 'deviceId', 'node_id', 'drone_id'] as const;

const TELEMETRY_FIELDS = new Set(['ts', 'boot', 'seq', 'metrics']);

export type TelemetryProblem = { reason: 'schema' | 'device_mismatch'; detail: string };

/**
 * Why `value` is not valid v1 telemetry, in the words a firmware author needs. Only called once
 * the compiled validator has said no, so its cost is off the hot path. A payload naming another
 * device is device_mismatch (a possible spoof), reported before any schema detail.
 */
export function explainTelemetry(
  value: unknown,
  deviceId: string,
  check: Validator,
): TelemetryProblem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return schema(`payload: expected a JSON object, got ${preview(value)}`);
  }
  const message = value as Record<string, unknown>;
  const claimed = claimedIdentity(message, deviceId);
  if (claimed !== null) return { reason: 'device_mismatch', detail: claimed };

  if (message.ts === undefined) return schema('ts: required');
  if (typeof message.ts !== 'string' && typeof message.ts !== 'number') {
    return schema(
      `ts: expected RFC 3339 text or integer epoch milliseconds, got ${preview(message.ts)}`,
    );
  }
  const ts = parseTimestamp(message.ts);
  if (!ts.ok) return schema(ts.detail);
  const boot = integerProblem('boot', message.boot, LIMITS.maxBoot);
  if (boot !== null) return schema(boot);
  const seq = integerProblem('seq', message.seq, Number.MAX_SAFE_INTEGER);
  if (seq !== null) return schema(seq);
  const metrics = metricsProblem(message.metrics);
  if (metrics !== null) return schema(metrics);
  for (const field of Object.keys(message)) {
    if (!TELEMETRY_FIELDS.has(field)) {
      return schema(`${field}: not a v1 telemetry field (allowed: ts, boot, seq, metrics)`);
    }
  }
  return schema(firstSchemaError(check, value));
}

/**
 * The mismatch detail when an identity field names someone other than `deviceId`; `sender` says
 * where `deviceId` came from.
 */
export function claimedIdentity(
  message: Record<string, unknown>,
  deviceId: string,
  sender = "the topic's device",
): string | null {
  for (const field of IDENTITY_FIELDS) {
    const claimed = message[field];
    if (claimed !== undefined && claimed !== deviceId) {
      return `payload ${field} ${preview(claimed)} disagrees with ${sender} "${deviceId}"`;
    }
  }
  return null;
}

function integerProblem(field: string, value: unknown, max: number): string | null {
  if (value === undefined) return `${field}: required`;
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max) return null;
  return `${field}: expected an integer from 0 to ${max}, got ${preview(value)}`;
}

/** Metric-level rules: count, names, finite values. */
function metricsProblem(metrics: unknown): string | null {
  if (metrics === undefined) return 'metrics: required';
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    return `metrics: expected an object of name: number or boolean, got ${preview(metrics)}`;
  }
  const entries = Object.entries(metrics);
  if (entries.length === 0) return 'metrics: empty (at least 1 metric)';
  if (entries.length > LIMITS.maxMetrics) {
    return `metrics: ${entries.length} metrics (limit ${LIMITS.maxMetrics})`;
  }
  for (const [name, value] of entries) {
    if (!LIMITS.metricNamePattern.test(name)) {
      return `metrics.${shorten(name)}: metric names must match ${LIMITS.metricNamePattern.source}`;
    }
    if (typeof value === 'boolean') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return `metrics.${name}: expected a finite number or a boolean, got ${preview(value)}`;
    }
  }
  return null;
}

/** Metric names are echoed in details; an over-long one is cut so the detail stays readable. */
const shorten = (name: string) => (name.length > 70 ? `${name.slice(0, 67)}...` : name);

const schema = (detail: string): TelemetryProblem => ({ reason: 'schema', detail });
