import type { Metrics } from '../types';

/** Decimal places each metric is reported with, matching what real sensor drivers print. */
const DECIMALS: Record<string, number> = {
  temperature: 2,
  humidity: 1,
  proximity: 1,
  battery: 1,
  rssi: 0,
  latitude: 7,
  longitude: 7,
  altitude: 2,
  speed: 2,
  accel_x: 3,
  accel_y: 3,
  accel_z: 3,
};

/** Rounds a value to `decimals` places. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Rounds every numeric metric to its reporting precision, in place. */
export function roundMetrics(metrics: Metrics): Metrics {
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === 'number') metrics[name] = round(value, DECIMALS[name] ?? 3);
  }
  return metrics;
}

/**
 * One step of an Ornstein-Uhlenbeck process: mean-reverting noise whose statistics do not depend
 * on the step size, so a flooding device (tiny steps) and a normal one see the same signal.
 */
export function ouStep(x: number, dtMs: number, tauMs: number, sigma: number, z: number): number {
  const decay = Math.exp(-dtMs / tauMs);
  return x * decay + sigma * Math.sqrt(1 - decay * decay) * z;
}

/** The common shape of a device's signal: readings as a function of (monotonic) time. */
export interface SignalModel {
  /** The reading at `tMs`; successive calls must not go back in time. */
  sample(tMs: number): Metrics;
}

/** `value` limited to [min, max]. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
