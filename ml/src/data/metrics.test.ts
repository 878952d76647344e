import { describe, expect, test } from 'bun:test';
import type { FaultType } from '../types';
import { binaryMetrics, chooseThresholds } from './metrics';
import type { ScoredMessage } from './score-messages';

/** Messages with seeded scores: anomalies score higher and carry more evidence, with overlap. */
function messages(count: number, seed: number, faultShare: number): ScoredMessage[] {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  };
  return Array.from({ length: count }, (_, i): ScoredMessage => {
    const label: FaultType | null = random() < faultShare ? (i % 2 ? 'drift' : 'noise') : null;
    const lift = label === null ? 0 : 0.25;
    return {
      deviceId: `d${i % 7}`,
      label,
      modelScore: Math.min(0.999, 0.3 + 0.45 * random() + lift * random()),
      ruleType: random() < 0.01 ? 'flood' : null,
      rejected: false,
      settled: random() < 0.9,
      evidence: {
        noise: 8 * random() + (label === 'noise' ? 10 * random() : 0),
        drift: 4 * random() + (label === 'drift' ? 8 * random() : 0),
      },
      anomaly: false,
      type: null,
    };
  });
}

const flaggedWith =
  (threshold: number, noiseEvidence: number, driftEvidence: number) => (m: ScoredMessage) =>
    m.ruleType !== null ||
    m.evidence.noise >= noiseEvidence ||
    m.evidence.drift >= driftEvidence ||
    (m.settled && m.modelScore >= threshold);

describe('chooseThresholds', () => {
  test('picks the model, noise and drift thresholds with the best F1 within the false-positive limit', () => {
    const faulty = messages(4_000, 7, 0.2);
    const clean = messages(3_000, 99, 0);
    const grid = { noiseEvidence: [6, 7, 7.5, 9], driftEvidence: [3.5, 4, 5, 6] };
    const limit = 0.02;
    const chosen = chooseThresholds(faulty, clean, limit, grid);

    const { noiseEvidence, driftEvidence } = chosen.rules;
    const flagged = flaggedWith(chosen.threshold, noiseEvidence, driftEvidence);
    // The fast per-threshold counting agrees with judging every message directly.
    expect(chosen.metrics).toEqual(binaryMetrics(faulty, flagged));
    expect(chosen.cleanFalsePositiveRate).toBe(binaryMetrics(clean, flagged).falsePositiveRate);
    expect(chosen.cleanFalsePositiveRate).toBeLessThanOrEqual(limit);

    // No pair of the grid does better within the limit (model thresholds checked every 0.01).
    for (const noise of grid.noiseEvidence) {
      for (const drift of grid.driftEvidence) {
        for (let k = 30; k <= 99; k++) {
          const other = flaggedWith(k / 100, noise, drift);
          if (binaryMetrics(clean, other).falsePositiveRate > limit) continue;
          expect(binaryMetrics(faulty, other).f1).toBeLessThanOrEqual(chosen.metrics.f1);
        }
      }
    }
    // The rules find what the model alone misses.
    expect(chosen.metrics.f1).toBeGreaterThan(
      binaryMetrics(faulty, flaggedWith(chosen.threshold, Infinity, Infinity)).f1,
    );
  });

  test('says so when no thresholds keep the false-positive rate', () => {
    const clean = messages(500, 3, 0).map((m) => ({ ...m, ruleType: 'flood' as const }));
    expect(() => chooseThresholds(messages(500, 5, 0.2), clean, 0.001)).toThrow(
      /no thresholds keep the false-positive rate within 0.001/,
    );
  });
});
