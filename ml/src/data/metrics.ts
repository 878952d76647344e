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
  let fn = 0;
  let negatives = 0;
  for (const m of messages) {
    const f = flagged(m);
    if (m.label === null) {
      negatives += 1;
      if (f) fp += 1;
    } else if (f) {
      tp += 1;
    } else {
      fn += 1;
    }
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
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

/**
 * The threshold with the best F1 on `faulty` among those whose false-positive rate on `clean`
 * stays within `maxFalsePositiveRate`; candidates are a fine grid over (0, 1).
 */
export function chooseThreshold(
  faulty: readonly ScoredMessage[],
  clean: readonly ScoredMessage[],
  maxFalsePositiveRate: number,
): { threshold: number; metrics: BinaryMetrics; cleanFalsePositiveRate: number } {
  let best: { threshold: number; metrics: BinaryMetrics; cleanFalsePositiveRate: number } | null =
    null;
  for (let k = 300; k <= 990; k += 2) {
    const threshold = k / 1000;
    const cleanRate = binaryMetrics(clean, (m) => flaggedAt(m, threshold)).falsePositiveRate;
    if (cleanRate > maxFalsePositiveRate) continue;
    const metrics = binaryMetrics(faulty, (m) => flaggedAt(m, threshold));
    if (best === null || metrics.f1 > best.metrics.f1)
      best = { threshold, metrics, cleanFalsePositiveRate: cleanRate };
  }
  if (best === null)
    throw new Error(`no threshold keeps the false-positive rate within ${maxFalsePositiveRate}`);
  return best;
}
