import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parseJsonPayload } from './json';
import { adaptDrone, adaptFlat, adaptNode, DEFAULT_LEGACY, type LegacyToggles } from './legacy';
import { type Telemetry, TelemetrySchema } from './schemas';
import { explainTelemetry } from './telemetry-errors';
import { checkSkew, parseTimestamp } from './timestamp';
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

/** Every reject reason, in the order the checks run ('unknown_device' is the server's, last). */
export const REJECT_REASONS: readonly RejectReason[] = [
  'unknown_topic',
  'legacy_disabled',
  'oversize',
  'bad_utf8',
  'bad_json',
  'device_mismatch',
  'schema',
  'clock_skew',
  'unknown_device',
];

export type Rejected = { ok: false; reason: RejectReason; detail: string; deviceId?: string };
export type Decoded = { ok: true; deviceId: string; telemetry: Telemetry; tsMs: number } | Rejected;

export type DecodeOptions = {
  /** Receive time, epoch ms. */
  receivedAt: number;
  /** Topic root of v1 topics; `devices` unless configured. */
  topicRoot?: string;
  /** Which legacy adapters run; DEFAULT_LEGACY (node and drone on, flat off) when absent. */
  legacy?: LegacyToggles;
};

// Compiled once at module load: the check is a straight-line function, no schema walking.
const checkTelemetry = TypeCompiler.Compile(TelemetrySchema);

/**
 * Decodes and validates one telemetry payload received on `topic`: v1 topics, and legacy topics
 * through their adapters when enabled. Checks run cheapest first (topic, size, UTF-8, JSON,
 * depth, compiled schema, timestamp, skew). Every failure comes back as a reason with a detail
 * naming the field; nothing throws.
 */
export function decodeTelemetry(
  topic: string,
  payload: Uint8Array,
  options: DecodeOptions,
): Decoded {
  const route = routeTopic(topic, options.topicRoot ?? DEFAULT_TOPIC_ROOT);
  if (route === null) {
    return { ok: false, reason: 'unknown_topic', detail: `"${topic}" is not a telemetry topic` };
  }
  const { shape, deviceId } = route;
  if (shape !== 'v1' && !(options.legacy ?? DEFAULT_LEGACY)[shape]) {
    return withDevice(
      { ok: false, reason: 'legacy_disabled', detail: `the legacy ${shape} adapter is disabled` },
      deviceId,
    );
  }
  const parsed = parseJsonPayload(payload);
  if (!parsed.ok) return withDevice(parsed, deviceId);

  if (shape === 'v1') return decodeV1(deviceId, parsed.value, options.receivedAt);
  const adapted =
    shape === 'flat'
      ? adaptFlat(parsed.value)
      : shape === 'node'
        ? adaptNode(deviceId, parsed.value)
        : adaptDrone(deviceId, parsed.value, options.receivedAt);
  if (!adapted.ok) return adapted;
  const skew = checkSkew(adapted.tsMs, options.receivedAt);
  if (!skew.ok) {
    return { ok: false, reason: 'clock_skew', detail: skew.detail, deviceId: adapted.deviceId };
  }
  return { ok: true, deviceId: adapted.deviceId, telemetry: adapted.telemetry, tsMs: adapted.tsMs };
}

function decodeV1(deviceId: string, value: unknown, receivedAt: number): Decoded {
  if (!checkTelemetry.Check(value)) {
    return { ok: false, ...explainTelemetry(value, deviceId, checkTelemetry), deviceId };
  }
  const ts = parseTimestamp(value.ts);
  if (!ts.ok) return { ok: false, reason: 'schema', detail: ts.detail, deviceId };
  const skew = checkSkew(ts.tsMs, receivedAt);
  if (!skew.ok) return { ok: false, reason: 'clock_skew', detail: skew.detail, deviceId };
  return { ok: true, deviceId, telemetry: value, tsMs: ts.tsMs };
}

type Route =
  | { shape: 'v1' | 'node' | 'drone'; deviceId: string }
  | { shape: 'flat'; deviceId?: undefined };

/** Which decoder a topic belongs to; null for anything that is not a telemetry topic. */
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
