import type { FaultType } from '../types';
import { createReplay, createSpoof } from './identity';
import type { FaultContext, FaultInjector } from './injector';
import { createGpsJump, createTamper } from './physical';
import { createClockSkew, createDropout, createFlood } from './traffic';
import { createDrift, createFreeze, createNoise, createSpike } from './value';

export { EPISODE_INTERVALS, FAULTS_BY_KIND } from './catalogue';
export type { FaultContext, FaultInjector, InjectedMessage, Reading } from './injector';
export { SentHistory } from './injector';

const FACTORIES: Record<FaultType, (ctx: FaultContext) => FaultInjector> = {
  spike: createSpike,
  drift: createDrift,
  freeze: createFreeze,
  dropout: createDropout,
  noise: createNoise,
  tamper: createTamper,
  replay: createReplay,
  flood: createFlood,
  spoof: createSpoof,
  gps_jump: createGpsJump,
  clock_skew: createClockSkew,
};

/** Starts one fault episode. */
export function createInjector(type: FaultType, ctx: FaultContext): FaultInjector {
  return FACTORIES[type](ctx);
}
