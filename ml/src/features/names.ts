/**
 * The feature vector, in order. The model's metadata stores this list and the detector refuses a
 * model trained on another one, so training and serving cannot silently disagree.
 */
export const FEATURE_NAMES = [
  // Per metric, aggregated as a max over every numeric metric the device sends.
  'z_max',
  'roughness_max',
  'freeze_max',
  'frozen_fraction',
  'level_max',
  'level_persist_max',
  // Message level.
  'gap_log',
  'rate_log',
  'seq_missing_log',
  'seq_behind_log',
  'second_boot',
  'skew_log',
  'ts_behind_log',
  // Canonical metrics whose meaning is known.
  'motion',
  'proximity_drop',
  'temperature_rise',
  'humidity_shift',
  'gps_speed_log',
  'out_of_range',
  // Drift evidence of temperature, humidity and altitude (DriftTrack), log1p.
  'drift_log',
  // A drone's readings disagreeing with its accelerometer (KinematicTrack), log1p.
  'kinematic_log',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Index of each feature in the vector. */
export const FEATURE_INDEX = Object.fromEntries(
  FEATURE_NAMES.map((name, i) => [name, i]),
) as Record<FeatureName, number>;
