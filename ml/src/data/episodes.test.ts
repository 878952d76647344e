import { describe, expect, test } from 'bun:test';
import type { FaultType } from '../types';
import { episodeMetrics } from './episodes';
import type { ScoredMessage } from './score-messages';

function message(deviceId: string, label: FaultType | null, anomaly: boolean): ScoredMessage {
  return {
    deviceId,
    label,
    modelScore: 0,
    ruleType: null,
    rejected: false,
    settled: true,
    evidence: { noise: 0, drift: 0 },
    anomaly,
    type: anomaly ? label : null,
  };
}

describe('episodeMetrics', () => {
  test('an episode counts as detected from its first flagged message, with the delay before it', () => {
    const messages = [
      message('a', null, false),
      ...Array.from({ length: 10 }, (_, i) => message('a', 'drift', i >= 6)),
      message('a', null, false),
      ...Array.from({ length: 4 }, () => message('b', 'drift', false)),
    ];
    const drift = episodeMetrics(messages).drift;
    expect(drift.episodes).toBe(2);
    expect(drift.detected).toBe(1);
    expect(drift.medianDelay).toBe(6);
    expect(drift.medianDelayShare).toBeCloseTo(0.6);
  });

  test('messages interleaved with the device’s normal ones stay one episode; a long gap splits', () => {
    const replay = (flag: boolean) => [message('a', 'replay', flag), message('a', null, false)];
    const messages = [
      ...replay(false),
      ...replay(true),
      ...replay(true),
      ...Array.from({ length: 20 }, () => message('a', null, false)),
      ...replay(false),
    ];
    const metrics = episodeMetrics(messages).replay;
    expect(metrics.episodes).toBe(2);
    expect(metrics.detected).toBe(1);
    expect(metrics.medianDelay).toBe(1);
  });

  test('a change of label starts a new episode', () => {
    const messages = [message('a', 'spike', true), message('a', 'drift', false)];
    const metrics = episodeMetrics(messages);
    expect(metrics.spike.episodes).toBe(1);
    expect(metrics.drift.episodes).toBe(1);
    expect(metrics.drift.detected).toBe(0);
  });
});
