/** A new boot starting this low is a restart, even while the old one was just heard. */
const FRESH_BOOT_SEQ = 8;

/**
 * How a message relates to the device's running session (boot and seq):
 * - `first`: nothing known yet;
 * - `session`: the running boot, seq moving forward (possibly skipping some: `missing`);
 * - `late`: the running boot, seq at or below the newest, ts recent (reordered or redelivered);
 * - `replay`: the running boot, seq at or below the newest, ts well in the past;
 * - `reboot`: a new boot that replaces the old one;
 * - `second_boot`: another boot while the running one is still talking (two senders, one id).
 */
export type Relation = 'first' | 'session' | 'late' | 'replay' | 'reboot' | 'second_boot';

export type SessionFacts = {
  relation: Relation;
  missing: number;
  seqBehind: number;
  tsBehindMs: number;
};

/** Where a device's running session has got to. */
export type SessionHead = { boot: number; seq: number; tsMs: number };

/** The running boot of a device and how far its seq and ts have got. */
export class SessionTrack {
  private boot = -1;
  private maxSeq = -1;
  private maxTs = Number.NEGATIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;

  /** Classifies a message; `quietMs` is how long the running boot may be silent before a new one replaces it. */
  update(
    boot: number,
    seq: number,
    tsMs: number,
    receivedAt: number,
    quietMs: number,
  ): SessionFacts {
    if (this.boot === -1) {
      this.start(boot, seq, tsMs, receivedAt);
      return { relation: 'first', missing: 0, seqBehind: 0, tsBehindMs: 0 };
    }
    if (boot !== this.boot) {
      if (seq < FRESH_BOOT_SEQ || receivedAt - this.lastAt > quietMs) {
        this.start(boot, seq, tsMs, receivedAt);
        return { relation: 'reboot', missing: 0, seqBehind: 0, tsBehindMs: 0 };
      }
      return { relation: 'second_boot', missing: 0, seqBehind: 0, tsBehindMs: 0 };
    }
    if (seq > this.maxSeq) {
      const missing = seq - this.maxSeq - 1;
      this.maxSeq = seq;
      this.maxTs = Math.max(this.maxTs, tsMs);
      this.lastAt = receivedAt;
      return { relation: 'session', missing, seqBehind: 0, tsBehindMs: 0 };
    }
    const tsBehindMs = Math.max(0, this.maxTs - tsMs);
    const seqBehind = this.maxSeq - seq;
    if (tsBehindMs > quietMs) return { relation: 'replay', missing: 0, seqBehind, tsBehindMs };
    this.lastAt = receivedAt;
    return { relation: 'late', missing: 0, seqBehind, tsBehindMs };
  }

  /** The running boot and the newest seq and ts folded in so far, or null before the first message. */
  get head(): SessionHead | null {
    return this.boot === -1 ? null : { boot: this.boot, seq: this.maxSeq, tsMs: this.maxTs };
  }

  private start(boot: number, seq: number, tsMs: number, receivedAt: number): void {
    this.boot = boot;
    this.maxSeq = seq;
    this.maxTs = tsMs;
    this.lastAt = receivedAt;
  }
}
