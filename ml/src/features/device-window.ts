import { canonicalMetric } from '@vigil/protocol';
import { ArrivalTrack } from './arrival';
import { DriftTrack, type DriftTrackOptions, STEADY_WANDER } from './drift-track';
import { GpsTrack } from './geo';
import { KinematicTrack } from './kinematics';
import { type MetricFacts, MetricTrack, READY_READINGS } from './metric-track';
import { FEATURE_INDEX as F, FEATURE_COUNT } from './names';
import { type Relation, type SessionHead, SessionTrack } from './session';

/** A decoded telemetry reading as the detector sees it. */
export type TelemetryReading = {
  /** Epoch ms at the server. */
  receivedAt: number;
  /** The device's own timestamp, epoch ms. */
  tsMs: number;
  boot: number;
  seq: number;
  metrics: Record<string, number | boolean>;
};

/** What the window learned about one message beyond the feature vector; the rule detectors read it. */
export type MessageFacts = {
  relation: Relation;
  missing: number;
  seqBehind: number;
  tsBehindMs: number;
  /** Receive gap over the device's normal interval (0 while unknown). */
  gapRatio: number;
  /** Recent rate over the device's normal rate (0 while unknown). */
  rateRatio: number;
  /** ts - receivedAt. */
  skewMs: number;
  /** Implied ground speed from the last trusted GPS fix, m/s (0 without lat/lon). */
  gpsSpeed: number;
  gpsJump: boolean;
  /** A canonical metric outside its physical range, or null. */
  outOfRange: { name: string; value: number } | null;
  motion: boolean;
  /** Centimetres, when the device reports proximity. */
  proximity: number | null;
  proximityBaseline: number | null;
  /** Longest current run of an unchanged metric over its longest normal run (0 until settled). */
  freezeRatio: number;
  /** Two metrics unchanged at once: the smaller of the two largest `freezeRatio`s (0 until settled). */
  frozenTogether: number;
  /** Noise evidence: the roughest steady metric's recent step size over its usual high (0 until settled). */
  roughness: number;
  /** A drone's readings disagreeing with its own accelerometer: recent residual over its usual
   * size (0 without altitude and accel_z, and until settled; see `KinematicTrack`). */
  kinematicNoise: number;
  /** The largest distance of a metric from its recent mean over its usual high (0 until settled). */
  deviation: number;
  /** Degrees above the temperature's recent level, when reported. */
  temperatureRise: number | null;
  /** Drift evidence: the largest over the drift-judged canonical metrics (see `DriftTrack`). */
  drift: number;
  /** The metric with the largest drift evidence, or null. */
  driftMetric: string | null;
};

/** Metrics tracked per device at most (the protocol's own per-message limit). */
export const MAX_TRACKED_METRICS = 64;
/**
 * A room's temperature and humidity bend only with the weather: their wander is learned from its
 * curvature, which a drift under way does not inflate, so they are judged from the reading the
 * other value facts are. A drone's altitude bends at every climb: it learns from plain changes.
 */
const ROOM_WANDER: DriftTrackOptions = { curvature: true, judgeFrom: READY_READINGS };
/**
 * Canonical metrics judged for drift, with how each learns its wander: their normal behaviour is a
 * slow wander (or, for a drone's altitude, level flight between climbs), so a steady walk away
 * from earlier values is a sensor losing calibration.
 */
export const DRIFT_METRICS: Readonly<Record<string, DriftTrackOptions>> = {
  temperature: ROOM_WANDER,
  humidity: ROOM_WANDER,
  altitude: STEADY_WANDER,
};
/**
 * Canonical metrics judged for noise bursts: readings of a room that change smoothly, so a burst of
 * roughness is the sensor or its wiring. A drone's speed, altitude and accelerometer change in
 * bursts by themselves (every waypoint); their agreement with each other judges those
 * (`KinematicTrack`).
 */
const NOISE_METRICS: ReadonlySet<string> = new Set(['temperature', 'humidity', 'proximity']);
/** A vertical acceleration this far from its level (m/s²) means the drone climbs or descends (or
 * is still settling at its new height). */
const VERTICAL_ACCEL = 0.35;
/** Fallback for "recent" before the normal interval is known. */
const DEFAULT_QUIET_MS = 10_000;

/**
 * Per-device rolling state, updated message by message in O(1) with fixed memory, producing the
 * fixed-length feature vector of `FEATURE_NAMES` for every reading. The one implementation used
 * by training and by the server.
 *
 * Messages that are not the device's running session (a replay, a second live boot) are scored
 * against the window but never folded into it, so an attacker cannot teach it their values.
 */
export class DeviceWindow {
  private readonly tracks = new Map<string, MetricTrack>();
  private readonly arrival = new ArrivalTrack();
  /** The same on the device's own clock: a flood is fast on both, a drained backlog only here. */
  private readonly sendClock = new ArrivalTrack();
  private readonly session = new SessionTrack();
  private readonly gps = new GpsTrack();
  private readonly drifts = new Map<string, DriftTrack>();
  private kinematics: KinematicTrack | null = null;
  private readonly facts: MetricFacts = {
    z: 0,
    roughness: 0,
    freeze: 0,
    freezeRatio: 0,
    level: 0,
    persist: 0,
  };
  private order = 0;

  /** Number of messages folded in so far. */
  get size(): number {
    return this.order;
  }

  /** The running session's boot, newest seq and ts (null before the first message). */
  get head(): SessionHead | null {
    return this.session.head;
  }

  /** Folds `reading` in and writes its features to `out[offset .. offset + FEATURE_COUNT)`. */
  update(reading: TelemetryReading, out: Float32Array, offset = 0): MessageFacts {
    out.fill(0, offset, offset + FEATURE_COUNT);
    const quietMs = Math.max(DEFAULT_QUIET_MS, 5 * this.arrival.normalMs);
    const s = this.session.update(
      reading.boot,
      reading.seq,
      reading.tsMs,
      reading.receivedAt,
      quietMs,
    );
    const skewMs = reading.tsMs - reading.receivedAt;
    const facts: MessageFacts = {
      relation: s.relation,
      missing: s.missing,
      seqBehind: s.seqBehind,
      tsBehindMs: s.tsBehindMs,
      gapRatio: 0,
      rateRatio: 0,
      skewMs,
      gpsSpeed: 0,
      gpsJump: false,
      outOfRange: findOutOfRange(reading.metrics),
      motion: reading.metrics.motion === true,
      proximity: numberOrNull(reading.metrics.proximity),
      proximityBaseline: null,
      temperatureRise: null,
      freezeRatio: 0,
      frozenTogether: 0,
      roughness: 0,
      kinematicNoise: 0,
      deviation: 0,
      drift: 0,
      driftMetric: null,
    };
    out[offset + F.seq_missing_log] = Math.log1p(s.missing);
    out[offset + F.seq_behind_log] = s.relation === 'replay' ? Math.log1p(s.seqBehind + 1) : 0;
    out[offset + F.ts_behind_log] = Math.log1p(s.tsBehindMs / 1000);
    out[offset + F.second_boot] = s.relation === 'second_boot' ? 1 : 0;
    out[offset + F.skew_log] = Math.log1p(Math.abs(skewMs) / 1000);
    out[offset + F.out_of_range] = facts.outOfRange === null ? 0 : 1;
    out[offset + F.motion] = facts.motion ? 1 : 0;
    if (s.relation === 'replay' || s.relation === 'second_boot') return facts;

    this.order += 1;
    const [gap, rate] = this.arrival.update(reading.receivedAt);
    const [sendGap, sendRate] = this.sendClock.update(reading.tsMs);
    facts.gapRatio = gap;
    // A backlog the broker delivers in a burst (after a server restart or a network stall) arrives
    // fast but was sent at the device's normal pace; a flooding device also sends fast.
    facts.rateRatio = Math.min(rate, sendRate);
    out[offset + F.gap_log] = gap > 0 ? clamp(Math.log2(gap), -8, 12) : 0;
    out[offset + F.rate_log] = rate > 0 ? clamp(Math.log2(rate), -8, 12) : 0;

    this.canonicalFacts(reading, facts, out, offset);
    this.driftFacts(reading, facts, out, offset);
    // Readings sent much faster than normal (a flood) count for the share of an interval they
    // span; the device's usual jitter counts as whole readings.
    const weight = sendGap > 0 && sendGap < 0.5 ? sendGap : 1;
    this.metricFeatures(reading.metrics, facts, out, offset, weight);
    this.kinematicFacts(reading, facts, out, offset);
    return facts;
  }

  private canonicalFacts(
    reading: TelemetryReading,
    facts: MessageFacts,
    out: Float32Array,
    offset: number,
  ): void {
    const { latitude, longitude, temperature } = reading.metrics;
    if (typeof latitude === 'number' && typeof longitude === 'number') {
      const fix = this.gps.update(latitude, longitude, reading.receivedAt);
      facts.gpsSpeed = fix.speed;
      facts.gpsJump = fix.jump;
      out[offset + F.gps_speed_log] = Math.log1p(fix.speed);
    }
    const proximity = this.tracks.get('proximity');
    if (facts.proximity !== null && proximity?.warm) {
      facts.proximityBaseline = proximity.baseline;
      const drop = proximity.baseline / Math.max(facts.proximity, 0.5);
      out[offset + F.proximity_drop] = drop > 1 ? Math.log(drop) : 0;
    }
    const thermo = this.tracks.get('temperature');
    if (typeof temperature === 'number' && thermo?.warm) {
      facts.temperatureRise = temperature - thermo.baseline;
      out[offset + F.temperature_rise] = clamp(facts.temperatureRise, -20, 20);
    }
    // Relative humidity moves a few %RH a day indoors; a sensor losing calibration walks off by tens.
    const { humidity } = reading.metrics;
    const hygro = this.tracks.get('humidity');
    if (typeof humidity === 'number' && hygro?.warm) {
      out[offset + F.humidity_shift] = clamp(humidity - hygro.baseline, -50, 50);
    }
  }

  private driftFacts(
    reading: TelemetryReading,
    facts: MessageFacts,
    out: Float32Array,
    offset: number,
  ): void {
    const { accel_z: accelZ } = reading.metrics;
    const vertical = this.tracks.get('accel_z');
    // A drone accelerating up or down changes its altitude for real: judge only from level flight.
    const climbing =
      typeof accelZ === 'number' &&
      vertical?.warm === true &&
      Math.abs(accelZ - vertical.baseline) > VERTICAL_ACCEL;
    for (const name in DRIFT_METRICS) {
      const value = reading.metrics[name];
      if (typeof value !== 'number') continue;
      let track = this.drifts.get(name);
      if (track === undefined) {
        track = new DriftTrack(DRIFT_METRICS[name]);
        this.drifts.set(name, track);
      }
      if (name === 'altitude' && climbing) track.interrupt();
      const evidence = track.update(value, reading.tsMs);
      if (evidence > facts.drift) {
        facts.drift = evidence;
        facts.driftMetric = name;
      }
    }
    out[offset + F.drift_log] = Math.log1p(facts.drift);
  }

  /** A drone's readings disagreeing with its own accelerometer: noise evidence (see `KinematicTrack`). */
  private kinematicFacts(
    reading: TelemetryReading,
    facts: MessageFacts,
    out: Float32Array,
    offset: number,
  ): void {
    const { altitude, accel_x: ax, accel_y: ay, accel_z: az, speed } = reading.metrics;
    if (typeof altitude !== 'number' || typeof az !== 'number') return;
    this.kinematics ??= new KinematicTrack();
    const vertical = this.tracks.get('accel_z');
    const horizontal = typeof ax === 'number' && typeof ay === 'number' ? Math.hypot(ax, ay) : null;
    facts.kinematicNoise = this.kinematics.update(
      {
        altitude,
        accelZ: az,
        speed: typeof speed === 'number' ? speed : null,
        accelHorizontal: horizontal,
      },
      reading.tsMs,
      vertical?.warm ? vertical.baseline : null,
    );
    out[offset + F.kinematic_log] = Math.log1p(facts.kinematicNoise);
  }

  private metricFeatures(
    metrics: Record<string, number | boolean>,
    facts: MessageFacts,
    out: Float32Array,
    offset: number,
    weight: number,
  ): void {
    let zMax = 0;
    let freezeRatioMax = 0;
    let freezeRatioSecond = 0;
    let roughMax = 0;
    let steadyRoughMax = 0;
    let freezeMax = 0;
    let levelMax = 0;
    let persistMax = 0;
    let numeric = 0;
    let frozen = 0;
    for (const name in metrics) {
      const value = metrics[name];
      if (typeof value !== 'number') continue;
      const track = this.track(name);
      const spec = canonicalMetric(name);
      const atBound = spec !== undefined && (value === spec.min || value === spec.max);
      track.update(value, atBound, this.order, this.facts, weight);
      // Someone in front of the sensor moves the proximity reading: expected while motion is
      // reported, so it must not count as a value anomaly (tampering has its own rule).
      if (name === 'proximity' && metrics.motion === true) continue;
      numeric += 1;
      if (this.facts.freeze >= 3) frozen += 1;
      if (this.facts.z > zMax) zMax = this.facts.z;
      if (this.facts.roughness > roughMax) roughMax = this.facts.roughness;
      if (NOISE_METRICS.has(name) && this.facts.roughness > steadyRoughMax) {
        steadyRoughMax = this.facts.roughness;
      }
      if (this.facts.freeze > freezeMax) freezeMax = this.facts.freeze;
      if (this.facts.level > levelMax) levelMax = this.facts.level;
      if (this.facts.persist > persistMax) persistMax = this.facts.persist;
      const ratio = this.facts.freezeRatio;
      if (ratio > freezeRatioMax) {
        freezeRatioSecond = freezeRatioMax;
        freezeRatioMax = ratio;
      } else if (ratio > freezeRatioSecond) freezeRatioSecond = ratio;
    }
    out[offset + F.z_max] = Math.log1p(zMax);
    out[offset + F.roughness_max] = Math.log1p(roughMax);
    out[offset + F.freeze_max] = Math.log1p(freezeMax);
    out[offset + F.frozen_fraction] = numeric > 0 ? frozen / numeric : 0;
    out[offset + F.level_max] = Math.log1p(levelMax);
    out[offset + F.level_persist_max] = Math.log1p(persistMax);
    facts.freezeRatio = freezeRatioMax;
    facts.frozenTogether = freezeRatioSecond;
    facts.roughness = steadyRoughMax;
    facts.deviation = zMax;
  }

  /** The track of `name`, evicting the longest-unseen one when the device exceeds the bound. */
  private track(name: string): MetricTrack {
    let track = this.tracks.get(name);
    if (track !== undefined) return track;
    if (this.tracks.size >= MAX_TRACKED_METRICS) {
      let stalest: string | undefined;
      let oldest = Number.POSITIVE_INFINITY;
      for (const [key, t] of this.tracks) {
        if (t.seen.at < oldest) {
          oldest = t.seen.at;
          stalest = key;
        }
      }
      if (stalest !== undefined) this.tracks.delete(stalest);
    }
    track = new MetricTrack();
    this.tracks.set(name, track);
    return track;
  }
}

/**
 * Rebuilds a device's window from its recent readings, oldest first (the server calls this on a
 * cache miss, so a restart or another replica does not blind the detector).
 */
export function rebuildWindow(readings: Iterable<TelemetryReading>): DeviceWindow {
  const window = new DeviceWindow();
  const scratch = new Float32Array(FEATURE_COUNT);
  for (const reading of readings) window.update(reading, scratch);
  return window;
}

function findOutOfRange(
  metrics: Record<string, number | boolean>,
): { name: string; value: number } | null {
  for (const name in metrics) {
    const value = metrics[name];
    if (typeof value !== 'number') continue;
    const spec = canonicalMetric(name);
    if (spec === undefined) continue;
    if (
      (spec.min !== undefined && value < spec.min) ||
      (spec.max !== undefined && value > spec.max)
    ) {
      return { name, value };
    }
  }
  return null;
}

function numberOrNull(value: number | boolean | undefined): number | null {
  return typeof value === 'number' ? value : null;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
