import { describe, expect, test } from 'bun:test';
import type { AnomalyView } from '#lib/api/types';
import { openAlerts, tileSnapshots } from './fleet-snapshot';

describe('tileSnapshots', () => {
  test('merges registry, state and newest reading into one record per device', () => {
    const snapshots = tileSnapshots(
      [
        { id: 'a', name: 'Hall', lastSeen: '2026-01-31T12:00:00.000Z' },
        { id: 'b', name: '', lastSeen: null },
      ],
      [{ deviceId: 'a', online: false }],
      [{ deviceId: 'a', ts: 1_769_860_000_000, metrics: { temperature: 21.5, door: true } }],
    );
    expect(snapshots).toEqual([
      {
        id: 'a',
        name: 'Hall',
        lastSeen: Date.UTC(2026, 0, 31, 12),
        online: false,
        reading: { ts: 1_769_860_000_000, metrics: { temperature: 21.5, door: true } },
      },
      // Nothing known beyond its id: no keys for what is absent.
      { id: 'b', name: '' },
    ]);
  });

  test('keeps a device named only by its state or reading', () => {
    const snapshots = tileSnapshots(
      [],
      [{ deviceId: 'c', online: true }],
      [{ deviceId: 'd', ts: 5, metrics: { v: 1 } }],
    );
    expect(snapshots.map((s) => s.id)).toEqual(['c', 'd']);
  });
});

describe('openAlerts', () => {
  const anomaly = (id: string, acknowledgedAt: string | null): AnomalyView => ({
    id,
    deviceId: 'a',
    ts: '2026-01-31T12:00:00.000Z',
    detectedAt: '2026-01-31T12:00:01.000Z',
    type: 'spike',
    severity: 'high',
    score: 0.9,
    threshold: 0.5,
    detail: 'temperature 480 is outside its physical range',
    features: { temperature: 480 },
    acknowledgedAt,
    evidence: null,
  });

  test('keeps the unacknowledged ones with only the fields a tile needs', () => {
    expect(openAlerts([anomaly('1', null), anomaly('2', '2026-01-31T12:01:00.000Z')])).toEqual([
      {
        id: '1',
        deviceId: 'a',
        type: 'spike',
        severity: 'high',
        ts: '2026-01-31T12:00:00.000Z',
        acknowledgedAt: null,
      },
    ]);
  });
});
