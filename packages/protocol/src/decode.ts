import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parseJsonPayload } from './json';
import { adaptDrone, adaptFlat, adaptNode, DEFAULT_LEGACY, type LegacyToggles } from './legacy';
import { LIMITS } from './limits';
import {
  type CommandAck,
  CommandAckSchema,
  type DeviceState,
  StateSchema,
  type Telemetry,
  TelemetrySchema,
} from './schemas';
import { checkSkew, timestampMs } from './timestamp';
import { DEFAULT_TOPIC_ROOT, DEVICE_ID_PATTERN, parseTopic } from './topics';

/** Why an inbound message was refused; stored with every dead letter. */
export type RejectReason =
  | 'oversize'
  | 'bad_utf8'
  | 'bad_json'
  | 'schema'
  | 'unknown_topic'
  | 'device_mismatch'
  | 'clock_skew'
  | 'unknown_device'
  | 'legacy_disabled';

export const REJECT_REASONS: readonly RejectReason[] = [
  'oversize',
  'bad_utf8',
  'bad_json',
  'schema',
  'unknown_topic',
  'device_mismatch',
  'clock_skew',
  'unknown_device',
  'legacy_disabled',
];

export type Rejected = { ok: false; reason: RejectReason; detail: string; deviceId?: string };
export type Decoded = { ok: true; deviceId: string; telemetry: Telemetry; tsMs: number } | Rejected;

export type DecodeOptions = {
  /** Receive time, epoch ms. */
  receivedAt: number;
  topicRoot?: string;
  legacy?: LegacyToggles;
};

const checkTelemetry = TypeCompiler.Compile(TelemetrySchema);
const checkState = TypeCompiler.Compile(StateSchema);
const checkAck = TypeCompiler.Compile(CommandAckSchema);

/** Payload fields by which earlier systems named the sender; in v1 the topic alone does. */
const IDENTITY_FIELDS = ['device_id', 'deviceId', 'node_id', 'drone_id', 'id'] as const;

/**
 * Decodes and validates one telemetry payload received on `topic`. Every failure comes back as a
 * reason with a human-readable detail; nothing throws.
 */
export function decodeTelemetry(
  topic: string,
  payload: Uint8Array,
  options: DecodeOptions,
): Decoded {
  const root = options.topicRoot ?? DEFAULT_TOPIC_ROOT;
  const legacy = options.legacy ?? DEFAULT_LEGACY;
  const route = routeTopic(topic, root);
  if (route === null) {
    return { ok: false, reason: 'unknown_topic', detail: `"${topic}" is not a telemetry topic` };
  }
  if (route.shape !== 'v1' && !legacy[route.shape]) {
    return withDevice(
      {
        ok: false,
        reason: 'legacy_disabled',
        detail: `the legacy ${route.shape} adapter is disabled`,
      },
      route.deviceId,
    );
  }
  const parsed = parseJsonPayload(payload);
  if (!parsed.ok) return withDevice(parsed, route.deviceId);

  if (route.shape === 'v1') return decodeV1(route.deviceId, parsed.value, options.receivedAt);
  const adapted =
    route.shape === 'flat'
      ? adaptFlat(parsed.value)
      : route.shape === 'node'
        ? adaptNode(route.deviceId, parsed.value)
        : adaptDrone(route.deviceId, parsed.value, options.receivedAt);
  if (!adapted.ok) return adapted;
  return withSkew(adapted.deviceId, adapted.telemetry, options.receivedAt);
}

function decodeV1(deviceId: string, value: unknown, receivedAt: number): Decoded {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const field of IDENTITY_FIELDS) {
      const claimed = (value as Record<string, unknown>)[field];
      if (claimed !== undefined && claimed !== deviceId) {
        return {
          ok: false,
          reason: 'device_mismatch',
          detail: `payload ${field} ${JSON.stringify(claimed)} disagrees with the topic's device "${deviceId}"`,
          deviceId,
        };
      }
    }
  }
  const metricsProblem = checkMetrics((value as { metrics?: unknown } | null)?.metrics);
  if (metricsProblem !== null)
    return { ok: false, reason: 'schema', detail: metricsProblem, deviceId };
  if (!checkTelemetry.Check(value)) {
    return { ok: false, reason: 'schema', detail: firstError(checkTelemetry, value), deviceId };
  }
  return withSkew(deviceId, value, receivedAt);
}

/** Metric-level checks with messages a firmware author can act on. */
function checkMetrics(metrics: unknown): string | null {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) return null;
  const entries = Object.entries(metrics);
  if (entries.length > LIMITS.maxMetrics) {
    return `/metrics: ${entries.length} metrics (limit ${LIMITS.maxMetrics})`;
  }
  for (const [name, value] of entries) {
    if (!LIMITS.metricNamePattern.test(name)) {
      return `/metrics/${name}: metric names must match ${LIMITS.metricNamePattern.source}`;
    }
    if (typeof value === 'boolean') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return `/metrics/${name}: expected a finite number or a boolean, got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? typeof value)}`;
    }
  }
  return null;
}

function withSkew(deviceId: string, telemetry: Telemetry, receivedAt: number): Decoded {
  const tsMs = timestampMs(telemetry.ts);
  if (tsMs === null) {
    return {
      ok: false,
      reason: 'schema',
      detail: `ts ${JSON.stringify(telemetry.ts)} is not a valid instant`,
      deviceId,
    };
  }
  const skew = checkSkew(tsMs, receivedAt);
  if (!skew.ok) return { ok: false, reason: 'clock_skew', detail: skew.detail, deviceId };
  return { ok: true, deviceId, telemetry, tsMs };
}

type Route =
  | { shape: 'v1' | 'node' | 'drone'; deviceId: string }
  | { shape: 'flat'; deviceId?: undefined };

function routeTopic(topic: string, root: string): Route | null {
  const v1 = parseTopic(topic, root);
  if (v1 !== null) return v1.kind === 'telemetry' ? { shape: 'v1', deviceId: v1.deviceId } : null;
  if (topic === 'iot/sensors') return { shape: 'flat' };
  const parts = topic.split('/');
  const [iot, family, id, leaf] = parts;
  if (parts.length !== 4 || iot !== 'iot' || leaf !== 'telemetry' || id === undefined) return null;
  if (!DEVICE_ID_PATTERN.test(id)) return null;
  if (family === 'node') return { shape: 'node', deviceId: id };
  if (family === 'drone') return { shape: 'drone', deviceId: id };
  return null;
}

function withDevice(rejected: Rejected, deviceId: string | undefined): Rejected {
  return deviceId === undefined ? rejected : { ...rejected, deviceId };
}

type Checker = ReturnType<typeof TypeCompiler.Compile<TSchema>>;

function firstError(check: Checker, value: unknown): string {
  for (const error of check.Errors(value)) {
    const path = error.path === '' ? '/' : error.path;
    return `${path}: ${error.message}`;
  }
  return 'does not match the schema';
}

/** Decodes a `state` payload. */
export function decodeState(
  payload: Uint8Array,
): { ok: true; state: DeviceState } | { ok: false; reason: RejectReason; detail: string } {
  const parsed = parseJsonPayload(payload);
  if (!parsed.ok) return parsed;
  if (!checkState.Check(parsed.value)) {
    return { ok: false, reason: 'schema', detail: firstError(checkState, parsed.value) };
  }
  return { ok: true, state: parsed.value };
}

/** Decodes a `cmd/ack` payload. */
export function decodeCommandAck(
  payload: Uint8Array,
): { ok: true; ack: CommandAck } | { ok: false; reason: RejectReason; detail: string } {
  const parsed = parseJsonPayload(payload);
  if (!parsed.ok) return parsed;
  if (!checkAck.Check(parsed.value)) {
    return { ok: false, reason: 'schema', detail: firstError(checkAck, parsed.value) };
  }
  return { ok: true, ack: parsed.value };
}
