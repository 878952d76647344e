export { type Emission, SimulatedDevice, type SimulatedDeviceOptions } from './device';
export { fleetDeviceIds } from './device-ids';
export { EPISODE_INTERVALS, FAULTS_BY_KIND } from './faults';
export {
  type FaultPlan,
  FixedFaultPlan,
  NO_FAULTS,
  RandomFaultPlan,
  type ScheduledEpisode,
} from './faults/plan';
export {
  FIRMWARE_VERSION,
  type FleetOptions,
  type FleetStats,
  type RunningFleet,
  startFleet,
  validateFleetOptions,
} from './fleet';
export type { DeviceCredentials } from './live-device';
export { deriveSeed, Random } from './random';
export {
  type FleetTraceOptions,
  generateFleetTrace,
  generateTrace,
} from './trace';
export {
  DEVICE_KINDS,
  type DeviceKind,
  FAULT_TYPES,
  type FaultEpisode,
  type FaultType,
  type LabelledMessage,
  type Metrics,
  SimulatorInputError,
  type TraceOptions,
} from './types';
export type { TimestampFormat, WireFormat } from './wire';
