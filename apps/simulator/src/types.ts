/** The simulator's public vocabulary: device kinds, fault types and labelled messages. */

export type DeviceKind = 'sensor' | 'drone';

export const DEVICE_KINDS: readonly DeviceKind[] = ['sensor', 'drone'];

export type FaultType =
  | 'spike'
  | 'drift'
  | 'freeze'
  | 'dropout'
  | 'noise'
  | 'tamper'
  | 'replay'
  | 'flood'
  | 'spoof'
  | 'gps_jump'
  | 'clock_skew';

export const FAULT_TYPES: readonly FaultType[] = [
  'spike',
  'drift',
  'freeze',
  'dropout',
  'noise',
  'tamper',
  'replay',
  'flood',
  'spoof',
  'gps_jump',
  'clock_skew',
];

/** Metric values of one reading, keyed by canonical metric name. */
export type Metrics = Record<string, number | boolean>;

/** One message as it would arrive at the server, with its ground truth. */
export type LabelledMessage = {
  /** The authenticated device: the id in the topic. */
  deviceId: string;
  kind: DeviceKind;
  /** e.g. devices/<id>/telemetry */
  topic: string;
  /** The exact JSON text sent. */
  payload: string;
  /** Epoch ms at the server. */
  receivedAt: number;
  /** null = normal traffic. */
  label: FaultType | null;
};

/** A fault episode: `atMs` is an offset from the trace's `startMs`. */
export type FaultEpisode = { type: FaultType; atMs: number; durationMs: number };

export type TraceOptions = {
  seed: number;
  deviceId: string;
  kind: DeviceKind;
  /** Epoch ms of the first reading. */
  startMs: number;
  durationMs: number;
  /** Normal reporting interval (e.g. 1000). */
  intervalMs: number;
  /** 'random' schedules episodes of faults that apply to the kind; explicit episodes may not overlap. */
  faults: 'none' | 'random' | FaultEpisode[];
  /** Fraction of time under some fault when `faults` is 'random' (default 0.05). */
  faultRate?: number;
};

/** Thrown for options the simulator cannot honour; the message names the option and what was expected. */
export class SimulatorInputError extends Error {
  override readonly name = 'SimulatorInputError';
}
