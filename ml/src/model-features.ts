import { FEATURE_INDEX, type FeatureName } from './features';

/**
 * The features the Isolation Forest splits on: how a device's values behave. Session, traffic,
 * clock and physics features are judged by the rule detectors, which know their meaning; leaving
 * them out of the forest keeps its splits on the signals only it can judge (isolation forests
 * dilute with every irrelevant dimension).
 */
export const MODEL_FEATURES: readonly FeatureName[] = [
  'z_max',
  'roughness_max',
  'freeze_max',
  'frozen_fraction',
  'level_max',
  'level_persist_max',
  'temperature_rise',
  'humidity_shift',
];

export const MODEL_FEATURE_INDICES: readonly number[] = MODEL_FEATURES.map(
  (name) => FEATURE_INDEX[name],
);
