export {
  DeviceWindow,
  MAX_TRACKED_METRICS,
  type MessageFacts,
  rebuildWindow,
  type TelemetryReading,
} from './device-window';
export { FEATURE_COUNT, FEATURE_INDEX, FEATURE_NAMES, type FeatureName } from './names';
export type { Relation } from './session';
