import type { Random } from '../random';
import type { DeviceKind } from '../types';
import type { SignalModel } from './common';
import { createDroneSignal } from './drone';
import { createSensorSignal } from './sensor';

export type { SignalModel } from './common';

/** The signal model for a device kind. */
export function createSignal(kind: DeviceKind, rng: Random, startMs: number): SignalModel {
  return kind === 'sensor' ? createSensorSignal(rng, startMs) : createDroneSignal(rng, startMs);
}
