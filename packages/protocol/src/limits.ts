/**
 * Every limit of protocol v1 in one place. The server enforces them, the firmware and the
 * simulator respect them, and docs/protocol.md quotes them (a test keeps the two in step).
 */
export const LIMITS = {
  /** Larger payloads are rejected as 'oversize' before they are parsed. */
  maxPayloadBytes: 4096,
  /** Metrics in one telemetry message. */
  maxMetrics: 64,
  /** Metric names: lower-case snake case, starting with a letter, at most 63 characters. */
  metricNamePattern: /^[a-z][a-z0-9_]{0,62}$/,
  /** A timestamp later than the receive time plus this is rejected as 'clock_skew'. */
  maxFutureSkewMs: 5 * 60_000,
  /** A timestamp older than the receive time minus this is rejected as 'clock_skew'. */
  maxPastSkewMs: 24 * 3_600_000,
  maxEventNameLength: 32,
  maxStringLength: 256,
  /** Nesting depth of any JSON payload (objects and arrays). */
  maxJsonDepth: 8,
  /** Largest boot id (uint32); 0 is reserved for the legacy adapters. */
  maxBoot: 0xffff_ffff,
} as const;

/** The metric name pattern as JSON Schema text. */
export const METRIC_NAME_PATTERN = LIMITS.metricNamePattern.source;
