import { kthSmallest } from './order-statistic';
import { RobustLevel, RobustScale } from './robust-scale';
import { SurpriseScale } from './surprise';

/** Readings in the rolling window of one metric (mean, std, z-score). */
export const WINDOW = 32;
/** Recent absolute deltas whose upper median measures roughness (noise bursts). */
const ROUGH = 8;
/** A metric's features stay neutral until it has been seen this many times. */
export const MIN_READINGS = 24;
/** Facts are reported (non-zero) only once the metric's scales and quantiles have settled. */
export const READY_READINGS = 300;
/** Rolling sums are recomputed from the ring this often, so float error cannot accumulate. */
const RECOMPUTE_EVERY = 256;
const TINY = 1e-9;
/** Per-reading decay of the longest normal run (half-life about 20,000 readings). */
const LONGEST_RUN_DECAY = 0.999965;
/** Readings during which every run is learned, gated or not: long natural runs (a drone cruising at
 * a capped speed) must be seen once before runs beyond them count as freezes. */
const RUN_LEARNING = 1_800;

/** Per-reading facts about one metric, relative to that metric's own history on this device. */
export type MetricFacts = {
  /** |x - rolling mean| / rolling std (floored by the long-run spread). */
  z: number;
  /** Upper median of recent |delta| over the long-run typical |delta|. */
  roughness: number;
  /** Readings the value has stayed exactly the same, weighted by how often it normally changes. */
  freeze: number;
  /** |x - slow robust level| over the long-run typical deviation from it (drift). */
  level: number;
  /** The unchanged run over the longest normal run, before any scaling (the freeze rule reads it). */
  freezeRatio: number;
  /** How long the level has stayed unusually far off, over the longest such excursion seen normally. */
  persist: number;
};

/**
 * The rolling state of one numeric metric of one device: a fixed ring of recent readings with
 * running sums, a ring of recent |deltas|, robust long-run scales and a slow level. O(1) per
 * reading (the roughness median sorts a copy of 8 numbers), fixed memory.
 */
export class MetricTrack {
  private readonly ring = new Float64Array(WINDOW);
  private readonly deltas = new Float64Array(ROUGH);
  private readonly sortBuf = new Float64Array(ROUGH);
  private head = 0;
  private count = 0;
  private sum = 0;
  private sumSq = 0;
  private sinceRecompute = 0;
  /** Values are stored relative to the first reading, keeping sums well conditioned. */
  private ref = 0;
  private deltaHead = 0;
  private deltaCount = 0;
  private last = Number.NaN;
  private run = 0;
  /** Longest run of an unchanged value seen in normal operation (decays slowly). */
  private longestRun = 0;
  private excursion = 0;
  private excursionPeak = 0;
  private longestExcursion = 0;
  /** Smallest non-zero step seen: the resolution the device reports with. */
  private quantum = Number.POSITIVE_INFINITY;
  readonly seen: { n: number; at: number } = { n: 0, at: 0 };
  private readonly deltaScale = new RobustScale(1 / 128);
  private readonly spreadScale = new RobustScale(1 / 128);
  private readonly levelScale = new RobustScale(1 / 256);
  /** Unclipped long-run spread: floors the robust scales of metrics that sit still for long (a cruising drone's speed). */
  private readonly zSurprise = new SurpriseScale();
  private readonly roughSurprise = new SurpriseScale();
  private readonly freezeSurprise = new SurpriseScale();
  private readonly levelSurprise = new SurpriseScale();
  private readonly longSpread = new RobustScale(1 / 1024, Number.POSITIVE_INFINITY);
  private readonly level = new RobustLevel(1 / 256);

  /** The slow robust level in the metric's own units (its normal value lately). */
  get baseline(): number {
    return this.level.value + this.ref;
  }

  /** The longest run of an unchanged value normal for this metric (at least 4 readings). */
  private get normalRun(): number {
    return Math.max(4, this.longestRun);
  }

  /** Whether the metric has been seen often enough for its facts to mean something. */
  get warm(): boolean {
    return this.seen.n >= MIN_READINGS;
  }

  /**
   * Folds reading `x` in and returns its facts against the state before it. `atBound` says the
   * value sits at a physical limit (a hovering drone's speed of exactly 0), where a repeated
   * value is expected rather than frozen. `weight` is how much of a normal reporting interval the
   * reading stands for (below 1 while the device reports faster than normal), so a flood of
   * readings does not make an unchanged value look frozen sooner than time does.
   */
  update(x: number, atBound: boolean, order: number, out: MetricFacts, weight = 1): void {
    if (this.seen.n === 0) this.ref = x;
    const v = x - this.ref;
    const warm = this.seen.n >= MIN_READINGS;
    this.seen.n += 1;
    this.seen.at = order;

    let spread = 0;
    if (this.count >= 2) {
      const mean = this.sum / this.count;
      spread = Math.sqrt(Math.max(0, this.sumSq / this.count - mean * mean));
      const floor = Math.max(spread, 0.5 * this.spreadScale.value, this.stepFloor());
      out.z = warm ? Math.abs(v - mean) / Math.max(floor, TINY * (1 + Math.abs(x))) : 0;
    } else {
      out.z = 0;
    }

    if (!Number.isNaN(this.last)) {
      const delta = Math.abs(x - this.last);
      const changed = x !== this.last;
      if (changed) {
        if (delta < this.quantum) this.quantum = delta;
        // A run far beyond the longest known is a fault, not a lesson in what is normal.
        if (this.seen.n < RUN_LEARNING || this.run <= 2 * this.normalRun) {
          this.longestRun = Math.max(this.longestRun * LONGEST_RUN_DECAY, this.run);
        }
        this.run = 0;
      } else {
        this.run += weight;
      }
      this.deltas[this.deltaHead] = delta;
      this.deltaHead = (this.deltaHead + 1) % ROUGH;
      if (this.deltaCount < ROUGH) this.deltaCount += 1;
      // A value stuck beyond its longest normal run (a frozen chip) must not teach the track that
      // changes are small: the readings after it would all look rough.
      if (changed || this.run <= this.normalRun) this.deltaScale.update(delta);
    }
    this.last = x;

    const typicalDelta = Math.max(this.deltaScale.value, this.stepFloor());
    out.roughness = warm && this.deltaCount === ROUGH ? this.upperMedianDelta() / typicalDelta : 0;
    out.freeze = warm && !atBound ? this.run / this.normalRun : 0;
    out.freezeRatio = out.freeze;

    const deviation = Math.abs(v - this.level.value);
    const levelFloor = Math.max(
      this.levelScale.value,
      0.5 * this.deltaScale.value,
      this.stepFloor(),
    );
    out.level = warm ? deviation / levelFloor : 0;
    this.levelScale.update(deviation);
    this.level.update(v, this.levelScale.value, this.levelScale.ready);

    if (warm) {
      out.z = this.zSurprise.update(out.z);
      out.roughness = this.roughSurprise.update(out.roughness);
      out.freeze = this.freezeSurprise.update(out.freeze);
      out.level = this.levelSurprise.update(out.level);
      out.persist = this.trackExcursion(out.level);
    } else {
      out.persist = 0;
    }

    if (this.seen.n < READY_READINGS) {
      // Still learning what normal is for this metric: no evidence either way.
      out.z = 0;
      out.roughness = 0;
      out.freeze = 0;
      out.level = 0;
      out.persist = 0;
      out.freezeRatio = 0;
    }

    this.push(v);
    if (this.count >= 2) {
      this.spreadScale.update(spread);
      this.longSpread.update(spread);
    }
  }

  /**
   * Counts readings whose level surprise stays above 1 (with hysteresis: a dip only shortens the
   * count), and relates the count to the longest excursion seen in normal operation. A walk-by
   * shortens a proximity reading for a minute; a drift keeps growing for many minutes.
   */
  private trackExcursion(levelSurprise: number): number {
    if (levelSurprise > 1) {
      this.excursion += 1;
      if (this.excursion > this.excursionPeak) this.excursionPeak = this.excursion;
    } else if (this.excursion > 0) {
      this.excursion = Math.max(0, this.excursion - 4);
      if (this.excursion === 0) {
        const peak = this.excursionPeak;
        if (this.seen.n < RUN_LEARNING || peak <= 2 * Math.max(8, this.longestExcursion)) {
          this.longestExcursion = Math.max(this.longestExcursion * LONGEST_RUN_DECAY, peak);
        }
        this.excursionPeak = 0;
      }
    }
    return this.excursion / Math.max(8, this.longestExcursion);
  }

  /** Lower bound of any scale: a quarter of the long-run spread, half the reporting resolution. */
  private stepFloor(): number {
    const resolution = Number.isFinite(this.quantum) ? 0.5 * this.quantum : 0;
    return Math.max(0.25 * this.longSpread.value, resolution, TINY);
  }

  private push(v: number): void {
    if (this.count === WINDOW) {
      const old = this.ring[this.head] as number;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.count += 1;
    }
    this.ring[this.head] = v;
    this.head = (this.head + 1) % WINDOW;
    this.sum += v;
    this.sumSq += v * v;
    this.sinceRecompute += 1;
    if (this.sinceRecompute >= RECOMPUTE_EVERY) {
      this.sinceRecompute = 0;
      let s = 0;
      let sq = 0;
      for (let i = 0; i < this.count; i++) {
        const r = this.ring[i] as number;
        s += r;
        sq += r * r;
      }
      this.sum = s;
      this.sumSq = sq;
    }
  }

  /** The 5th smallest of the last 8 |deltas|: robust to a spike's two big steps. */
  private upperMedianDelta(): number {
    return kthSmallest(this.deltas, ROUGH, ROUGH / 2, this.sortBuf);
  }
}
