/** Recent inter-arrival times averaged for the rate estimate (a flood shows after 3 messages). */
const RATE_SPAN = 4;
/** Intervals averaged before a device's normal interval is trusted. */
const WARMUP = 5;
/** A device that keeps a new interval this long has been reconfigured: adopt it. */
const ADOPT_AFTER_MS = 10 * 60_000;

/**
 * How often a device normally reports, learned from receive times, and how its latest arrivals
 * compare. The normal interval only learns from intervals within 2x of it, so floods and gaps do
 * not teach it their rate.
 */
export class ArrivalTrack {
  normalMs = 0;
  private last = Number.NaN;
  private readonly recent = new Float64Array(RATE_SPAN);
  private head = 0;
  private count = 0;
  private warm: number[] = [];
  private outOfBandSince = Number.NaN;

  /** Records an arrival; returns [gap ratio, rate ratio] (0, 0 while the normal is unknown). */
  update(receivedAt: number): [number, number] {
    if (Number.isNaN(this.last)) {
      this.last = receivedAt;
      return [0, 0];
    }
    const dt = Math.max(0, receivedAt - this.last);
    this.last = receivedAt;
    this.recent[this.head] = dt;
    this.head = (this.head + 1) % RATE_SPAN;
    if (this.count < RATE_SPAN) this.count += 1;

    if (this.normalMs === 0) {
      this.warm.push(dt);
      if (this.warm.length >= WARMUP) {
        this.normalMs = Math.max(1, median(this.warm));
        this.warm = [];
      }
      return [0, 0];
    }
    const gap = dt / this.normalMs;
    let mean = 0;
    for (let i = 0; i < this.count; i++) mean += this.recent[i] as number;
    mean /= this.count;
    const rate = this.count === RATE_SPAN ? this.normalMs / Math.max(mean, 1) : 0;

    if (gap >= 0.5 && gap <= 2) {
      this.normalMs += (dt - this.normalMs) / 64;
      this.outOfBandSince = Number.NaN;
    } else if (Number.isNaN(this.outOfBandSince)) {
      this.outOfBandSince = receivedAt;
    } else if (receivedAt - this.outOfBandSince > ADOPT_AFTER_MS) {
      this.normalMs = Math.max(1, mean);
      this.outOfBandSince = Number.NaN;
    }
    return [gap, rate];
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
