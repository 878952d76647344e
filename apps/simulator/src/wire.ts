import { encodeTelemetry, type Telemetry, topics } from '@vigil/protocol';
import type { Reading } from './faults';
import type { DeviceKind } from './types';

/** v1 speaks `devices/<id>/telemetry`; legacy speaks the earlier `iot/node|drone/<id>/telemetry` shapes. */
export type WireFormat = 'v1' | 'legacy';

/** Both timestamp forms v1 allows; firmware differs in which it sends. */
export type TimestampFormat = 'epoch_ms' | 'rfc3339';

export type WireEncoder = {
  topic: string;
  /** The exact payload text for a reading; `extraFields` are added at the top level. */
  encode(reading: Reading, extraFields?: Record<string, unknown>): string;
};

export type WireOptions = {
  format: WireFormat;
  kind: DeviceKind;
  deviceId: string;
  timestampFormat: TimestampFormat;
  /** When the device booted, for the legacy `uptime` field. */
  bootAtMs: number;
  topicRoot?: string;
};

/** The topic and payload encoding a device uses. */
export function createWireEncoder(options: WireOptions): WireEncoder {
  if (options.format === 'v1') return v1Encoder(options);
  return options.kind === 'sensor' ? legacyNodeEncoder(options) : legacyDroneEncoder(options);
}

function v1Encoder(options: WireOptions): WireEncoder {
  return {
    topic: topics.telemetry(options.deviceId, options.topicRoot),
    encode(reading, extraFields) {
      const telemetry: Telemetry = {
        ts:
          options.timestampFormat === 'rfc3339'
            ? new Date(reading.tsMs).toISOString()
            : reading.tsMs,
        boot: reading.boot,
        seq: reading.seq,
        metrics: reading.metrics,
      };
      return extraFields === undefined
        ? encodeTelemetry(telemetry)
        : JSON.stringify({ ...extraFields, ...telemetry });
    },
  };
}

/** `iot/node/<id>/telemetry`: node_id, epoch seconds, temperature and humidity, wifi_rssi, uptime. */
function legacyNodeEncoder(options: WireOptions): WireEncoder {
  return {
    topic: `iot/node/${options.deviceId}/telemetry`,
    encode(reading, extraFields) {
      const { temperature, humidity, rssi } = reading.metrics;
      return JSON.stringify({
        node_id: options.deviceId,
        timestamp: Math.floor(reading.tsMs / 1000),
        sensors: { temperature, humidity },
        wifi_rssi: rssi,
        uptime: Math.max(0, Math.floor((reading.tsMs - options.bootAtMs) / 1000)),
        ...extraFields,
      });
    },
  };
}

/** `iot/drone/<id>/telemetry`: drone_id, position, velocity and acceleration_x/y/z. */
function legacyDroneEncoder(options: WireOptions): WireEncoder {
  return {
    topic: `iot/drone/${options.deviceId}/telemetry`,
    encode(reading, extraFields) {
      const m = reading.metrics;
      return JSON.stringify({
        drone_id: options.deviceId,
        timestamp: new Date(reading.tsMs).toISOString(),
        latitude: m.latitude,
        longitude: m.longitude,
        altitude: m.altitude,
        velocity: m.speed,
        acceleration_x: m.accel_x,
        acceleration_y: m.accel_y,
        acceleration_z: m.accel_z,
        ...extraFields,
      });
    },
  };
}
