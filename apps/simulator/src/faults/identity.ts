import { createSignal } from '../signals';
import { roundMetrics } from '../signals/common';
import type { FaultContext, FaultInjector, InjectedMessage, SentHistory } from './injector';

/** How far back a replay attacker reaches, in reporting intervals, when the history allows it. */
const REPLAY_MIN_AGE = 60;

/**
 * Replay: an attacker who recorded the device's traffic plays an earlier stretch of it back,
 * byte for byte (original boot, seq and ts), between the device's own messages.
 */
export function createReplay(ctx: FaultContext): FaultInjector {
  let cursor: number | undefined;
  let last = 0;
  return {
    labelsOwnMessages: false,
    inject(tMs: number, history: SentHistory): InjectedMessage[] {
      if (history.size === 0) return [];
      if (cursor === undefined) {
        // Start somewhere in the recording, at least REPLAY_MIN_AGE messages back when possible.
        last = history.size - 1;
        const newestStart = Math.max(0, history.size - REPLAY_MIN_AGE);
        cursor = ctx.rng.int(0, newestStart);
      }
      // The recording ends where the episode began; loop it rather than replay fresh traffic.
      if (cursor > last) cursor = 0;
      const payload = history.at(cursor);
      cursor += 1;
      return payload === undefined ? [] : [{ payload, sentAt: tMs + ctx.intervalMs / 2 }];
    },
  };
}

/**
 * Spoof: a payload whose identity disagrees with the topic. Either the device's own messages
 * claim another device's id in the payload ("claim"), or an impostor holding this device's topic
 * publishes readings of its own: another boot, another seq, another signal ("impostor").
 */
export function createSpoof(ctx: FaultContext): FaultInjector {
  if (ctx.rng.chance(0.5)) {
    const claimed = otherDevice(ctx);
    const field = ctx.kind === 'drone' ? ctx.rng.pick(['device_id', 'drone_id']) : 'device_id';
    return { labelsOwnMessages: true, extraFields: { [field]: claimed } };
  }
  const signal = createSignal(ctx.kind, ctx.rng, ctx.startMs);
  const boot = ctx.rng.int(1, 0xffffffff);
  let seq = ctx.rng.int(0, 100_000);
  const phase = ctx.rng.uniform(0.2, 0.8);
  return {
    labelsOwnMessages: false,
    inject(tMs: number): InjectedMessage[] {
      const sentAt = tMs + Math.round(ctx.intervalMs * phase);
      const metrics = roundMetrics(signal.sample(sentAt));
      const payload = ctx.encode({ tsMs: sentAt, boot, seq: seq++, metrics });
      return [{ payload, sentAt }];
    },
  };
}

/** Another device's id: one of the fleet's, or an invented one when the device is alone. */
function otherDevice(ctx: FaultContext): string {
  const others = ctx.fleet.length - (ctx.fleet.includes(ctx.deviceId) ? 1 : 0);
  if (others <= 0) return `${ctx.kind}-${ctx.rng.int(1000, 9999)}`;
  // Pick among the others without copying the list (fleets can be large).
  const start = ctx.rng.int(0, ctx.fleet.length - 1);
  for (let i = 0; i < ctx.fleet.length; i++) {
    const candidate = ctx.fleet[(start + i) % ctx.fleet.length] as string;
    if (candidate !== ctx.deviceId) return candidate;
  }
  return `${ctx.kind}-${ctx.rng.int(1000, 9999)}`;
}
