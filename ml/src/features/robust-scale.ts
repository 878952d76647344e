/**
 * Running estimates that an anomaly cannot drag along: every update is clipped to a few times the
 * current scale (a Huber-style EMA), so a fault that lasts minutes moves the baseline only a little
 * and the reading after the fault compares against what was normal before it.
 */

/** Mean absolute size of a positive quantity, warmed up with a plain average. */
export class RobustScale {
  value = 0;
  private n = 0;

  constructor(
    /** EMA weight once warm. */
    private readonly alpha: number,
    /** Updates are clipped to `clip * value`. */
    private readonly clip = 4,
    /** Samples averaged plainly before the EMA takes over. */
    private readonly warmup = 32,
  ) {}

  get ready(): boolean {
    return this.n >= this.warmup;
  }

  update(sample: number): void {
    if (this.n < this.warmup) {
      this.n += 1;
      this.value += (sample - this.value) / this.n;
      return;
    }
    if (this.value > 0 && sample > this.clip * this.value) {
      // Clipped updates would still let a long fault grow the scale exponentially (by
      // alpha * (clip - 1) per reading): once warm, outliers teach nothing.
      return;
    }
    this.value += this.alpha * (sample - this.value);
  }

  /** Copies state from `other` (same parameters). */
  copyFrom(other: RobustScale): void {
    this.value = other.value;
    this.n = other.n;
  }
}

/** A slowly moving level whose steps are clipped to `clip * scale`. */
export class RobustLevel {
  value = 0;
  private started = false;

  constructor(
    private readonly alpha: number,
    private readonly clip = 3,
  ) {}

  update(sample: number, scale: number, warm: boolean): void {
    if (!this.started) {
      this.value = sample;
      this.started = true;
      return;
    }
    const step = sample - this.value;
    // Until the scale is known, follow freely: the first minutes define normal.
    const limit = warm && scale > 0 ? this.clip * scale : Number.POSITIVE_INFINITY;
    this.value += this.alpha * Math.max(-limit, Math.min(limit, step));
  }
}
