/** The fault types of Vigil's detector: the simulator's ground-truth vocabulary. */
export const FAULT_TYPES = [
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
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** A detector's verdict on one message. */
export type Finding = { type: FaultType; severity: Severity; score: number };
