import { kthSmallest } from './order-statistic';
import { RobustScale } from './robust-scale';

/** Readings per block; a block's value is the median of its last readings, so spikes do not count. */
const BLOCK = 8;
/** Lag, in blocks, at which the metric's own wander is learned. */
const LEARN_LAG = 4;
/** Lags, in blocks, compared against: 32 to 1,024 readings back. */
const LAGS = [4, 8, 16, 32, 64, 128] as const;
/** Blocks remembered: enough for the longest lag. */
const BLOCKS = 129;
/** Samples averaged plainly before the wander estimate moves as a moving average. */
const WARMUP_SAMPLES = 200;
/** Moving-average weights of the wander estimate: while normal is being learned, and after. */
const LEARN_RATE = 1 / 128;
const SETTLED_RATE = 1 / 1024;
/** Readings learned ungated, and before which nothing is judged, where the wander is learned from
 * changes: the first minutes define normal. */
const UNGATED_READINGS = 500;
/** Learning stops while the evidence is above this (a drift must not teach its own slope). */
const LEARN_BELOW = 3;
/** A step this many times the typical reading-to-reading change is a fault ending (a drift's bias
 * vanishing, a frozen value catching up): earlier blocks no longer serve as references. */
const STEP_BREAK = 8;
/** A step beyond this many times the largest normal one is physically impossible for the metric
 * (a drone's altitude jumping back by tens of metres): nothing found before it is carried over. */
const IMPOSSIBLE_STEP = 2;
/** Per-reading decay of the largest normal step (half-life about 20,000 readings). */
const LARGEST_STEP_DECAY = 0.999965;
/** Readings during which every step is learned as normal. */
const STEP_LEARNING = 1_800;
/** The wander estimate never falls below this share of its first estimate (a frozen chip reports
 * identical values for minutes). */
const FLOOR_SHARE = 0.25;

/** How a track learns its metric's wander, and from which reading it judges. */
export type DriftTrackOptions = {
  /**
   * Learn the wander from the curvature of the block medians (how the latest 32-reading change
   * differs from the one before) instead of the change itself. A drift moves both changes alike,
   * so a drift already under way while the track learns does not teach it that walking away is
   * normal, and judging can start early. A metric that bends for real (a drone's altitude at every
   * climb) learns from the changes themselves.
   */
  curvature: boolean;
  /** Readings learned ungated, and before which nothing is judged. */
  judgeFrom: number;
};

/** For a metric whose bends are real (a drone's altitude): learn from changes, judge from reading 500. */
export const STEADY_WANDER: DriftTrackOptions = { curvature: false, judgeFrom: UNGATED_READINGS };

/**
 * Drift evidence for one canonical metric whose normal behaviour is a slow random wander (room
 * temperature, relative humidity, a drone's altitude between climbs): how far the value has moved
 * from its earlier values, in units of how far the metric's own wander moves it in that time.
 *
 * A random wander moves a value by about `u * sqrt(dt)` in `dt` seconds; a sensor losing
 * calibration moves it by `rate * dt`, so over a long enough lag the drift always stands out. The
 * unit wander `u` is learned per device at a short lag (32 readings) where there are many samples,
 * and extrapolated to lags of up to 1,024 readings, where a device's history holds too few
 * independent samples to learn from. Lags are measured on the device's clock, so a device reporting
 * every 1 s, 5 s or in a burst is judged alike.
 *
 * O(1) per reading (a median of 8, six lags), about 2 kB per metric.
 */
export class DriftTrack {
  private readonly recent = new Float64Array(BLOCK);
  private readonly sorted = new Float64Array(BLOCK);
  private recentCount = 0;
  private recentHead = 0;
  private readonly centres = new Float64Array(BLOCKS);
  private readonly times = new Float64Array(BLOCKS);
  /** Blocks completed so far. */
  private blocks = 0;
  /** Blocks before this index are not comparable with the present (see `interrupt`). */
  private validFrom = 0;
  private inBlock = 0;
  private readings = 0;
  private unit = 0;
  private unitSamples = 0;
  private unitFloor = 0;
  private lastEvidence = 0;
  private last = Number.NaN;
  private readonly step = new RobustScale(1 / 128);
  private largestStep = 0;
  /** Evidence carried over a physical interruption until fresh comparisons exist again. */
  private held = 0;

  constructor(private readonly options: DriftTrackOptions = STEADY_WANDER) {}

  /**
   * Folds in reading `x` taken at device time `tMs` and returns the drift evidence: the largest
   * distance from an earlier block, over the wander expected in that time (0 while the wander is
   * still being learned).
   */
  update(x: number, tMs: number): number {
    this.readings += 1;
    if (!Number.isNaN(this.last)) {
      const step = Math.abs(x - this.last);
      const learning = this.readings <= STEP_LEARNING;
      if (!learning && step > IMPOSSIBLE_STEP * this.largestStep) {
        this.restart(true);
      } else if (this.step.ready && this.step.value > 0 && step > STEP_BREAK * this.step.value) {
        this.restart(false);
      }
      if (learning || step <= IMPOSSIBLE_STEP * this.largestStep) {
        this.largestStep = Math.max(this.largestStep * LARGEST_STEP_DECAY, step);
      }
      this.step.update(step);
    }
    this.last = x;
    this.recent[this.recentHead] = x;
    this.recentHead = (this.recentHead + 1) % BLOCK;
    if (this.recentCount < BLOCK) this.recentCount += 1;
    const centre = this.median();

    this.learn(centre, tMs);
    let evidence = 0;
    const judging = this.unitSamples >= WARMUP_SAMPLES && this.readings >= this.options.judgeFrom;
    if (judging) {
      for (const lag of LAGS) {
        const block = this.blocks - lag;
        if (block < this.validFrom) break;
        const j = block % BLOCKS;
        const dt = (tMs - (this.times[j] as number)) / 1000;
        if (!(dt > 0)) continue;
        const z = Math.abs(centre - (this.centres[j] as number)) / (this.unit * Math.sqrt(dt));
        if (z > evidence) evidence = z;
      }
    }
    if (this.comparable) this.held = 0;
    else if (judging) evidence = Math.max(evidence, this.held);
    this.lastEvidence = evidence;

    this.inBlock += 1;
    if (this.inBlock === BLOCK) {
      const j = this.blocks % BLOCKS;
      this.centres[j] = centre;
      this.times[j] = tMs;
      this.blocks += 1;
      this.inBlock = 0;
    }
    return evidence;
  }

  /** Whether the shortest lag has a reference since the last interruption or restart. */
  private get comparable(): boolean {
    return this.blocks - LAGS[0] >= this.validFrom;
  }

  /**
   * Something physical happened that explains any change since (a drone accelerating vertically
   * climbs or descends): earlier blocks no longer serve as references. A drift found before it is
   * still reported until the new level can be judged: a climb says nothing about the sensor.
   */
  interrupt(): void {
    this.held = Math.max(this.held, this.lastEvidence);
    this.validFrom = this.blocks + 1;
  }

  /**
   * Earlier blocks are no longer comparable, and what they showed no longer holds, unless a possible
   * step comes while a physical interruption is being waited out (a drone's steady climb after its
   * acceleration).
   */
  private restart(impossible: boolean): void {
    if (impossible || this.comparable) this.held = 0;
    this.validFrom = this.blocks + 1;
  }

  private learn(centre: number, tMs: number): void {
    const block = this.blocks - LEARN_LAG;
    if (block < this.validFrom) return;
    const j = block % BLOCKS;
    const dt = (tMs - (this.times[j] as number)) / 1000;
    if (!(dt > 0)) return;
    let sample = Math.abs(centre - (this.centres[j] as number)) / Math.sqrt(dt);
    if (this.options.curvature) {
      // The change now less the change before, rescaled to this lag; for a random wander its
      // variance is u² * (dt + dt² / dt2), so the sample estimates the same unit.
      const before = block - LEARN_LAG;
      if (before < this.validFrom) return;
      const k = before % BLOCKS;
      const dt2 = ((this.times[j] as number) - (this.times[k] as number)) / 1000;
      if (!(dt2 > 0)) return;
      const d1 = centre - (this.centres[j] as number);
      const d2 = (this.centres[j] as number) - (this.centres[k] as number);
      sample = Math.abs(d1 - (d2 * dt) / dt2) / Math.sqrt(dt + (dt * dt) / dt2);
    }
    // Identical values tell nothing about the wander (a frozen chip, or a value at its limit).
    if (sample === 0) return;
    if (this.unitSamples < WARMUP_SAMPLES) {
      this.unitSamples += 1;
      this.unit += (sample - this.unit) / this.unitSamples;
      if (this.unitSamples === WARMUP_SAMPLES) this.unitFloor = FLOOR_SHARE * this.unit;
      return;
    }
    if (this.readings < this.options.judgeFrom) {
      this.unit = Math.max(this.unitFloor, this.unit + LEARN_RATE * (sample - this.unit));
    } else if (sample <= 4 * this.unit && this.lastEvidence < LEARN_BELOW) {
      // Slowly once settled: a drift of a few hundred readings, each step of it within the gate,
      // must not teach the track that walking away is normal.
      this.unit = Math.max(this.unitFloor, this.unit + SETTLED_RATE * (sample - this.unit));
    }
  }

  private median(): number {
    const n = this.recentCount;
    const mid = n >> 1;
    const upper = kthSmallest(this.recent, n, mid, this.sorted);
    return n % 2 === 1 ? upper : 0.5 * ((this.sorted[mid - 1] as number) + upper);
  }
}
