import { describe, expect, test } from 'bun:test';
import { KinematicTrack, type Motion } from './kinematics';

const GRAVITY = 9.81;

/** Seeded standard normal numbers (mulberry32 + Box-Muller), so every run flies the same drone. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

type Disturbance = {
  altitude?: number;
  accel?: number;
  speed?: number;
  /** Reported altitude held at its last value. */
  frozenAltitude?: boolean;
  /** Added to the reported altitude. */
  altitudeOffset?: number;
};

/**
 * A drone manoeuvring hard for 6 s every 30 s (a climb and a turn at every waypoint) and cruising
 * in between, reporting every `dtS` seconds with an altimeter good to 0.3 m and an accelerometer to
 * 0.1 m/s². `disturb(i)` adds a fault to reading i.
 */
function* flight(
  readings: number,
  disturb: (i: number) => Disturbance = () => ({}),
  dtS = 1,
): Generator<{ motion: Motion; tMs: number }> {
  const normal = normals(7);
  let altitude = 60;
  let vz = 0;
  let vx = 0;
  let vy = 0;
  let az = 0;
  let ax = 0;
  let ay = 0;
  let reported = altitude;
  for (let i = 0; i < readings; i++) {
    const phase = i % 30;
    if (phase === 0) {
      az = 1.2 * normal();
      ax = 2 * normal();
      ay = 2 * normal();
    } else if (phase === 6) {
      // Cruise to the next waypoint.
      az = 0;
      ax = 0;
      ay = 0;
    }
    // Velocity changes by the acceleration of this interval; position moves at the new velocity.
    vz += az * dtS;
    vx += ax * dtS;
    vy += ay * dtS;
    altitude += vz * dtS;
    const d = disturb(i);
    const measuredAz = az + 0.1 * normal() + (d.accel ?? 0) * normal();
    const measuredAx = ax + 0.1 * normal() + (d.accel ?? 0) * normal();
    const measuredAy = ay + 0.1 * normal() + (d.accel ?? 0) * normal();
    if (!d.frozenAltitude) {
      reported = altitude + 0.3 * normal() + (d.altitude ?? 0) * normal() + (d.altitudeOffset ?? 0);
    }
    yield {
      motion: {
        altitude: reported,
        accelZ: GRAVITY + measuredAz,
        speed: Math.hypot(vx, vy) + (d.speed ?? 0) * normal(),
        accelHorizontal: Math.hypot(measuredAx, measuredAy),
      },
      tMs: 1_000_000 + i * dtS * 1000,
    };
  }
}

function evidenceOf(
  readings: number,
  disturb?: (i: number) => Disturbance,
  dtS?: number,
): number[] {
  const track = new KinematicTrack();
  return [...flight(readings, disturb, dtS)].map(({ motion, tMs }) =>
    track.update(motion, tMs, GRAVITY),
  );
}

const max = (xs: readonly number[]) => Math.max(...xs);
const FIRE = 4;

describe('KinematicTrack', () => {
  test('hard manoeuvres that agree with the accelerometer raise no evidence', () => {
    for (const dtS of [1, 2]) {
      const evidence = evidenceOf(3_000, undefined, dtS);
      expect(evidence.slice(0, 299).every((e) => e === 0)).toBe(true);
      expect(max(evidence.slice(300))).toBeGreaterThan(0);
      expect(max(evidence.slice(300))).toBeLessThan(FIRE);
    }
  });

  test('an altimeter, accelerometer or speed reading turned noisy is found within 12 readings', () => {
    const burst = (d: Disturbance) => (i: number) => (i >= 2_000 && i < 2_060 ? d : {});
    for (const d of [{ altitude: 3 }, { accel: 4 }, { speed: 2 }] satisfies Disturbance[]) {
      const evidence = evidenceOf(2_200, burst(d));
      expect(max(evidence.slice(0, 2_000))).toBeLessThan(FIRE);
      const found = evidence.slice(2_000, 2_060).findIndex((e) => e >= FIRE);
      expect(found).toBeGreaterThanOrEqual(0);
      expect(found).toBeLessThan(12);
      // Once the burst is over, the agreement is back within the ring's length.
      expect(max(evidence.slice(2_075))).toBeLessThan(FIRE);
    }
  });

  test('a spike of up to 3 readings is not a burst', () => {
    // Uneven jumps, as a glitching altimeter gives: each of the 5 residuals they touch is large.
    const jumps = [150, 170, 135];
    const spike = (i: number) => ({ altitudeOffset: jumps[i - 1_500] ?? 0 });
    expect(max(evidenceOf(1_600, spike))).toBeLessThan(FIRE);
  });

  test('a frozen altimeter does not teach the track that the readings agree exactly', () => {
    const frozen = (i: number) => (i >= 1_000 && i < 1_400 ? { frozenAltitude: true } : {});
    const evidence = evidenceOf(2_000, frozen);
    // The first readings after the freeze still jump; from then on the usual error is as before.
    expect(max(evidence.slice(1_420))).toBeLessThan(FIRE);
  });

  test('a gap in the reports or a clock going back is skipped, not judged', () => {
    const track = new KinematicTrack();
    const readings = [...flight(1_000)];
    let last = 0;
    readings.forEach(({ motion, tMs }, i) => {
      // Reports 600-609 are lost; the clock jumps back by an hour at 800.
      if (i >= 600 && i < 610) return;
      last = track.update(motion, i >= 800 ? tMs - 3_600_000 : tMs, GRAVITY);
      if (i === 610 || i === 800) expect(last).toBeLessThan(FIRE);
    });
    expect(last).toBeLessThan(FIRE);
  });
});
