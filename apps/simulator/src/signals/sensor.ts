import type { Random } from '../random';
import type { Metrics } from '../types';
import { clamp, ouStep, roundMetrics, type SignalModel } from './common';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * A battery-powered sensor node in a room: temperature with a daily cycle and slow weather,
 * humidity drifting against temperature, rare motion events (someone walking past, which also
 * shortens the proximity reading), a slowly draining battery and jittery Wi-Fi RSSI.
 */
export function createSensorSignal(rng: Random, startMs: number): SignalModel {
  const baseTemp = rng.uniform(16, 25);
  const dailySwing = rng.uniform(1, 5);
  // Warmest mid-afternoon in some time zone: a per-device phase.
  const phase = rng.uniform(0, 2 * Math.PI);
  const baseHumidity = rng.uniform(35, 60);
  const roomDistanceCm = rng.uniform(120, 350);
  const drainPerHour = rng.uniform(0.02, 0.2);
  const rssiBase = rng.uniform(-78, -48);
  const meanMotionGapMs = rng.uniform(8, 30) * MINUTE_MS;

  let battery = rng.uniform(40, 100);
  let weather = rng.normal(0, 0.5);
  let humidityWalk = rng.normal(0, 2);
  let rssiWalk = 0;
  let lastT = startMs;
  let nextMotionAt = startMs + rng.exponential(meanMotionGapMs);
  let motionUntil = -Infinity;
  let personDistanceCm = 100;

  return {
    sample(tMs: number): Metrics {
      const dt = Math.max(0, tMs - lastT);
      lastT = tMs;
      weather = ouStep(weather, dt, 2 * 3_600_000, 0.8, rng.normal());
      humidityWalk = ouStep(humidityWalk, dt, 3_600_000, 4, rng.normal());
      rssiWalk = ouStep(rssiWalk, dt, 5 * MINUTE_MS, 3, rng.normal());
      battery = Math.max(0, battery - (drainPerHour * dt) / 3_600_000);

      if (tMs >= nextMotionAt) {
        motionUntil = tMs + rng.uniform(5_000, 60_000);
        personDistanceCm = rng.uniform(40, 150);
        nextMotionAt = motionUntil + rng.exponential(meanMotionGapMs);
      }
      const motion = tMs < motionUntil;

      const daily = dailySwing * Math.sin((2 * Math.PI * tMs) / DAY_MS + phase);
      const temperature = baseTemp + daily + weather + rng.normal(0, 0.03);
      const humidity = clamp(
        baseHumidity - 1.5 * (daily + weather) + humidityWalk + rng.normal(0, 0.2),
        5,
        95,
      );
      const proximity = motion
        ? personDistanceCm + rng.normal(0, 4)
        : roomDistanceCm + rng.normal(0, 1.5);

      return roundMetrics({
        temperature,
        humidity,
        motion,
        proximity: Math.max(2, proximity),
        battery: clamp(battery + rng.normal(0, 0.1), 0, 100),
        rssi: clamp(rssiBase + rssiWalk + rng.normal(0, 2), -100, -30),
      });
    },
  };
}
