import type { Random } from '../random';
import type { DeviceKind, Metrics } from '../types';

/** Payloads a device sent normally, newest last; replay attacks draw from it. */
export class SentHistory {
  private readonly items: string[] = [];

  constructor(private readonly capacity: number) {}

  push(payload: string): void {
    this.items.push(payload);
    if (this.items.length > this.capacity) this.items.shift();
  }

  get size(): number {
    return this.items.length;
  }

  /** The payload at `index` (0 = oldest still held). */
  at(index: number): string | undefined {
    return this.items[index];
  }
}

/** A reading before it is encoded for the wire. */
export type Reading = { tsMs: number; boot: number; seq: number; metrics: Metrics };

/** What an injector knows about the device and the episode it disturbs. */
export type FaultContext = {
  rng: Random;
  kind: DeviceKind;
  deviceId: string;
  intervalMs: number;
  /** Absolute episode bounds in epoch ms, [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** The fleet's device ids (this one may be among them), whose identity a spoofer may claim. */
  fleet: readonly string[];
  /** Encodes a reading in the device's wire format (for injected messages). */
  encode(reading: Reading, extraFields?: Record<string, unknown>): string;
};

/** A message a fault adds to the device's own traffic. */
export type InjectedMessage = { payload: string; sentAt: number };

/** What one fault episode does to a device's traffic. Every hook is optional. */
export interface FaultInjector {
  /** Whether the device's own messages during the episode carry the label (else only injected ones). */
  readonly labelsOwnMessages: boolean;
  /** The device's messages never arrive; the first one after the episode carries the label. */
  readonly suppressesOwnMessages?: boolean;
  /** Added to the device's timestamp while the episode lasts. */
  readonly clockOffsetMs?: number;
  /** Extra top-level payload fields (a claimed identity). */
  readonly extraFields?: Record<string, unknown>;
  /** The reporting interval while the episode lasts. */
  intervalMs?(normalMs: number): number;
  /** Changes a reading in place; `previous` is the last reading the device sent, if any. */
  mutateMetrics?(metrics: Metrics, tMs: number, previous: Metrics | undefined): void;
  /** Messages sent alongside the device's own reading at `tMs`. */
  inject?(tMs: number, history: SentHistory): InjectedMessage[];
}
