import { describe, expect, test } from 'bun:test';
import { type DecodeOptions, decodeTelemetry } from './decode';
import { adaptFlat, legacyTimestampMs } from './legacy';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const allOn: DecodeOptions = { receivedAt: NOW, legacy: { flat: true, node: true, drone: true } };
const decode = (payload: unknown, topic: string, opts: DecodeOptions = { receivedAt: NOW }) =>
  decodeTelemetry(topic, bytes(payload), opts);

const flat = {
  device_id: 'old-1',
  timestamp: '2026-11-23T12:00:00Z',
  sensors: { temp: 20.5, motion: 1, hum: 40 },
};
const node = {
  node_id: 'n7',
  timestamp: NOW / 1000,
  sensors: { temperature: 19, humidity: 55 },
  wifi_rssi: -61,
  uptime: 3600,
};
const drone = {
  drone_id: 'd2',
  timestamp: NOW,
  latitude: 52.1,
  longitude: 4.3,
  altitude: 120,
  velocity: 8.5,
  acceleration_x: 0.1,
  acceleration_y: -0.2,
  acceleration_z: 9.8,
};

describe('flat iot/sensors', () => {
  test('is off by default', () => {
    expect(decode(flat, 'iot/sensors')).toEqual({
      ok: false,
      reason: 'legacy_disabled',
      detail: 'the legacy flat adapter is disabled',
    });
  });

  test('maps onto v1 when enabled: renamed sensors, boot 0, seq = ts ms', () => {
    expect(decode(flat, 'iot/sensors', allOn)).toEqual({
      ok: true,
      deviceId: 'old-1',
      telemetry: {
        ts: NOW,
        boot: 0,
        seq: NOW,
        metrics: { temperature: 20.5, motion: true, humidity: 40 },
      },
      tsMs: NOW,
    });
  });

  test.each([
    ['ISO with Z', '2026-11-23T12:00:00Z', NOW],
    ['ISO without a zone, read as UTC', '2026-11-23T12:00:00.125', NOW + 125],
    ['epoch seconds', NOW / 1000, NOW],
    ['fractional epoch seconds', NOW / 1000 + 0.5, NOW + 500],
    ['epoch milliseconds', NOW, NOW],
  ] as const)('timestamp as %s', (_, timestamp, expected) => {
    const result = decode({ ...flat, timestamp }, 'iot/sensors', allOn);
    expect(result.ok && result.tsMs).toBe(expected);
  });

  test('sensor names are lower-cased before renaming; other names pass through', () => {
    const result = adaptFlat({ ...flat, sensors: { Temp: 1, PIR: 0, dist: 30, co2: 400 } });
    expect(result.ok && result.telemetry.metrics).toEqual({
      temperature: 1,
      motion: false,
      proximity: 30,
      co2: 400,
    });
  });

  test('two sensors giving the same metric are refused rather than one silently winning', () => {
    expect(adaptFlat({ ...flat, sensors: { temp: 1, temperature: 2 } })).toEqual({
      ok: false,
      reason: 'schema',
      detail: 'sensors.temp and sensors.temperature both give temperature',
      deviceId: 'old-1',
    });
  });

  test('an empty sensors object is refused, not stored as a reading without metrics', () => {
    expect(adaptFlat({ ...flat, sensors: {} })).toEqual({
      ok: false,
      reason: 'schema',
      detail: 'sensors: no readings in the message',
      deviceId: 'old-1',
    });
  });

  test('another identity field disagreeing with device_id is device_mismatch', () => {
    expect(decode({ ...flat, node_id: 'old-2' }, 'iot/sensors', allOn)).toMatchObject({
      reason: 'device_mismatch',
      deviceId: 'old-1',
    });
  });

  test('bad sensor names, bad timestamps, bad ids are schema errors', () => {
    expect(decode({ ...flat, sensors: { 'bad name!': 1 } }, 'iot/sensors', allOn)).toMatchObject({
      reason: 'schema',
      detail: expect.stringContaining('sensors.bad name!: not usable as a metric name'),
    });
    expect(decode({ ...flat, timestamp: 'yesterday' }, 'iot/sensors', allOn)).toMatchObject({
      reason: 'schema',
      detail: expect.stringContaining('"yesterday"'),
    });
    const spoofy = decode({ ...flat, device_id: '+' }, 'iot/sensors', allOn);
    expect(spoofy).toMatchObject({
      reason: 'schema',
      detail: expect.stringContaining('device_id'),
    });
    expect(spoofy.ok || spoofy.deviceId).toBeUndefined();
  });
});

describe('node iot/node/<id>/telemetry', () => {
  test('epoch seconds; wifi_rssi and uptime become metrics', () => {
    expect(decode(node, 'iot/node/n7/telemetry')).toEqual({
      ok: true,
      deviceId: 'n7',
      telemetry: {
        ts: NOW,
        boot: 0,
        seq: NOW,
        metrics: { temperature: 19, humidity: 55, rssi: -61, uptime: 3600 },
      },
      tsMs: NOW,
    });
  });

  test('node_id must equal the topic id', () => {
    expect(decode({ ...node, node_id: 'n8' }, 'iot/node/n7/telemetry')).toEqual({
      ok: false,
      reason: 'device_mismatch',
      detail: 'payload node_id "n8" disagrees with the sender "n7"',
      deviceId: 'n7',
    });
    expect(decode({ ...node, device_id: 'x' }, 'iot/node/n7/telemetry')).toMatchObject({
      reason: 'device_mismatch',
    });
  });

  test('bad values, empty readings, duplicates and skewed clocks are refused with reasons', () => {
    const topic = 'iot/node/n7/telemetry';
    expect(decode({ ...node, sensors: { temperature: 'x' } }, topic)).toMatchObject({
      reason: 'schema',
      detail: expect.stringContaining('sensors.temperature'),
    });
    const { wifi_rssi: _r, uptime: _u, ...bare } = node;
    expect(decode({ ...bare, sensors: {} }, topic)).toMatchObject({
      reason: 'schema',
      detail: 'sensors: no readings in the message',
    });
    expect(decode({ ...node, sensors: { rssi: -50 } }, topic)).toMatchObject({
      detail: 'wifi_rssi and sensors.rssi both give rssi',
    });
    expect(decode({ ...node, timestamp: NOW / 1000 + 3600 }, topic)).toMatchObject({
      reason: 'clock_skew',
      detail: expect.stringContaining('60 min ahead'),
    });
  });
});

test('maxMetrics holds after the adapter adds rssi and uptime', () => {
  const sensors = (count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, i]));
  const topic = 'iot/node/n7/telemetry';
  expect(decode({ ...node, sensors: sensors(62) }, topic).ok).toBe(true);
  expect(decode({ ...node, sensors: sensors(63) }, topic)).toMatchObject({
    reason: 'schema',
    detail: '65 metrics after mapping (limit 64)',
  });
});

describe('drone iot/drone/<id>/telemetry', () => {
  test('velocity and accelerations get canonical names', () => {
    const result = decode(drone, 'iot/drone/d2/telemetry');
    expect(result.ok && result.telemetry).toEqual({
      ts: NOW,
      boot: 0,
      seq: NOW,
      metrics: {
        latitude: 52.1,
        longitude: 4.3,
        altitude: 120,
        speed: 8.5,
        accel_x: 0.1,
        accel_y: -0.2,
        accel_z: 9.8,
      },
    });
  });

  test('without a timestamp the receive time stands in', () => {
    const { timestamp: _, ...untimed } = drone;
    const result = decode(untimed, 'iot/drone/d2/telemetry');
    expect(result.ok && result.tsMs).toBe(NOW);
  });

  test('drone_id must equal the topic id; missing fields are schema errors', () => {
    expect(decode({ ...drone, drone_id: 'x' }, 'iot/drone/d2/telemetry')).toMatchObject({
      reason: 'device_mismatch',
    });
    expect(decode({ ...drone, latitude: undefined }, 'iot/drone/d2/telemetry')).toMatchObject({
      reason: 'schema',
      detail: 'latitude: expected required property',
    });
  });
});

test('node and drone adapters can be switched off', () => {
  const off = { receivedAt: NOW, legacy: { flat: false, node: false, drone: false } };
  expect(decode(node, 'iot/node/n7/telemetry', off)).toEqual({
    ok: false,
    reason: 'legacy_disabled',
    detail: 'the legacy node adapter is disabled',
    deviceId: 'n7',
  });
  expect(decode(drone, 'iot/drone/d2/telemetry', off)).toMatchObject({
    reason: 'legacy_disabled',
    deviceId: 'd2',
  });
});

test('legacyTimestampMs: the seconds/milliseconds boundary sits at 1e11', () => {
  expect(legacyTimestampMs(99_999_999_999)).toEqual({ ok: true, tsMs: 99_999_999_999_000 });
  expect(legacyTimestampMs(100_000_000_000)).toEqual({ ok: true, tsMs: 100_000_000_000 });
  expect(legacyTimestampMs(1e300).ok).toBe(false);
});
