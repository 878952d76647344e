import type { MessageFacts } from '../features';
import type { FaultType, Finding } from '../types';

/** Thresholds of the rule detectors; defaults suit devices reporting every 0.5-60 s. */
export type RuleConfig = {
  /** |ts - receivedAt| beyond this is clock skew (NTP-synced devices agree within a second or two). */
  maxSkewMs: number;
  /** Recent rate over normal rate at or above this is a flood. */
  floodRatio: number;
  /** Seq numbers skipped, together with a receive gap of `dropoutGapRatio` normal intervals. */
  dropoutMissing: number;
  dropoutGapRatio: number;
  /** A hand at the enclosure: proximity under this many cm, and under `tamperDrop` of its level. */
  tamperProximityCm: number;
  tamperDrop: number;
  /** A metric unchanged for this many times its longest normal run is frozen (a hung driver). */
  freezeRatio: number;
  /** Two metrics each unchanged for this many times their longest normal run are frozen sooner: a
   * chip whose driver hangs freezes every value it reports (temperature with humidity, a drone's
   * position or its three accelerometer axes), and normal runs rarely coincide. */
  frozenTogetherRatio: number;
  /** Degrees of warming above the recent level that make tampering critical. */
  tamperWarmingC: number;
  /** A metric this many times further from its recent mean than its usual high deviation is a
   * spike, whatever the model says: the forest's score saturates for one extreme feature. Set well
   * above the largest seen in the fault-free training fleets (about 36 at their 99.99th percentile). */
  spikeDeviation: number;
  /** A drone's readings disagreeing with its accelerometer this many times their usual error, for
   * at least half of the last 12 readings, is a noise burst. Set above the largest seen in the
   * fault-free training fleets (3.1). */
  kinematicNoise: number;
  /** Roughness (recent step size over the metric's usual high) at or above this is a noise burst;
   * the detector takes it from its metadata, where training chose it on the validation split. */
  noiseEvidence: number;
  /** Drift evidence (distance walked over the metric's own wander) at or above this is a drift;
   * chosen like `noiseEvidence`. */
  driftEvidence: number;
};

/** The rule thresholds training chooses on the validation split (stored in detector.json). */
export type ChosenRules = Pick<RuleConfig, 'noiseEvidence' | 'driftEvidence'>;

export const DEFAULT_RULES: RuleConfig = {
  maxSkewMs: 60_000,
  floodRatio: 4,
  dropoutMissing: 3,
  dropoutGapRatio: 3,
  tamperProximityCm: 15,
  tamperDrop: 0.25,
  tamperWarmingC: 0.5,
  freezeRatio: 3,
  frozenTogetherRatio: 1.5,
  spikeDeviation: 50,
  kinematicNoise: 4,
  noiseEvidence: Number.POSITIVE_INFINITY,
  driftEvidence: Number.POSITIVE_INFINITY,
};

/**
 * What a tree model on a window cannot see, or should not have to learn: broken session
 * semantics (replay, a second sender), traffic shape (flood, gaps), physics (ranges, teleports,
 * the enclosure being opened) and clocks. Checked in order of how much they say about intent;
 * the first that holds wins.
 */
export function checkRules(
  facts: MessageFacts,
  config: RuleConfig = DEFAULT_RULES,
): Finding | null {
  if (facts.relation === 'second_boot') return { type: 'spoof', severity: 'critical', score: 1 };
  if (facts.relation === 'replay') return { type: 'replay', severity: 'high', score: 0.97 };
  if (isTamper(facts, config)) {
    const warming = (facts.temperatureRise ?? 0) >= config.tamperWarmingC;
    return {
      type: 'tamper',
      severity: warming ? 'critical' : 'high',
      score: warming ? 0.99 : 0.95,
    };
  }
  if (facts.gpsJump) return { type: 'gps_jump', severity: 'high', score: 0.95 };
  if (facts.outOfRange !== null) return { type: 'spike', severity: 'high', score: 0.95 };
  const flood = graded('flood', facts.rateRatio, config.floodRatio, 5, 0.9);
  if (flood !== null) return flood;
  if (Math.abs(facts.skewMs) > config.maxSkewMs)
    return { type: 'clock_skew', severity: 'medium', score: 0.9 };
  const frozen = graded('freeze', facts.freezeRatio, config.freezeRatio, 4, 0.85);
  if (frozen !== null) return frozen;
  if (facts.frozenTogether >= config.frozenTogetherRatio) {
    return { type: 'freeze', severity: 'medium', score: 0.85 };
  }
  if (facts.missing >= config.dropoutMissing && facts.gapRatio >= config.dropoutGapRatio) {
    return { type: 'dropout', severity: facts.gapRatio >= 60 ? 'medium' : 'low', score: 0.85 };
  }
  return (
    graded('spike', facts.deviation, config.spikeDeviation, 4, 0.85) ??
    graded('noise', facts.roughness, config.noiseEvidence, 2, 0.8) ??
    graded('noise', facts.kinematicNoise, config.kinematicNoise, 2, 0.8) ??
    graded('drift', facts.drift, config.driftEvidence, 2, 0.8)
  );
}

/** A finding once `value` reaches `threshold`: medium, high from `highAt` times the threshold. */
function graded(
  type: FaultType,
  value: number,
  threshold: number,
  highAt: number,
  score: number,
): Finding | null {
  if (!(value >= threshold)) return null;
  return { type, severity: value >= highAt * threshold ? 'high' : 'medium', score };
}

function isTamper(facts: MessageFacts, config: RuleConfig): boolean {
  if (!facts.motion || facts.proximity === null || facts.proximity >= config.tamperProximityCm)
    return false;
  return (
    facts.proximityBaseline === null ||
    facts.proximity < config.tamperDrop * facts.proximityBaseline
  );
}
