import { describe, expect, test } from 'bun:test';
import { type DecodeOptions, decodeTelemetry } from './decode';
import { LIMITS } from './limits';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const options: DecodeOptions = { receivedAt: NOW };
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const valid = { ts: NOW, boot: 42, seq: 7, metrics: { temperature: 21.5, motion: false } };
const decode = (payload: unknown, topic = 'devices/node-1/telemetry', opts = options) =>
  decodeTelemetry(topic, bytes(payload), opts);

describe('decodeTelemetry v1', () => {
  test('accepts a valid message and names the device from the topic', () => {
    const result = decode(valid);
    expect(result).toEqual({ ok: true, deviceId: 'node-1', telemetry: valid, tsMs: NOW });
  });

  test('accepts RFC 3339 timestamps with offsets and fractions', () => {
    const result = decode({ ...valid, ts: '2026-11-23T13:00:00.250+01:00' });
    expect(result.ok && result.tsMs).toBe(NOW + 250);
  });

  test.each([
    ['bad_json', '{"ts":', 'invalid JSON'],
    ['bad_json', '[[[[[[[[[1]]]]]]]]]', 'nested 9 levels'],
    ['schema', { ...valid, extra: 1 }, '/extra'],
    ['schema', { ...valid, seq: -1 }, '/seq'],
    ['schema', { ...valid, boot: 2 ** 32 }, '/boot'],
    ['schema', { ...valid, metrics: {} }, '/metrics'],
    ['schema', { ...valid, metrics: { Temp: 1 } }, 'metric names must match'],
    ['schema', { ...valid, metrics: { t: 'hot' } }, 'expected a finite number or a boolean'],
    ['schema', '{"ts":1,"boot":1,"seq":1,"metrics":{"t":1e999}}', 'got Infinity'],
    ['schema', { ...valid, ts: '23/11/2026' }, '/ts'],
    ['device_mismatch', { ...valid, device_id: 'node-2' }, '"node-2"'],
    ['clock_skew', { ...valid, ts: NOW + LIMITS.maxFutureSkewMs + 1 }, 'ahead of receive time'],
    ['clock_skew', { ...valid, ts: NOW - LIMITS.maxPastSkewMs - 1 }, 'behind receive time'],
    ['clock_skew', { ...valid, ts: Math.floor(NOW / 1000) }, 'looks like epoch seconds'],
  ] as const)('rejects %s (%#)', (reason, payload, detail) => {
    const result = decode(payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.detail).toContain(detail);
  });

  test('rejects an oversize payload before parsing it', () => {
    const result = decodeTelemetry(
      'devices/a/telemetry',
      new Uint8Array(LIMITS.maxPayloadBytes + 1),
      options,
    );
    expect(result).toMatchObject({ ok: false, reason: 'oversize', deviceId: 'a' });
  });

  test('rejects invalid UTF-8', () => {
    const result = decodeTelemetry(
      'devices/a/telemetry',
      new Uint8Array([0x7b, 0xff, 0x7d]),
      options,
    );
    expect(result).toMatchObject({ ok: false, reason: 'bad_utf8' });
  });

  test('limits hold exactly at the boundary', () => {
    const atMetrics = Object.fromEntries(
      Array.from({ length: LIMITS.maxMetrics }, (_, i) => [`m${i}`, i]),
    );
    expect(decode({ ...valid, metrics: atMetrics }).ok).toBe(true);
    const overMetrics = { ...atMetrics, extra: 1 };
    expect(decode({ ...valid, metrics: overMetrics })).toMatchObject({
      ok: false,
      reason: 'schema',
    });

    expect(decode({ ...valid, ts: NOW + LIMITS.maxFutureSkewMs }).ok).toBe(true);
    expect(decode({ ...valid, ts: NOW - LIMITS.maxPastSkewMs }).ok).toBe(true);
    expect(decode({ ...valid, boot: LIMITS.maxBoot }).ok).toBe(true);

    const name63 = `a${'b'.repeat(62)}`;
    expect(decode({ ...valid, metrics: { [name63]: 1 } }).ok).toBe(true);
    expect(decode({ ...valid, metrics: { [`${name63}c`]: 1 } }).ok).toBe(false);

    const padded = (size: number) => {
      const base = JSON.stringify({ ...valid, metrics: { pad: 1 } });
      return `${base.slice(0, -1)}${' '.repeat(size - base.length)}}`;
    };
    expect(decode(padded(LIMITS.maxPayloadBytes)).ok).toBe(true);
    expect(decode(padded(LIMITS.maxPayloadBytes + 1))).toMatchObject({ reason: 'oversize' });
  });

  test('refuses topics that are not telemetry topics', () => {
    for (const topic of [
      'devices/a/state',
      'devices/a/telemetry/x',
      'other/a/telemetry',
      'devices/+/telemetry',
    ]) {
      expect(decode(valid, topic)).toMatchObject({ ok: false, reason: 'unknown_topic' });
    }
  });

  test('honours a custom topic root', () => {
    expect(decode(valid, 'plant7/a/telemetry', { receivedAt: NOW, topicRoot: 'plant7' }).ok).toBe(
      true,
    );
    expect(decode(valid, 'devices/a/telemetry', { receivedAt: NOW, topicRoot: 'plant7' }).ok).toBe(
      false,
    );
  });
});

describe('decodeTelemetry legacy shapes', () => {
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
  const all = { legacy: { flat: true, node: true, drone: true }, receivedAt: NOW };

  test('flat iot/sensors is off by default and maps onto v1 when enabled', () => {
    expect(decode(flat, 'iot/sensors')).toMatchObject({ ok: false, reason: 'legacy_disabled' });
    const result = decode(flat, 'iot/sensors', all);
    expect(result).toEqual({
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

  test('node shape: epoch seconds, RSSI and uptime become metrics', () => {
    const result = decode(node, 'iot/node/n7/telemetry');
    expect(result).toEqual({
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

  test('drone shape maps velocity and accelerations to canonical names', () => {
    const result = decode(drone, 'iot/drone/d2/telemetry');
    expect(result.ok && result.telemetry.metrics).toEqual({
      latitude: 52.1,
      longitude: 4.3,
      altitude: 120,
      speed: 8.5,
      accel_x: 0.1,
      accel_y: -0.2,
      accel_z: 9.8,
    });
  });

  test('a drone message without a timestamp takes the receive time', () => {
    const { timestamp: _, ...untimed } = drone;
    const result = decode(untimed, 'iot/drone/d2/telemetry');
    expect(result.ok && result.tsMs).toBe(NOW);
  });

  test('payload ids disagreeing with the topic are device_mismatch', () => {
    expect(decode({ ...node, node_id: 'n8' }, 'iot/node/n7/telemetry')).toMatchObject({
      reason: 'device_mismatch',
      deviceId: 'n7',
    });
    expect(decode({ ...drone, drone_id: 'x' }, 'iot/drone/d2/telemetry')).toMatchObject({
      reason: 'device_mismatch',
    });
  });

  test('legacy messages with bad fields or skewed clocks are rejected with reasons', () => {
    expect(
      decode({ ...node, sensors: { temperature: 'x' } }, 'iot/node/n7/telemetry'),
    ).toMatchObject({ reason: 'schema' });
    expect(decode({ ...drone, latitude: undefined }, 'iot/drone/d2/telemetry')).toMatchObject({
      reason: 'schema',
    });
    expect(
      decode({ ...node, timestamp: NOW / 1000 + 3600 }, 'iot/node/n7/telemetry'),
    ).toMatchObject({ reason: 'clock_skew' });
    expect(decode({ ...flat, sensors: { 'bad name!': 1 } }, 'iot/sensors', all)).toMatchObject({
      reason: 'schema',
    });
  });

  test('node and drone adapters can be switched off', () => {
    const off = { receivedAt: NOW, legacy: { flat: false, node: false, drone: false } };
    expect(decode(node, 'iot/node/n7/telemetry', off)).toMatchObject({
      reason: 'legacy_disabled',
      deviceId: 'n7',
    });
    expect(decode(drone, 'iot/drone/d2/telemetry', off)).toMatchObject({
      reason: 'legacy_disabled',
    });
  });
});
