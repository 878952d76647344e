import { describe, expect, test } from 'bun:test';
import type { MessageFacts } from '../features';
import { findingForReject } from './rejects';
import { checkRules } from './rules';

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
  freezeRatio: 0.5,
};

describe('rule detectors', () => {
  test('normal facts raise nothing', () => {
    expect(checkRules(normal)).toBeNull();
    // Someone walking past: motion, but nobody's hand at the enclosure.
    expect(checkRules({ ...normal, motion: true, proximity: 60 })).toBeNull();
    // One late message: a seq skipped without a real gap is reordering, not a dropout.
    expect(checkRules({ ...normal, missing: 1, gapRatio: 1.2 })).toBeNull();
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
    ];
    for (const [facts, type, severity] of cases) {
      const finding = checkRules({ ...normal, ...facts });
      expect(finding?.type).toBe(type as never);
      expect(finding?.severity).toBe(severity as never);
      expect(finding?.score).toBeGreaterThan(0.5);
      expect(finding?.score).toBeLessThanOrEqual(1);
    }
  });

  test('decoder rejects: identity mismatch is spoofing, bad JSON is not an anomaly', () => {
    expect(findingForReject('device_mismatch')?.type).toBe('spoof');
    expect(findingForReject('clock_skew')?.type).toBe('clock_skew');
    expect(findingForReject('bad_json')).toBeNull();
  });
});
