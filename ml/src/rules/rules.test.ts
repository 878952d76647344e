import { describe, expect, test } from 'bun:test';
import type { MessageFacts } from '../features';
import { findingForReject } from './rejects';
import { checkRules, DEFAULT_RULES } from './rules';

const normal: MessageFacts = {
  relation: 'session',
  missing: 0,
  seqBehind: 0,
  tsBehindMs: 0,
  gapRatio: 1,
  rateRatio: 1,
  skewMs: 300,
  gpsSpeed: 5,
  gpsJump: false,
  outOfRange: null,
  motion: false,
  proximity: 240,
  proximityBaseline: 240,
  temperatureRise: 0.1,
  roughness: 0.8,
  kinematicNoise: 1.1,
  deviation: 1.5,
  drift: 1.2,
  driftMetric: 'temperature',
  freezeRatio: 0.5,
  frozenTogether: 0.3,
};

describe('rule detectors', () => {
  test('normal facts raise nothing', () => {
    expect(checkRules(normal)).toBeNull();
    // Someone walking past: motion, but nobody's hand at the enclosure.
    expect(checkRules({ ...normal, motion: true, proximity: 60 })).toBeNull();
    // One late message: a seq skipped without a real gap is reordering, not a dropout.
    expect(checkRules({ ...normal, missing: 1, gapRatio: 1.2 })).toBeNull();
    expect(checkRules({ ...normal, kinematicNoise: 3.9 })).toBeNull();
    // One metric in a long run is not yet frozen; two at once are (above).
    expect(checkRules({ ...normal, freezeRatio: 2.9, frozenTogether: 1.4 })).toBeNull();
  });

  test('each rule names its fault with a severity and a score in [0, 1]', () => {
    const cases: Array<[Partial<MessageFacts>, string, string]> = [
      [{ relation: 'second_boot' }, 'spoof', 'critical'],
      [{ relation: 'replay' }, 'replay', 'high'],
      [{ motion: true, proximity: 4, temperatureRise: 1.2 }, 'tamper', 'critical'],
      [{ motion: true, proximity: 4, temperatureRise: 0 }, 'tamper', 'high'],
      [{ gpsJump: true }, 'gps_jump', 'high'],
      [{ outOfRange: { name: 'humidity', value: 130 } }, 'spike', 'high'],
      [{ rateRatio: 30 }, 'flood', 'high'],
      [{ rateRatio: 5 }, 'flood', 'medium'],
      [{ skewMs: -20 * 60_000 }, 'clock_skew', 'medium'],
      [{ missing: 40, gapRatio: 41 }, 'dropout', 'low'],
      [{ freezeRatio: 4 }, 'freeze', 'medium'],
      [{ freezeRatio: 1.6, frozenTogether: 1.5 }, 'freeze', 'medium'],
      [{ deviation: 60 }, 'spike', 'medium'],
      [{ deviation: 300 }, 'spike', 'high'],
      // A drone's altimeter or accelerometer disagreeing with the other: fixed, not chosen.
      [{ kinematicNoise: 4 }, 'noise', 'medium'],
      [{ kinematicNoise: 8 }, 'noise', 'high'],
    ];
    for (const [facts, type, severity] of cases) {
      const finding = checkRules({ ...normal, ...facts });
      expect(finding?.type).toBe(type as never);
      expect(finding?.severity).toBe(severity as never);
      expect(finding?.score).toBeGreaterThan(0.5);
      expect(finding?.score).toBeLessThanOrEqual(1);
    }
  });

  test('noise and drift fire at the thresholds training chose, and never without them', () => {
    const chosen = { ...DEFAULT_RULES, noiseEvidence: 9, driftEvidence: 6 };
    expect(checkRules({ ...normal, roughness: 50, drift: 50 })).toBeNull();
    expect(checkRules({ ...normal, roughness: 8.9, drift: 5.9 }, chosen)).toBeNull();
    expect(checkRules({ ...normal, roughness: 9 }, chosen)).toMatchObject({
      type: 'noise',
      severity: 'medium',
    });
    expect(checkRules({ ...normal, roughness: 18 }, chosen)?.severity).toBe('high');
    expect(checkRules({ ...normal, drift: 6 }, chosen)).toMatchObject({
      type: 'drift',
      severity: 'medium',
    });
    expect(checkRules({ ...normal, drift: 12 }, chosen)?.severity).toBe('high');
    // A noise burst also moves the drift evidence: the more specific finding names it.
    expect(checkRules({ ...normal, roughness: 10, drift: 7 }, chosen)?.type).toBe('noise');
    // Security and traffic findings come first.
    expect(checkRules({ ...normal, drift: 7, rateRatio: 30 }, chosen)?.type).toBe('flood');
  });

  test('decoder rejects: identity mismatch is spoofing, bad JSON is not an anomaly', () => {
    expect(findingForReject('device_mismatch')?.type).toBe('spoof');
    expect(findingForReject('clock_skew')?.type).toBe('clock_skew');
    expect(findingForReject('bad_json')).toBeNull();
  });
});
