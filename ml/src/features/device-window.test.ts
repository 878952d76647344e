import { describe, expect, test } from 'bun:test';
import { DeviceWindow, rebuildWindow, type TelemetryReading } from './device-window';
import { FEATURE_INDEX as F, FEATURE_COUNT } from './names';

const T0 = Date.UTC(2026, 0, 5);

/** A steady sensor: temperature with small deterministic wiggle, reporting every second. */
function reading(
  i: number,
  over: Partial<TelemetryReading> = {},
  metrics: Record<string, number | boolean> = {},
): TelemetryReading {
  return {
    receivedAt: T0 + i * 1000 + 5,
    tsMs: T0 + i * 1000,
    boot: 7,
    seq: i,
    metrics: {
      temperature: 20 + 0.05 * Math.sin(i * 1.7) + 0.03 * Math.cos(i * 0.37),
      humidity: 40 + 0.2 * Math.sin(i * 0.9),
      ...metrics,
    },
    ...over,
  };
}

function warmWindow(n = 600): DeviceWindow {
  const w = new DeviceWindow();
  const out = new Float32Array(FEATURE_COUNT);
  for (let i = 0; i < n; i++) w.update(reading(i), out);
  return w;
}

describe('DeviceWindow', () => {
  test('normal readings give small, finite features of fixed length', () => {
    const w = warmWindow();
    const out = new Float32Array(FEATURE_COUNT);
    const facts = w.update(reading(600), out);
    expect(facts.relation).toBe('session');
    expect(out.every(Number.isFinite)).toBe(true);
    expect(out[F.z_max]).toBeLessThan(2);
    expect(out[F.freeze_max]).toBeLessThan(1);
    expect(facts.gapRatio).toBeCloseTo(1, 1);
  });

  test('after a frozen chip recovers, its readings are not taken for noise', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const chip = warmWindow(2_000);
    for (let i = 2_000; i < 2_300; i++) {
      chip.update(reading(i, {}, { temperature: 20.01, humidity: 40.1 }), out);
    }
    let roughest = 0;
    // The first 8 readings after it still include the catch-up step.
    for (let i = 2_300; i < 2_400; i++) {
      const facts = chip.update(reading(i), out);
      if (i >= 2_310) roughest = Math.max(roughest, facts.roughness);
    }
    expect(roughest).toBeLessThan(1.5);
  });

  test('two metrics unchanged at once are frozen together, one alone is not', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const chip = warmWindow();
    let facts = chip.update(reading(600, {}, { temperature: 20.01, humidity: 40.1 }), out);
    for (let i = 601; i < 607; i++) {
      facts = chip.update(reading(i, {}, { temperature: 20.01, humidity: 40.1 }), out);
    }
    // Six readings unchanged: half the single-metric freeze rule's run, both metrics at 1.5x.
    expect(facts.freezeRatio).toBeLessThan(3);
    expect(facts.frozenTogether).toBeGreaterThanOrEqual(1.5);

    const one = warmWindow();
    for (let i = 600; i < 607; i++) facts = one.update(reading(i, {}, { temperature: 20.01 }), out);
    expect(facts.freezeRatio).toBeGreaterThanOrEqual(1.5);
    expect(facts.frozenTogether).toBe(0);
  });

  test('a flood does not make a slowly changing value look frozen sooner than time does', () => {
    // The battery reading steps every 10 s: runs of 9 unchanged readings are normal.
    const battery = (tMs: number) => ({ battery: 80 - Math.floor((tMs - T0) / 10_000) * 0.1 });
    const out = new Float32Array(FEATURE_COUNT);
    const flooded = new DeviceWindow();
    for (let i = 0; i < 2_000; i++) flooded.update(reading(i, {}, battery(T0 + i * 1000)), out);
    let worst = 0;
    // 400 readings 50 ms apart (20 s of the device's time), then the normal pace again.
    for (let k = 0; k < 420; k++) {
      const tMs = k < 400 ? T0 + 2_000_000 + k * 50 : T0 + 2_020_000 + (k - 400) * 1000;
      const at = { tsMs: tMs, receivedAt: tMs + 5, seq: 2_000 + k };
      const facts = flooded.update(reading(2_000 + k, at, battery(tMs)), out);
      worst = Math.max(worst, facts.freezeRatio);
    }
    expect(worst).toBeLessThan(2);

    // The same battery stuck for 40 s at the normal pace is frozen.
    const stuck = new DeviceWindow();
    for (let i = 0; i < 2_000; i++) stuck.update(reading(i, {}, battery(T0 + i * 1000)), out);
    let facts = stuck.update(reading(2_000, {}, { battery: 60 }), out);
    for (let i = 2_001; i < 2_040; i++) facts = stuck.update(reading(i, {}, { battery: 60 }), out);
    expect(facts.freezeRatio).toBeGreaterThan(3);
  });

  test('a spike raises z, a frozen value raises freeze, a drift raises level', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const spiked = warmWindow();
    spiked.update(reading(600, {}, { temperature: 45 }), out);
    expect(out[F.z_max]).toBeGreaterThan(3);

    const frozen = warmWindow();
    for (let i = 600; i < 640; i++) frozen.update(reading(i, {}, { temperature: 20.01 }), out);
    expect(out[F.freeze_max]).toBeGreaterThan(1.5);

    // Drift is judged against a settled history (the first 1,800 readings teach what normal is).
    const drifting = warmWindow(2_000);
    for (let i = 2_000; i < 2_300; i++) {
      drifting.update(reading(i, {}, { temperature: 20 + (i - 2_000) * 0.02 }), out);
    }
    expect(out[F.level_max]).toBeGreaterThan(2);
    expect(out[F.level_persist_max]).toBeGreaterThan(2);
  });

  test('session semantics: replay, a second live boot, a gap, a backlog burst, a flood', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const w = warmWindow();
    expect(w.update(reading(100, { receivedAt: T0 + 600_000 }), out).relation).toBe('replay');
    expect(w.update(reading(601, { boot: 99, seq: 50_000 }), out).relation).toBe('second_boot');
    expect(w.update(reading(600), out).relation).toBe('session');
    const gap = w.update(reading(700), out);
    expect(gap.missing).toBe(99);
    expect(gap.gapRatio).toBeGreaterThan(50);
    // A backlog delivered in a burst: fast arrivals, but sent at the normal pace. Not a flood.
    let facts = gap;
    for (let k = 1; k <= 6; k++)
      facts = w.update(reading(700 + k, { receivedAt: T0 + 700_005 + k * 40 }), out);
    expect(facts.rateRatio).toBeLessThan(2);
    // A flood: sent and received fast.
    for (let k = 1; k <= 6; k++) {
      facts = w.update(
        reading(706 + k, { tsMs: T0 + 706_000 + k * 40, receivedAt: T0 + 706_005 + k * 40 }),
        out,
      );
    }
    expect(facts.rateRatio).toBeGreaterThan(10);
    // A fresh boot starting at seq 0 is a restart, not a second sender.
    expect(w.update(reading(0, { boot: 3, receivedAt: T0 + 701_000 }), out).relation).toBe(
      'reboot',
    );
  });

  test('a GPS teleport is flagged, and so is not the return from it', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const w = new DeviceWindow();
    const at = (i: number, lat: number) => reading(i, {}, { latitude: lat, longitude: 11.5 });
    for (let i = 0; i < 30; i++) w.update(at(i, 48.1 + i * 0.00005), out);
    expect(w.update(at(30, 48.2), out).gpsJump).toBe(true);
    expect(w.update(at(31, 48.1 + 31 * 0.00005), out).gpsJump).toBe(false);
  });

  test('tamper signature: motion, a hand at the enclosure, warming', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const w = new DeviceWindow();
    for (let i = 0; i < 300; i++)
      w.update(reading(i, {}, { proximity: 250 + (i % 3), motion: false }), out);
    const facts = w.update(reading(300, {}, { proximity: 4, motion: true, temperature: 22 }), out);
    expect(facts.motion).toBe(true);
    expect(facts.proximityBaseline).toBeGreaterThan(200);
    expect(facts.temperatureRise).toBeGreaterThan(1.5);
    expect(out[F.proximity_drop]).toBeGreaterThan(3);
  });

  test('rebuildWindow from recent readings continues exactly like the live window', () => {
    // Past the drift tracks' first 500 readings, so their state is compared too.
    const history = Array.from({ length: 1_200 }, (_, i) => reading(i));
    const live = new DeviceWindow();
    const scratch = new Float32Array(FEATURE_COUNT);
    for (const r of history) live.update(r, scratch);
    const rebuilt = rebuildWindow(history);
    const a = new Float32Array(FEATURE_COUNT);
    const b = new Float32Array(FEATURE_COUNT);
    live.update(reading(1_200, {}, { temperature: 30 }), a);
    rebuilt.update(reading(1_200, {}, { temperature: 30 }), b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(rebuilt.size).toBe(1_201);
  });

  test("a drone's climbs are not drift; its altimeter drifting in level flight is", () => {
    let state = 12_345;
    const noise = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state / 4_294_967_296 - 0.5;
    };
    const drone = (i: number, altitude: number, accelZ: number): TelemetryReading => ({
      receivedAt: T0 + i * 1000 + 5,
      tsMs: T0 + i * 1000,
      boot: 7,
      seq: i,
      metrics: {
        altitude: Math.round((altitude + 0.6 * noise()) * 100) / 100,
        accel_z: Math.round((9.81 + accelZ + 0.2 * noise()) * 1000) / 1000,
      },
    });
    const w = new DeviceWindow();
    const out = new Float32Array(FEATURE_COUNT);
    let altitude = 60;
    let vz = 0;
    let loudest = 0;
    let disagreement = 0;
    let lastDisagreement = 0;
    // Up 30 m and down again every 400 s: 1.5 m/s² to 3 m/s, 3 m/s for 8 s, 1.5 m/s² to a stop.
    const climb = (phase: number) => (phase < 2 ? 1.5 : phase === 10 || phase === 11 ? -1.5 : 0);
    for (let i = 0; i < 4_000; i++) {
      const phase = i % 400;
      const accel = phase < 200 ? climb(phase) : -climb(phase - 200);
      vz += accel;
      altitude += vz;
      const facts = w.update(drone(i, altitude, accel), out);
      if (i >= 2_000) loudest = Math.max(loudest, facts.drift);
      if (i >= 300) disagreement = Math.max(disagreement, facts.kinematicNoise);
      lastDisagreement = facts.kinematicNoise;
    }
    expect(loudest).toBeLessThan(6);
    // The climbs agree with the accelerometer: no kinematic noise either.
    expect(disagreement).toBeGreaterThan(0);
    expect(disagreement).toBeLessThan(4);
    expect(out[F.kinematic_log]).toBeCloseTo(Math.log1p(lastDisagreement), 5);
    // Level flight at a steady altitude while the altimeter reads 0.1 m/s higher and higher.
    let facts = w.update(drone(4_000, altitude, 0), out);
    for (let k = 1; k <= 150; k++) facts = w.update(drone(4_000 + k, altitude + 0.1 * k, 0), out);
    expect(facts.drift).toBeGreaterThan(6);
    expect(facts.driftMetric).toBe('altitude');
    expect(out[F.drift_log]).toBeCloseTo(Math.log1p(facts.drift), 5);
  });

  test("noise is judged on a room's steady readings, not on a drone's bursty ones", () => {
    const out = new Float32Array(FEATURE_COUNT);
    const w = new DeviceWindow();
    const cruising = (i: number) => ({ speed: 10 + 0.05 * Math.sin(i * 0.7) });
    for (let i = 0; i < 1_000; i++) w.update(reading(i, {}, cruising(i)), out);
    let calm = w.update(reading(1_000, {}, cruising(1_000)), out);
    expect(calm.roughness).toBeLessThan(2);
    // A speed that jumps by metres per second between readings: rough, but the model's to judge.
    for (let i = 1_001; i < 1_040; i++) {
      calm = w.update(reading(i, {}, { speed: i % 2 === 0 ? 4 : 14 }), out);
    }
    expect(calm.roughness).toBeLessThan(2);
    expect(out[F.roughness_max]).toBeGreaterThan(2);
    // A loose connector on the humidity sensor: steps of several %RH between readings.
    let noisy = calm;
    for (let i = 1_040; i < 1_060; i++) {
      noisy = w.update(reading(i, {}, { humidity: 40 + (i % 2 === 0 ? 6 : -6) }), out);
    }
    expect(noisy.roughness).toBeGreaterThan(10);
  });

  test('memory stays bounded when a device keeps inventing metric names', () => {
    const w = new DeviceWindow();
    const out = new Float32Array(FEATURE_COUNT);
    for (let i = 0; i < 500; i++) w.update(reading(i, {}, { [`m${i}`]: i }), out);
    expect((w as unknown as { tracks: Map<string, unknown> }).tracks.size).toBeLessThanOrEqual(64);
  });
});
