import { canonicalMetric } from '@vigil/protocol';
import type { Metrics } from '../types';
import type { FaultContext, FaultInjector } from './injector';
import { TARGETS } from './targets';

/** Spike: one metric group jumps far off for the episode's 1-3 messages. */
export function createSpike(ctx: FaultContext): FaultInjector {
  const target = ctx.rng.pick(TARGETS[ctx.kind].spike);
  const jump = (target.upOnly ? 1 : ctx.rng.sign()) * ctx.rng.uniform(...target.range);
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics) {
      for (const name of target.metrics) {
        shift(metrics, name, jump * ctx.rng.uniform(0.85, 1.15));
      }
    },
  };
}

/** Drift: a bias growing linearly from zero to its full size over the episode (a decaying sensor). */
export function createDrift(ctx: FaultContext): FaultInjector {
  const target = ctx.rng.pick(TARGETS[ctx.kind].drift);
  const finalBias = ctx.rng.sign() * ctx.rng.uniform(...target.range);
  const span = Math.max(1, ctx.endMs - ctx.startMs);
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics, tMs) {
      const bias = finalBias * Math.min(1, (tMs - ctx.startMs + ctx.intervalMs) / span);
      for (const name of target.metrics) {
        shift(metrics, name, bias);
        clampToRange(metrics, name);
      }
    },
  };
}

/** Freeze: a chip's driver hangs and keeps returning its last good values, exactly. */
export function createFreeze(ctx: FaultContext): FaultInjector {
  const target = ctx.rng.pick(TARGETS[ctx.kind].freeze);
  let frozen: Metrics | undefined;
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics, _tMs, previous) {
      if (frozen === undefined) {
        frozen = {};
        for (const name of target.metrics) {
          const value = (previous ?? metrics)[name];
          if (value !== undefined) frozen[name] = value;
        }
      }
      Object.assign(metrics, frozen);
    },
  };
}

/** Noise: a burst of variance on one metric group (a loose connector, electrical interference). */
export function createNoise(ctx: FaultContext): FaultInjector {
  const target = ctx.rng.pick(TARGETS[ctx.kind].noise);
  const std = ctx.rng.uniform(...target.range);
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics) {
      for (const name of target.metrics) {
        shift(metrics, name, ctx.rng.normal(0, std));
        clampToRange(metrics, name);
      }
    },
  };
}

function shift(metrics: Metrics, name: string, delta: number): void {
  const value = metrics[name];
  if (typeof value === 'number') metrics[name] = value + delta;
}

/** Keeps a disturbed value physically possible, so only the spike fault leaves the valid range. */
function clampToRange(metrics: Metrics, name: string): void {
  const value = metrics[name];
  const spec = canonicalMetric(name);
  if (typeof value !== 'number' || spec === undefined) return;
  metrics[name] = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, value));
}
