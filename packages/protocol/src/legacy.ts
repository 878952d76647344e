import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LIMITS } from './limits';
import type { Telemetry } from './schemas';
import { timestampMs } from './timestamp';
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
export const DEFAULT_LEGACY: LegacyToggles = { flat: false, node: true, drone: true };

export type Adapted =
  | { ok: true; deviceId: string; telemetry: Telemetry }
  | { ok: false; reason: 'schema' | 'device_mismatch'; detail: string; deviceId?: string };

const LegacyTimestamp = Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 })]);
const SensorValue = Type.Union([Type.Number(), Type.Boolean()]);
const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN.source });

const FlatSchema = Type.Object({
  device_id: DeviceId,
  timestamp: LegacyTimestamp,
  sensors: Type.Record(Type.String({ maxLength: 63 }), SensorValue, {
    minProperties: 1,
    maxProperties: LIMITS.maxMetrics,
  }),
});
const NodeSchema = Type.Object({
  node_id: DeviceId,
  timestamp: Type.Number({ minimum: 0 }),
  sensors: Type.Record(Type.String({ maxLength: 63 }), SensorValue, {
    maxProperties: LIMITS.maxMetrics,
  }),
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

/** Sensor names of the legacy systems and their canonical v1 names. */
const SENSOR_RENAMES: Record<string, string> = {
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
  const invalid = schemaError(checkFlat, value);
  if (invalid !== null) return invalid;
  const payload = value as Static<typeof FlatSchema>;
  const tsMs = legacyTimestampMs(payload.timestamp);
  if (tsMs === null) return badTimestamp(payload.timestamp, payload.device_id);
  const metrics = renameSensors(payload.sensors);
  if (typeof metrics === 'string')
    return { ok: false, reason: 'schema', detail: metrics, deviceId: payload.device_id };
  return {
    ok: true,
    deviceId: payload.device_id,
    telemetry: { ts: tsMs, boot: 0, seq: tsMs, metrics },
  };
}

/** `iot/node/<id>/telemetry` shape: epoch-second timestamps, Wi-Fi RSSI and uptime beside the sensors. */
export function adaptNode(topicDeviceId: string, value: unknown): Adapted {
  const invalid = schemaError(checkNode, value, topicDeviceId);
  if (invalid !== null) return invalid;
  const payload = value as Static<typeof NodeSchema>;
  if (payload.node_id !== topicDeviceId) return mismatch('node_id', payload.node_id, topicDeviceId);
  const tsMs = legacyTimestampMs(payload.timestamp);
  if (tsMs === null) return badTimestamp(payload.timestamp, topicDeviceId);
  const metrics = renameSensors(payload.sensors);
  if (typeof metrics === 'string')
    return { ok: false, reason: 'schema', detail: metrics, deviceId: topicDeviceId };
  if (payload.wifi_rssi !== undefined) metrics.rssi = payload.wifi_rssi;
  if (payload.uptime !== undefined) metrics.uptime = payload.uptime;
  if (Object.keys(metrics).length === 0) {
    return {
      ok: false,
      reason: 'schema',
      detail: 'no sensor values in the message',
      deviceId: topicDeviceId,
    };
  }
  return {
    ok: true,
    deviceId: topicDeviceId,
    telemetry: { ts: tsMs, boot: 0, seq: tsMs, metrics },
  };
}

/**
 * `iot/drone/<id>/telemetry` shape. Without a timestamp the receive time stands in, and a
 * redelivery of such a message cannot be recognised as one.
 */
export function adaptDrone(topicDeviceId: string, value: unknown, receivedAt: number): Adapted {
  const invalid = schemaError(checkDrone, value, topicDeviceId);
  if (invalid !== null) return invalid;
  const payload = value as Static<typeof DroneSchema>;
  if (payload.drone_id !== topicDeviceId)
    return mismatch('drone_id', payload.drone_id, topicDeviceId);
  const tsMs = payload.timestamp === undefined ? receivedAt : legacyTimestampMs(payload.timestamp);
  if (tsMs === null) return badTimestamp(payload.timestamp ?? '', topicDeviceId);
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
  return {
    ok: true,
    deviceId: topicDeviceId,
    telemetry: { ts: tsMs, boot: 0, seq: tsMs, metrics },
  };
}

/** Legacy timestamps: RFC 3339 text, epoch seconds (below 1e11) or epoch milliseconds. */
export function legacyTimestampMs(ts: string | number): number | null {
  if (typeof ts === 'string') return timestampMs(ts);
  if (!Number.isFinite(ts) || ts < 0) return null;
  const ms = ts < 1e11 ? Math.round(ts * 1000) : Math.round(ts);
  return Number.isSafeInteger(ms) ? ms : null;
}

function renameSensors(
  sensors: Record<string, number | boolean>,
): Record<string, number | boolean> | string {
  const metrics: Record<string, number | boolean> = {};
  for (const [raw, value] of Object.entries(sensors)) {
    const name = SENSOR_RENAMES[raw] ?? raw.toLowerCase();
    if (!LIMITS.metricNamePattern.test(name)) return `sensors.${raw}: not a valid metric name`;
    if (typeof value === 'number' && !Number.isFinite(value))
      return `sensors.${raw}: expected a finite number`;
    metrics[name] = name === 'motion' && typeof value === 'number' ? value !== 0 : value;
  }
  return metrics;
}

function schemaError(
  check: {
    Check(v: unknown): boolean;
    Errors(v: unknown): Iterable<{ path: string; message: string }>;
  },
  value: unknown,
  deviceId?: string,
): Adapted | null {
  if (check.Check(value)) return null;
  const first = [...check.Errors(value)][0];
  const detail =
    first === undefined ? 'invalid legacy message' : `${first.path || '/'}: ${first.message}`;
  return deviceId === undefined
    ? { ok: false, reason: 'schema', detail }
    : { ok: false, reason: 'schema', detail, deviceId };
}

function mismatch(field: string, claimed: string, topicDeviceId: string): Adapted {
  return {
    ok: false,
    reason: 'device_mismatch',
    detail: `payload ${field} "${claimed}" disagrees with the topic's device "${topicDeviceId}"`,
    deviceId: topicDeviceId,
  };
}

function badTimestamp(ts: string | number, deviceId: string): Adapted {
  return {
    ok: false,
    reason: 'schema',
    detail: `timestamp ${JSON.stringify(ts)} is not a valid instant`,
    deviceId,
  };
}
