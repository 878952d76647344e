import type { DeviceKind, FaultType } from '../types';

/** Faults that make sense for each kind: only sensor nodes have an enclosure to open, only drones a GPS. */
export const FAULTS_BY_KIND: Record<DeviceKind, readonly FaultType[]> = {
  sensor: [
    'spike',
    'drift',
    'freeze',
    'dropout',
    'noise',
    'tamper',
    'replay',
    'flood',
    'spoof',
    'clock_skew',
  ],
  drone: [
    'spike',
    'drift',
    'freeze',
    'dropout',
    'noise',
    'replay',
    'flood',
    'spoof',
    'gps_jump',
    'clock_skew',
  ],
};

/** Typical episode length in reporting intervals, [min, max], for randomly scheduled faults. */
export const EPISODE_INTERVALS: Record<FaultType, readonly [number, number]> = {
  spike: [1, 3],
  drift: [180, 900],
  freeze: [30, 300],
  dropout: [15, 180],
  noise: [20, 120],
  tamper: [10, 90],
  replay: [10, 60],
  flood: [5, 30],
  spoof: [10, 60],
  gps_jump: [1, 5],
  clock_skew: [30, 300],
};
