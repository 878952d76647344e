import type { ChosenRules } from '../rules/rules';
import { FAULT_TYPES, type FaultType } from '../types';
import type { ScoredMessage } from './score-messages';

export type BinaryMetrics = {
  precision: number;
  recall: number;
  f1: number;
  falsePositiveRate: number;
};

export type TypeMetrics = {
  /** Messages carrying this label. */
  count: number;
  /** Share of them flagged as anomalous (any type). */
  recall: number;
  /** Of messages the detector typed as this fault, the share labelled with it. */
  precision: number;
  /** F1 of the typed verdict: typed precision with typed recall (flagged with the right type). */
  f1: number;
  /** Share of this label's messages flagged with exactly this type. */
  typedRecall: number;
};

/** Whether a message is flagged at `threshold`: any rule, or the model at or above it where it counts. */
export function flaggedAt(m: ScoredMessage, threshold: number): boolean {
  return m.ruleType !== null || (m.settled && m.modelScore >= threshold);
}

/** Precision, recall, F1 of anomaly vs normal, and the false-positive rate among normal messages. */
export function binaryMetrics(
  messages: readonly ScoredMessage[],
  flagged: (m: ScoredMessage) => boolean,
): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  let negatives = 0;
  for (const m of messages) {
    const f = flagged(m);
    if (m.label === null) {
      negatives += 1;
      if (f) fp += 1;
    } else {
      positives += 1;
      if (f) tp += 1;
    }
  }
  return metricsFromCounts(tp, fp, positives, negatives);
}

/** Precision, recall, F1 and false-positive rate from confusion counts. */
function metricsFromCounts(
  tp: number,
  fp: number,
  positives: number,
  negatives: number,
): BinaryMetrics {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  const recall = positives > 0 ? tp / positives : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, falsePositiveRate: negatives > 0 ? fp / negatives : 0 };
}

/** Per fault type, at the detector's own verdicts. */
export function typeMetrics(messages: readonly ScoredMessage[]): Record<FaultType, TypeMetrics> {
  const out = {} as Record<FaultType, TypeMetrics>;
  for (const type of FAULT_TYPES) {
    let count = 0;
    let detected = 0;
    let typed = 0;
    let predicted = 0;
    for (const m of messages) {
      if (m.anomaly && m.type === type) predicted += 1;
      if (m.label !== type) continue;
      count += 1;
      if (m.anomaly) detected += 1;
      if (m.anomaly && m.type === type) typed += 1;
    }
    const precision = predicted > 0 ? typed / predicted : 0;
    const typedRecall = count > 0 ? typed / count : 0;
    out[type] = {
      count,
      recall: count > 0 ? detected / count : 0,
      precision,
      typedRecall,
      f1:
        precision + typedRecall > 0 ? (2 * precision * typedRecall) / (precision + typedRecall) : 0,
    };
  }
  return out;
}

/** Model thresholds tried: a fine grid over (0, 1), in thousandths. */
const MODEL_GRID = { from: 300, to: 990, step: 2 } as const;

/** Rule thresholds tried: noise evidence from 1.5 to 24 (geometric), drift evidence from 3 to 14. */
export const RULE_GRID: { noiseEvidence: readonly number[]; driftEvidence: readonly number[] } = {
  noiseEvidence: Array.from({ length: 25 }, (_, i) => round3(1.5 * 2 ** (i / 6))),
  driftEvidence: Array.from({ length: 45 }, (_, i) => 3 + i * 0.25),
};

export type ChosenThresholds = {
  threshold: number;
  rules: ChosenRules;
  metrics: BinaryMetrics;
  cleanFalsePositiveRate: number;
};

/**
 * The model threshold and noise and drift rule thresholds with the best F1 on `faulty` among those
 * whose false-positive rate on `clean` stays within `maxFalsePositiveRate`. The messages must have
 * been scored with the noise and drift rules off (`ruleType` from the other rules only); a message
 * is flagged by a rule, by evidence at or above a rule threshold, or by the model where it counts.
 */
export function chooseThresholds(
  faulty: readonly ScoredMessage[],
  clean: readonly ScoredMessage[],
  maxFalsePositiveRate: number,
  grid: typeof RULE_GRID = RULE_GRID,
): ChosenThresholds {
  let best: ChosenThresholds | null = null;
  for (const noiseEvidence of grid.noiseEvidence) {
    for (const driftEvidence of grid.driftEvidence) {
      const rules = { noiseEvidence, driftEvidence };
      const cleanCounts = countByThreshold(clean, rules);
      const faultyCounts = countByThreshold(faulty, rules);
      for (let k = MODEL_GRID.from; k <= MODEL_GRID.to; k += MODEL_GRID.step) {
        const cleanRate = cleanCounts.at(k).falsePositiveRate;
        if (cleanRate > maxFalsePositiveRate) continue;
        const metrics = faultyCounts.at(k);
        if (best === null || metrics.f1 > best.metrics.f1) {
          best = { threshold: k / 1000, rules, metrics, cleanFalsePositiveRate: cleanRate };
        }
      }
    }
  }
  if (best === null)
    throw new Error(`no thresholds keep the false-positive rate within ${maxFalsePositiveRate}`);
  return best;
}

/**
 * Confusion counts for every model threshold k/1000 at once: messages flagged whatever the model
 * says are counted directly, the rest by the highest threshold their model score reaches.
 */
function countByThreshold(
  messages: readonly ScoredMessage[],
  rules: ChosenRules,
): { at(k: number): BinaryMetrics } {
  const tpAt = new Float64Array(1002);
  const fpAt = new Float64Array(1002);
  let tpAlways = 0;
  let fpAlways = 0;
  let positives = 0;
  let negatives = 0;
  for (const m of messages) {
    const positive = m.label !== null;
    if (positive) positives += 1;
    else negatives += 1;
    if (
      m.ruleType !== null ||
      m.evidence.noise >= rules.noiseEvidence ||
      m.evidence.drift >= rules.driftEvidence
    ) {
      if (positive) tpAlways += 1;
      else fpAlways += 1;
    } else if (m.settled) {
      const k = highestThousandth(m.modelScore);
      if (k < 0) continue;
      if (positive) tpAt[k] = (tpAt[k] as number) + 1;
      else fpAt[k] = (fpAt[k] as number) + 1;
    }
  }
  // Suffix sums: tpAt[k] = messages flagged at threshold k/1000.
  for (let k = 999; k >= 0; k--) {
    tpAt[k] = (tpAt[k] as number) + (tpAt[k + 1] as number);
    fpAt[k] = (fpAt[k] as number) + (fpAt[k + 1] as number);
  }
  return {
    at: (k: number) =>
      metricsFromCounts(
        tpAlways + (tpAt[k] as number),
        fpAlways + (fpAt[k] as number),
        positives,
        negatives,
      ),
  };
}

/** The largest k in [0, 1000] with score >= k/1000 (the comparison `flaggedAt` makes), or -1. */
function highestThousandth(score: number): number {
  if (!(score >= 0)) return -1;
  let k = Math.min(1000, Math.floor(score * 1000));
  while (k < 1000 && score >= (k + 1) / 1000) k += 1;
  while (k >= 0 && score < k / 1000) k -= 1;
  return k;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
