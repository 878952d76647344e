import { FEATURE_NAMES, type FeatureName } from './features';
import { MODEL_FEATURE_INDICES } from './model-features';
import type { FaultType, Severity } from './types';

/** Per-feature reference points measured on the training data (normal traffic). */
export type FeatureScale = { median: number[]; high: number[] };

/** Which fault a feature speaks for when it is the one far outside its normal range. */
const FEATURE_FAULT: Record<FeatureName, FaultType> = {
  z_max: 'spike',
  roughness_max: 'noise',
  freeze_max: 'freeze',
  frozen_fraction: 'freeze',
  level_max: 'drift',
  level_persist_max: 'drift',
  gap_log: 'dropout',
  rate_log: 'flood',
  seq_missing_log: 'dropout',
  seq_behind_log: 'replay',
  second_boot: 'spoof',
  skew_log: 'clock_skew',
  ts_behind_log: 'replay',
  motion: 'tamper',
  proximity_drop: 'tamper',
  temperature_rise: 'drift',
  humidity_shift: 'drift',
  gps_speed_log: 'gps_jump',
  out_of_range: 'spike',
  drift_log: 'drift',
  kinematic_log: 'noise',
};

/** Quantile that marks "high but normal" for a feature. */
const HIGH_QUANTILE = 0.999;

/** Median and 99.9th percentile of each feature over `rows` (row-major). */
export function measureFeatureScale(rows: Float32Array, featureCount: number): FeatureScale {
  const n = rows.length / featureCount;
  const column = new Float32Array(n);
  const median: number[] = [];
  const high: number[] = [];
  for (let j = 0; j < featureCount; j++) {
    for (let i = 0; i < n; i++) column[i] = rows[i * featureCount + j] as number;
    column.sort();
    median.push(column[Math.floor(n / 2)] as number);
    high.push(column[Math.min(n - 1, Math.floor(n * HIGH_QUANTILE))] as number);
  }
  return { median, high };
}

/**
 * The fault type of a reading the model flagged: the model feature furthest beyond its normal range
 * (distance from the median in units of the median-to-99.9% span) names it.
 */
export function attributeFault(row: Float32Array, scale: FeatureScale): FaultType {
  let best = 0;
  let bestExcess = Number.NEGATIVE_INFINITY;
  // Only features the forest splits on can have made the score high.
  for (const j of MODEL_FEATURE_INDICES) {
    const median = scale.median[j] as number;
    const span = Math.max((scale.high[j] as number) - median, 0.05);
    const excess = Math.abs((row[j] as number) - median) / span;
    if (excess > bestExcess) {
      bestExcess = excess;
      best = j;
    }
  }
  // Tampering (warming with a hand at the enclosure) is the tamper rule's to name.
  return FEATURE_FAULT[FEATURE_NAMES[best] as FeatureName];
}

/** Severity of a model finding from how far its score clears the threshold. */
export function modelSeverity(score: number, threshold: number): Severity {
  const margin = score - threshold;
  if (margin >= 0.15) return 'high';
  if (margin >= 0.06) return 'medium';
  return 'low';
}
