import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { LIMITS } from './limits';
import { firstSchemaError } from './schema-errors';
import type { Telemetry } from './schemas';
import { claimedIdentity } from './telemetry-errors';
import { type ParsedInstant, parseTimestamp } from './timestamp';
import { DEVICE_ID_PATTERN } from './topics';

/**
 * Adapters from the message shapes of earlier systems onto v1. Legacy messages carry no boot or
 * sequence number, so the adapters use boot 0 and the timestamp in epoch ms as `seq`: a
 * redelivered legacy message then deduplicates like a v1 one.
 */
export const LEGACY_TOPICS = {
  /** Shared by every device: the payload's device_id cannot be proven, so this is off by default. */
  flat: 'iot/sensors',
  node: 'iot/node/+/telemetry',
  drone: 'iot/drone/+/telemetry',
} as const;

export type LegacyShape = keyof typeof LEGACY_TOPICS;
export type LegacyToggles = Record<LegacyShape, boolean>;
/** node and drone name the device in the topic, so broker ACLs can bind them; flat cannot. */
export const DEFAULT_LEGACY: LegacyToggles = { flat: false, node: true, drone: true };

export type Adapted =
  | { ok: true; deviceId: string; telemetry: Telemetry; tsMs: number }
  | { ok: false; reason: 'schema' | 'device_mismatch'; detail: string; deviceId?: string };

const LegacyTimestamp = Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 })]);
const Sensors = Type.Record(
  Type.String({ maxLength: 63 }),
  Type.Union([Type.Number(), Type.Boolean()]),
  {
    maxProperties: LIMITS.maxMetrics,
  },
);
const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN.source });

const FlatSchema = Type.Object({
  device_id: DeviceId,
  timestamp: LegacyTimestamp,
  sensors: Sensors,
});
const NodeSchema = Type.Object({
  node_id: DeviceId,
  timestamp: Type.Number({ minimum: 0 }),
  sensors: Sensors,
  wifi_rssi: Type.Optional(Type.Number()),
  uptime: Type.Optional(Type.Number({ minimum: 0 })),
});
const DroneSchema = Type.Object({
  drone_id: DeviceId,
  timestamp: Type.Optional(LegacyTimestamp),
  latitude: Type.Number(),
  longitude: Type.Number(),
  altitude: Type.Number(),
  velocity: Type.Number(),
  acceleration_x: Type.Number(),
  acceleration_y: Type.Number(),
  acceleration_z: Type.Number(),
  battery: Type.Optional(Type.Number()),
});

const checkFlat = TypeCompiler.Compile(FlatSchema);
const checkNode = TypeCompiler.Compile(NodeSchema);
const checkDrone = TypeCompiler.Compile(DroneSchema);

/** Sensor names of the legacy systems (lower-cased) and their canonical v1 names. */
export const SENSOR_RENAMES: Readonly<Record<string, string>> = {
  temp: 'temperature',
  hum: 'humidity',
  pir: 'motion',
  distance: 'proximity',
  dist: 'proximity',
  bat: 'battery',
  wifi_rssi: 'rssi',
};

/** Flat `iot/sensors` shape: the device id comes from the payload (unauthenticated). */
export function adaptFlat(value: unknown): Adapted {
  // The claimed id names the dead letter only when it is a well-formed id.
  const claimed =
    isRecord(value) &&
    typeof value.device_id === 'string' &&
    DEVICE_ID_PATTERN.test(value.device_id)
      ? value.device_id
      : undefined;
  const checked = validate(checkFlat, value, claimed);
  if (!checked.ok) return checked;
  const payload = checked.value;
  const deviceId = payload.device_id;
  return toTelemetry(
    deviceId,
    legacyTimestampMs(payload.timestamp),
    renameSensors(payload.sensors),
  );
}

/** `iot/node/<id>/telemetry` shape: epoch-second timestamps, Wi-Fi RSSI and uptime beside the sensors. */
export function adaptNode(topicDeviceId: string, value: unknown): Adapted {
  const checked = validate(checkNode, value, topicDeviceId);
  if (!checked.ok) return checked;
  const payload = checked.value;
  const metrics = renameSensors(payload.sensors);
  if (typeof metrics === 'string') return schemaProblem(metrics, topicDeviceId);
  if (payload.wifi_rssi !== undefined) {
    if (Object.hasOwn(metrics, 'rssi')) {
      return schemaProblem('wifi_rssi and sensors.rssi both give rssi', topicDeviceId);
    }
    metrics.rssi = payload.wifi_rssi;
  }
  if (payload.uptime !== undefined) {
    if (Object.hasOwn(metrics, 'uptime')) {
      return schemaProblem('uptime and sensors.uptime both give uptime', topicDeviceId);
    }
    metrics.uptime = payload.uptime;
  }
  return toTelemetry(topicDeviceId, legacyTimestampMs(payload.timestamp), metrics);
}

/**
 * `iot/drone/<id>/telemetry` shape. Without a timestamp the receive time stands in, and a
 * redelivery of such a message cannot be recognised as one.
 */
export function adaptDrone(topicDeviceId: string, value: unknown, receivedAt: number): Adapted {
  const checked = validate(checkDrone, value, topicDeviceId);
  if (!checked.ok) return checked;
  const payload = checked.value;
  const ts: ParsedInstant =
    payload.timestamp === undefined
      ? { ok: true, tsMs: receivedAt }
      : legacyTimestampMs(payload.timestamp);
  const metrics: Record<string, number | boolean> = {
    latitude: payload.latitude,
    longitude: payload.longitude,
    altitude: payload.altitude,
    speed: payload.velocity,
    accel_x: payload.acceleration_x,
    accel_y: payload.acceleration_y,
    accel_z: payload.acceleration_z,
  };
  if (payload.battery !== undefined) metrics.battery = payload.battery;
  return toTelemetry(topicDeviceId, ts, metrics);
}

/**
 * Legacy timestamps: RFC 3339 text (a missing zone reads as UTC), epoch seconds (numbers below
 * 1e11, i.e. before the year 5138 in seconds, 1973 in milliseconds) or epoch milliseconds.
 */
export function legacyTimestampMs(ts: string | number): ParsedInstant {
  if (typeof ts === 'string') return parseTimestamp(ts, { naiveAsUtc: true });
  const ms = ts < 1e11 ? Math.round(ts * 1000) : Math.round(ts);
  return Number.isSafeInteger(ms) && ms >= 0
    ? { ok: true, tsMs: ms }
    : { ok: false, detail: `timestamp ${ts}: not an epoch time in seconds or milliseconds` };
}

/** Canonical names for legacy sensor names; a string when one is unusable or two collide. */
function renameSensors(
  sensors: Record<string, number | boolean>,
): Record<string, number | boolean> | string {
  const metrics: Record<string, number | boolean> = {};
  const source: Record<string, string> = {};
  for (const [raw, reading] of Object.entries(sensors)) {
    const lower = raw.toLowerCase();
    const name = SENSOR_RENAMES[lower] ?? lower;
    if (!LIMITS.metricNamePattern.test(name)) {
      return `sensors.${raw}: not usable as a metric name (${LIMITS.metricNamePattern.source})`;
    }
    if (Object.hasOwn(metrics, name))
      return `sensors.${source[name]} and sensors.${raw} both give ${name}`;
    // Legacy PIR sensors reported motion as 0/1.
    metrics[name] = name === 'motion' && typeof reading === 'number' ? reading !== 0 : reading;
    source[name] = raw;
  }
  return metrics;
}

function toTelemetry(
  deviceId: string,
  ts: ParsedInstant,
  metrics: Record<string, number | boolean> | string,
): Adapted {
  if (typeof metrics === 'string') return schemaProblem(metrics, deviceId);
  // The same metric rules as v1: the adapters add fields, so the count is checked after them.
  const count = Object.keys(metrics).length;
  if (count === 0) return schemaProblem('sensors: no readings in the message', deviceId);
  if (count > LIMITS.maxMetrics) {
    return schemaProblem(`${count} metrics after mapping (limit ${LIMITS.maxMetrics})`, deviceId);
  }
  if (!ts.ok) return schemaProblem(ts.detail, deviceId);
  return {
    ok: true,
    deviceId,
    telemetry: { ts: ts.tsMs, boot: 0, seq: ts.tsMs, metrics },
    tsMs: ts.tsMs,
  };
}

/**
 * Identity first (a payload naming another device is a possible spoof, whatever else is wrong
 * with it), then the compiled schema.
 */
function validate<S extends TSchema>(
  check: TypeCheck<S>,
  value: unknown,
  deviceId: string | undefined,
): { ok: true; value: Static<S> } | Extract<Adapted, { ok: false }> {
  if (deviceId !== undefined && isRecord(value)) {
    const detail = claimedIdentity(value, deviceId, 'the sender');
    if (detail !== null) return { ok: false, reason: 'device_mismatch', detail, deviceId };
  }
  if (check.Check(value)) return { ok: true, value };
  return schemaProblem(firstSchemaError(check, value), deviceId);
}

function schemaProblem(
  detail: string,
  deviceId: string | undefined,
): Extract<Adapted, { ok: false }> {
  return deviceId === undefined
    ? { ok: false, reason: 'schema', detail }
    : { ok: false, reason: 'schema', detail, deviceId };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export type FlatMessage = Static<typeof FlatSchema>;
export type NodeMessage = Static<typeof NodeSchema>;
export type DroneMessage = Static<typeof DroneSchema>;
