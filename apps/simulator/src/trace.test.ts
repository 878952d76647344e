import { describe, expect, test } from 'bun:test';
import { canonicalMetric, decodeTelemetry } from '@vigil/protocol';
import { num, parsePayload } from '../test/payload';
import { FAULTS_BY_KIND } from './faults';
import { generateFleetTrace, generateTrace } from './trace';
import { type DeviceKind, FAULT_TYPES, type FaultType, type TraceOptions } from './types';

const START = Date.UTC(2026, 5, 1, 8, 0, 0);
const HOUR = 3_600_000;

function trace(overrides: Partial<TraceOptions> = {}) {
  return generateTrace({
    seed: 1,
    deviceId: 'sensor-001',
    kind: 'sensor',
    startMs: START,
    durationMs: 10 * 60_000,
    intervalMs: 1000,
    faults: 'random',
    faultRate: 0.2,
    ...overrides,
  });
}

describe('generateTrace determinism', () => {
  test('the same options give byte-identical traces', () => {
    expect(trace()).toEqual(trace());
    expect(trace({ kind: 'drone', deviceId: 'drone-001' })).toEqual(
      trace({ kind: 'drone', deviceId: 'drone-001' }),
    );
  });

  test('another seed or device gives another trace', () => {
    const base = trace().map((m) => m.payload);
    expect(trace({ seed: 2 }).map((m) => m.payload)).not.toEqual(base);
    expect(trace({ deviceId: 'sensor-002' }).map((m) => m.payload)).not.toEqual(base);
  });

  test('is sorted by receivedAt and labels only fault types', () => {
    const messages = trace();
    for (let i = 1; i < messages.length; i++) {
      expect(messages[i]?.receivedAt).toBeGreaterThanOrEqual(messages[i - 1]?.receivedAt ?? 0);
    }
    for (const m of messages) {
      expect(m.label === null || FAULT_TYPES.includes(m.label)).toBe(true);
    }
  });

  test('one reading per interval without faults, seq counting up by one within a boot', () => {
    const messages = trace({ faults: 'none' });
    expect(messages).toHaveLength(600);
    const parsed = messages.map((m) => parsePayload(m.payload));
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]?.seq).toBe((parsed[i - 1]?.seq ?? 0) + 1);
      expect(parsed[i]?.boot).toBe(parsed[0]?.boot as number);
    }
    expect(messages.every((m) => m.label === null)).toBe(true);
  });
});

describe('generateTrace validation', () => {
  test.each([
    [{ seed: 0.5 }, 'seed'],
    [{ deviceId: 'a/b' }, 'deviceId'],
    [{ kind: 'robot' as DeviceKind }, 'kind'],
    [{ intervalMs: 0 }, 'intervalMs'],
    [{ durationMs: -1 }, 'durationMs'],
    [{ durationMs: 1e12 }, 'durationMs / intervalMs'],
    [{ faultRate: 1 }, 'fault rate'],
    [{ faults: [{ type: 'nope' as FaultType, atMs: 0, durationMs: 1 }] }, 'faults[0].type'],
    [{ faults: [{ type: 'gps_jump' as const, atMs: 0, durationMs: 1000 }] }, 'does not apply'],
    [{ faults: [{ type: 'spike' as const, atMs: -1, durationMs: 1000 }] }, 'atMs'],
    [
      {
        faults: [
          { type: 'spike' as const, atMs: 0, durationMs: 5000 },
          { type: 'noise' as const, atMs: 4000, durationMs: 5000 },
        ],
      },
      'overlaps',
    ],
  ])('rejects %p naming %s', (overrides, message) => {
    expect(() => trace(overrides)).toThrow(message);
  });
});

describe('normal traffic', () => {
  const fleet = generateFleetTrace({
    seed: 11,
    sensors: 4,
    drones: 3,
    startMs: START,
    durationMs: 3 * HOUR,
    intervalMs: 10_000,
    faultRate: 0,
  });

  test('decodes as valid v1 telemetry with @vigil/protocol', () => {
    const encoder = new TextEncoder();
    for (const m of fleet) {
      const decoded = decodeTelemetry(m.topic, encoder.encode(m.payload), {
        receivedAt: m.receivedAt,
      });
      if (!decoded.ok) throw new Error(`${m.payload}: ${decoded.reason} ${decoded.detail}`);
      expect(decoded.deviceId).toBe(m.deviceId);
    }
  });

  test('every metric is canonical, within its physical range and realistic for the kind', () => {
    const realistic: Record<DeviceKind, Record<string, [number, number]>> = {
      sensor: {
        temperature: [5, 35],
        humidity: [5, 95],
        proximity: [2, 400],
        battery: [0, 100],
        rssi: [-100, -30],
      },
      drone: {
        latitude: [47.9, 48.4],
        longitude: [11.3, 11.9],
        altitude: [0, 150],
        speed: [0, 15],
        accel_x: [-4, 4],
        accel_y: [-4, 4],
        accel_z: [7, 12.5],
        battery: [10, 100],
        rssi: [-100, -30],
      },
    };
    for (const m of fleet) {
      const { metrics } = parsePayload(m.payload);
      const expected = realistic[m.kind];
      const names = Object.keys(metrics).filter((n) => n !== 'motion');
      expect(names.sort()).toEqual(Object.keys(expected).sort());
      for (const [name, [min, max]] of Object.entries(expected)) {
        const value = num(metrics, name);
        const spec = canonicalMetric(name);
        expect(spec?.kind).toBe('number');
        if (value < min || value > max) throw new Error(`${m.deviceId} ${name}=${value}`);
        if (spec?.min !== undefined) expect(value).toBeGreaterThanOrEqual(spec.min);
        if (spec?.max !== undefined) expect(value).toBeLessThanOrEqual(spec.max);
      }
    }
  });

  test('sensor motion is rare and drones move smoothly', () => {
    const sensors = fleet.filter((m) => m.kind === 'sensor').map((m) => parsePayload(m.payload));
    const moving = sensors.filter((p) => p.metrics.motion === true).length;
    expect(moving).toBeGreaterThan(0);
    expect(moving / sensors.length).toBeLessThan(0.1);

    const drone = fleet
      .filter((m) => m.deviceId === 'drone-001')
      .map((m) => parsePayload(m.payload));
    let moved = 0;
    for (let i = 1; i < drone.length; i++) {
      const a = drone[i - 1]?.metrics ?? {};
      const b = drone[i]?.metrics ?? {};
      const metres = Math.hypot(
        (num(b, 'latitude') - num(a, 'latitude')) * 111_320,
        (num(b, 'longitude') - num(a, 'longitude')) * 111_320 * Math.cos((48.1 * Math.PI) / 180),
      );
      // At most cruise speed (14 m/s) for 10 s, plus GPS noise.
      expect(metres).toBeLessThan(150);
      moved += metres;
    }
    expect(moved).toBeGreaterThan(1_000);
  });
});

describe('generateFleetTrace', () => {
  const options = {
    seed: 5,
    sensors: 10,
    drones: 10,
    startMs: START,
    durationMs: 2 * HOUR,
    intervalMs: 1000,
    faultRate: 0.1,
  };
  const fleet = generateFleetTrace(options);

  test('interleaves every device by receivedAt, deterministically', () => {
    const ids = new Set(fleet.map((m) => m.deviceId));
    expect(ids.size).toBe(20);
    expect(ids.has('sensor-010') && ids.has('drone-010')).toBe(true);
    for (let i = 1; i < fleet.length; i++) {
      expect(fleet[i]?.receivedAt).toBeGreaterThanOrEqual(fleet[i - 1]?.receivedAt ?? 0);
    }
    const again = generateFleetTrace({ ...options, durationMs: 10 * 60_000 });
    expect(again).toEqual(generateFleetTrace({ ...options, durationMs: 10 * 60_000 }));
  });

  test('injects every fault type that applies to each kind, near the requested rate', () => {
    for (const kind of ['sensor', 'drone'] as const) {
      const labels = new Set(fleet.filter((m) => m.kind === kind).map((m) => m.label));
      for (const type of FAULTS_BY_KIND[kind]) expect(labels.has(type)).toBe(true);
    }
    expect(fleet.some((m) => m.kind === 'sensor' && m.label === 'gps_jump')).toBe(false);
    expect(fleet.some((m) => m.kind === 'drone' && m.label === 'tamper')).toBe(false);
    // A spoofer claiming an identity claims another device of the same fleet.
    const ids = new Set(fleet.map((m) => m.deviceId));
    const claims = fleet.flatMap((m) => {
      const { extra } = parsePayload(m.payload);
      const claimed = extra.device_id ?? extra.drone_id;
      return m.label === 'spoof' && claimed !== undefined
        ? [{ claimed, deviceId: m.deviceId }]
        : [];
    });
    expect(claims.length).toBeGreaterThan(0);
    for (const { claimed, deviceId } of claims) {
      expect(ids.has(claimed as string) && claimed !== deviceId).toBe(true);
    }
    const labelled = fleet.filter((m) => m.label !== null).length / fleet.length;
    expect(labelled).toBeGreaterThan(0.02);
    expect(labelled).toBeLessThan(0.4);
  });

  test('a zero fault rate gives clean traffic; bad counts and rates are refused', () => {
    const clean = generateFleetTrace({ ...options, durationMs: 60_000, faultRate: 0 });
    expect(clean.every((m) => m.label === null)).toBe(true);
    expect(clean).toHaveLength(20 * 60);
    expect(() => generateFleetTrace({ ...options, sensors: -1 })).toThrow('sensors');
    expect(() => generateFleetTrace({ ...options, faultRate: 1 })).toThrow('faultRate');
  });
});
