import { READY_READINGS } from './metric-track';
import { kthSmallest } from './order-statistic';
import { RobustScale } from './robust-scale';

/** Recent residuals whose high order statistic measures a burst. */
const RING = 12;
/** The 7th smallest of 12: a spike of up to 3 readings disturbs at most 5 residuals and does not
 * count; a noise burst disturbs them all. */
const RANK = 6;
/** Consecutive reporting intervals must agree within this factor for the residual to be exact
 * enough (a dropout or the start of a flood is skipped). */
const INTERVAL_RATIO = 2;
/** The residuals' usual size is learned only while the recent ones are within these multiples of
 * it: a burst must not teach that large errors are normal, nor a frozen reading (no change at all)
 * that small ones are. */
const LEARN_WITHIN = [0.5, 2] as const;

/** The drone metrics the residuals relate, as a reading reports them. */
export type Motion = {
  altitude: number;
  accelZ: number;
  speed: number | null;
  /** Horizontal acceleration magnitude, m/s², when accel_x and accel_y are reported. */
  accelHorizontal: number | null;
};

/**
 * Noise evidence for a drone from physics rather than from each metric alone. Its speed, altitude
 * and accelerometer all change in bursts at every waypoint, so a metric's own roughness cannot tell
 * a turn from a loose connector; but the readings must agree with each other:
 *
 * - vertical: the altitude's second difference equals the vertical acceleration times dt²
 *   (`accel_z` minus its level, which is gravity), up to the sensors' own noise;
 * - horizontal: the speed cannot change by more than the horizontal acceleration times dt.
 *
 * A noisy altimeter, accelerometer or speed reading breaks the agreement for every reading of the
 * burst, whatever the drone is doing. Each residual is judged like a metric's roughness: a high
 * order statistic of the last 12 over its usual size.
 */
export class KinematicTrack {
  private readonly vertical = new ResidualBurst();
  private readonly horizontal = new ResidualBurst();
  private altitude1 = Number.NaN;
  private altitude2 = Number.NaN;
  private speed1 = Number.NaN;
  private t1 = Number.NaN;
  private dt1 = Number.NaN;

  /**
   * Folds in one reading taken at device time `tMs`, with `gravity` the accelerometer's level on z
   * (null while unknown), and returns the noise evidence (0 while normal is being learned).
   */
  update(motion: Motion, tMs: number, gravity: number | null): number {
    const dt = (tMs - this.t1) / 1000;
    let evidence = 0;
    if (dt > 0) {
      const regular =
        this.dt1 > 0 && dt <= INTERVAL_RATIO * this.dt1 && this.dt1 <= INTERVAL_RATIO * dt;
      if (regular && gravity !== null && !Number.isNaN(this.altitude2)) {
        // Altitude units: the step now minus the step before, rescaled to this interval, minus
        // what the measured acceleration explains.
        const expected = (motion.accelZ - gravity) * dt * dt;
        const residual =
          motion.altitude -
          this.altitude1 -
          ((this.altitude1 - this.altitude2) * dt) / this.dt1 -
          expected;
        evidence = this.vertical.update(Math.abs(residual));
      }
      if (motion.speed !== null && motion.accelHorizontal !== null && !Number.isNaN(this.speed1)) {
        const excess = Math.abs(motion.speed - this.speed1) - motion.accelHorizontal * dt;
        evidence = Math.max(evidence, this.horizontal.update(Math.max(0, excess)));
      }
      this.dt1 = dt;
    } else {
      // Two readings at one instant, or a clock that went back (a reboot, a skew corrected):
      // nothing to relate them by, so start afresh.
      this.dt1 = Number.NaN;
      this.altitude1 = Number.NaN;
    }
    this.altitude2 = this.altitude1;
    this.altitude1 = motion.altitude;
    this.speed1 = motion.speed ?? Number.NaN;
    this.t1 = tMs;
    return evidence;
  }
}

/** A residual's recent burst size over its usual non-zero size. */
class ResidualBurst {
  private readonly ring = new Float64Array(RING);
  private readonly sorted = new Float64Array(RING);
  private head = 0;
  private count = 0;
  private seen = 0;
  /** Mean size of the non-zero residuals: exact physics leaves many at zero, which say nothing
   * about how large the sensors' own errors are. */
  private readonly scale = new RobustScale(1 / 128);

  update(residual: number): number {
    this.ring[this.head] = residual;
    this.head = (this.head + 1) % RING;
    if (this.count < RING) this.count += 1;
    this.seen += 1;
    let ratio = 0;
    if (this.count === RING && this.scale.value > 0) {
      ratio = kthSmallest(this.ring, RING, RANK, this.sorted) / this.scale.value;
    }
    // A burst in progress must not teach the scale that its residuals are normal.
    const usual = ratio >= LEARN_WITHIN[0] && ratio <= LEARN_WITHIN[1];
    if (residual > 0 && (this.seen < READY_READINGS || usual)) this.scale.update(residual);
    return this.seen < READY_READINGS ? 0 : ratio;
  }
}
