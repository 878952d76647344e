import { describe, expect, test } from 'bun:test';
import { DriftTrack, STEADY_WANDER } from './drift-track';

const T0 = Date.UTC(2026, 0, 5);

/** mulberry32: a small seeded generator, so every run sees the same wander. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal draws (Box-Muller). */
function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A room temperature sampled every `intervalS` seconds: a random walk of 0.0133 °C per sqrt(s)
 * (weather) plus 0.03 °C of reading noise, rounded to 0.01 °C like a real driver.
 */
function roomTemperature(seed: number, intervalS = 1): () => number {
  const z = normal(seeded(seed));
  let level = 21;
  return () => {
    level += 0.0133 * Math.sqrt(intervalS) * z();
    return Math.round((level + 0.03 * z()) * 100) / 100;
  };
}

describe('DriftTrack', () => {
  test('a random wander stays below the evidence a drift reaches; nothing is judged at first', () => {
    let loudest = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const track = new DriftTrack();
      const next = roomTemperature(seed);
      for (let i = 0; i < 6_000; i++) {
        const evidence = track.update(next(), T0 + i * 1000);
        if (i < 499) expect(evidence).toBe(0);
        loudest = Math.max(loudest, evidence);
      }
    }
    expect(loudest).toBeGreaterThan(1);
    expect(loudest).toBeLessThan(6);
  });

  test('learning the wander from its curvature finds a drift already under way while it learns', () => {
    const room = { curvature: true, judgeFrom: 300 };
    const drifting = (options: typeof room) => {
      const track = new DriftTrack(options);
      const next = roomTemperature(11);
      let found = 0;
      // 6 °C over 10 minutes, from the device's 100th reading on.
      for (let i = 0; i < 1_200; i++) {
        const bias = i < 100 ? 0 : (6 * Math.min(600, i - 99)) / 600;
        const evidence = track.update(next() + bias, T0 + i * 1000);
        if (i < 299) expect(evidence).toBe(0);
        if (i >= 100 && i < 700 && evidence >= 6.5) found += 1;
      }
      return found;
    };
    // Learned from plain changes, the drift's own slope is taken for the room's wander.
    expect(drifting(STEADY_WANDER)).toBe(0);
    expect(drifting(room)).toBeGreaterThan(300);

    // And a plain wander stays below the drift threshold training chose (6.5) with the curvature
    // estimate too, judged from reading 300 on.
    let loudest = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const track = new DriftTrack(room);
      const next = roomTemperature(seed);
      for (let i = 0; i < 6_000; i++)
        loudest = Math.max(loudest, track.update(next(), T0 + i * 1000));
    }
    expect(loudest).toBeLessThan(6.5);
  });

  test('a drift of 4 °C over 15 minutes is found within its first third and mostly stays found', () => {
    const track = new DriftTrack();
    const next = roomTemperature(7);
    for (let i = 0; i < 3_000; i++) track.update(next(), T0 + i * 1000);
    let firstFound = -1;
    let foundSince = 0;
    let lastEvidence = 0;
    for (let i = 0; i < 900; i++) {
      const bias = (4 * (i + 1)) / 900;
      lastEvidence = track.update(next() + bias, T0 + (3_000 + i) * 1000);
      if (firstFound < 0 && lastEvidence >= 6) firstFound = i;
      if (firstFound >= 0 && lastEvidence >= 6) foundSince += 1;
    }
    expect(firstFound).toBeGreaterThan(0);
    expect(firstFound).toBeLessThan(300);
    // Its bias grows slowly, close to what the wander could do: the evidence hovers at the threshold
    // for a while before it climbs away from it.
    expect(foundSince / (900 - firstFound)).toBeGreaterThan(0.8);
    expect(lastEvidence).toBeGreaterThan(8);
  });

  test('lags are judged on the device clock: the same drift at one reading per 2 s is found alike', () => {
    const foundAfter = (intervalS: number): number => {
      const track = new DriftTrack();
      const next = roomTemperature(11, intervalS);
      const start = 3_000;
      for (let i = 0; i < start; i++) track.update(next(), T0 + i * intervalS * 1000);
      for (let i = 0; i < 1_800 / intervalS; i++) {
        const seconds = (i + 1) * intervalS;
        const t = T0 + (start + i) * intervalS * 1000;
        if (track.update(next() + (6 * seconds) / 1_800, t) >= 6) return seconds;
      }
      return Number.POSITIVE_INFINITY;
    };
    const everySecond = foundAfter(1);
    const everyTwo = foundAfter(2);
    expect(everySecond).toBeLessThan(600);
    expect(everyTwo).toBeLessThan(600);
    expect(Math.abs(everySecond - everyTwo)).toBeLessThan(240);
  });

  test('when the bias vanishes at once, the reading back at normal is not judged against the drifted ones', () => {
    const track = new DriftTrack();
    const next = roomTemperature(3);
    for (let i = 0; i < 3_000; i++) track.update(next(), T0 + i * 1000);
    let during = 0;
    for (let i = 0; i < 600; i++) {
      during = track.update(next() + (8 * (i + 1)) / 600, T0 + (3_000 + i) * 1000);
    }
    expect(during).toBeGreaterThan(20);
    let after = 0;
    for (let i = 600; i < 1_400; i++) {
      after = Math.max(after, track.update(next(), T0 + (3_000 + i) * 1000));
    }
    expect(after).toBeLessThan(6);
  });

  test('a frozen chip does not shrink what normal wander is', () => {
    const track = new DriftTrack();
    const next = roomTemperature(5);
    for (let i = 0; i < 3_000; i++) track.update(next(), T0 + i * 1000);
    const stuck = next();
    for (let i = 0; i < 600; i++) track.update(stuck, T0 + (3_000 + i) * 1000);
    let loudest = 0;
    for (let i = 600; i < 3_000; i++) {
      loudest = Math.max(loudest, track.update(next(), T0 + (3_000 + i) * 1000));
    }
    expect(loudest).toBeLessThan(6);
  });

  test('a physical interruption carries a drift found before it; a possible step alone does not clear it', () => {
    // A drone in level flight at 60 m (0.3 m of reading noise) whose altimeter drifts 0.2 m/s.
    const z = normal(seeded(21));
    const altitude = (trueLevel: number, drift: number) =>
      Math.round((trueLevel + drift + 0.3 * z()) * 100) / 100;
    const track = new DriftTrack();
    let i = 0;
    let level = 60;
    // Its first half hour: level flight with a 30 m climb and descent at 3 m/s now and then.
    for (; i < 2_000; i++) {
      const phase = i % 400;
      if (phase < 10) level += 3;
      else if (phase >= 200 && phase < 210) level -= 3;
      if (phase < 10 || (phase >= 200 && phase < 210)) track.interrupt();
      track.update(altitude(level, 0), T0 + i * 1000);
    }
    let bias = 0;
    let before = 0;
    for (let k = 0; k < 120; k++, i++) {
      bias += 0.2;
      before = track.update(altitude(60, bias), T0 + i * 1000);
    }
    expect(before).toBeGreaterThan(8);
    // It climbs 30 m at 3 m/s: the accelerometer says so, and the altitude may change meanwhile.
    for (let k = 0; k < 10; k++, i++) {
      track.interrupt();
      level += 3;
      bias += 0.2;
      expect(track.update(altitude(level, bias), T0 + i * 1000)).toBeGreaterThan(8);
    }
    // Level again: the drift is still reported until the new level can be judged, then by fresh evidence.
    for (let k = 0; k < 80; k++, i++) {
      bias += 0.2;
      expect(track.update(altitude(level, bias), T0 + i * 1000)).toBeGreaterThan(6);
    }
    // The bias vanishes at once (35 m in one reading, far beyond any climb): nothing is carried.
    let afterEnd = 0;
    for (let k = 0; k < 200; k++, i++) {
      afterEnd = Math.max(afterEnd, track.update(altitude(level, 0), T0 + i * 1000));
    }
    expect(afterEnd).toBeLessThan(6);
  });
});
