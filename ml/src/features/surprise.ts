/** Readings during which the tracker learns fast, before settling. */
const FAST_READINGS = 1_000;
const FAST_RATE = 0.02;
/** Readings learned ungated while the first estimate forms. */
const UNGATED_READINGS = 1_800;
const SLOW_RATE = 0.002;
/** The quantile tracked: a fact above it happens on about 2% of normal readings. */
const QUANTILE = 0.98;

/**
 * How unusual a per-metric fact is for this very metric: the fact over a running estimate of its
 * own 98th percentile (a stochastic-approximation quantile in log space). Metrics differ wildly in
 * their natural extremes (a room's temperature vs a drone's speed); dividing by each metric's own
 * high quantile makes the max over metrics mean the same thing for every device. The estimate
 * learns fast at first, then slowly enough that a fault of a few hundred readings barely moves it.
 */
export class SurpriseScale {
  private logQ = 0;
  private n = 0;

  /** `fact` relative to its usual high values; then learns from it. */
  update(fact: number): number {
    const q = Math.exp(this.logQ);
    const surprise = fact / q;
    const rate = this.n < FAST_READINGS ? FAST_RATE : SLOW_RATE;
    this.n += 1;
    // Far beyond the usual high values is a fault in progress, not a lesson: only learning
    // readings up to 4x the quantile keeps a long drift from raising its own bar.
    if (fact <= 4 * q || this.n <= UNGATED_READINGS)
      this.logQ += rate * (fact > q ? QUANTILE : -(1 - QUANTILE));
    // Never below 1: facts are already in units of the metric's typical variation.
    if (this.logQ < 0) this.logQ = 0;
    return surprise;
  }
}
