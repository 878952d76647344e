import type { FaultContext, FaultInjector } from './injector';

const MINUTE_MS = 60_000;

/** Dropout: the device's messages are lost (seq keeps counting on the device, so a gap shows). */
export function createDropout(): FaultInjector {
  return { labelsOwnMessages: false, suppressesOwnMessages: true };
}

/** Flood: the device reports 10-50 times faster than normal (a firmware loop bug or abuse). */
export function createFlood(ctx: FaultContext): FaultInjector {
  const factor = ctx.rng.int(10, 50);
  return {
    labelsOwnMessages: true,
    intervalMs: (normalMs) => Math.max(1, Math.round(normalMs / factor)),
  };
}

/**
 * Clock skew: the device's clock is minutes to hours off (lost RTC, bad NTP). Always beyond the
 * protocol's future-skew limit in size; future skews are rejected by the server, past ones within
 * a day are accepted and must be caught by detection.
 */
export function createClockSkew(ctx: FaultContext): FaultInjector {
  const magnitude = ctx.rng.uniform(10 * MINUTE_MS, 30 * 60 * MINUTE_MS);
  return { labelsOwnMessages: true, clockOffsetMs: Math.round(ctx.rng.sign() * magnitude) };
}
