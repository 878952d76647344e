import { describe, expect, test } from 'bun:test';
import { findGaps, reconcile } from './ledger';

const row = (seq: number, device = 'd-1', boot = 7) => ({ device_id: device, boot, seq });

describe('findGaps', () => {
  test('reports seqs missing below the highest stored one, per device and boot', () => {
    const gaps = findGaps([row(1), row(2), row(5), row(1, 'd-2'), row(3, 'd-2', 9)]);
    expect([...(gaps.get('d-1/7') ?? [])]).toEqual([3, 4]);
    expect(gaps.has('d-2/7')).toBe(false);
    expect([...(gaps.get('d-2/9') ?? [])]).toEqual([1, 2]);
  });
});

describe('reconcile', () => {
  test('counts lost, duplicated and whether each loss lies in a detected gap', () => {
    const acked = [{ id: 'd-1', boot: 7, acked: [1, 2, 3, 4, 5, 6] }];
    // 3 lost inside a gap, 6 lost after the last stored row (not detectable), 2 stored twice.
    const ledger = reconcile(7, acked, [row(1), row(2), row(2), row(4), row(5)]);
    expect(ledger).toEqual({
      offered: 7,
      acked: 6,
      stored: 5,
      lost: 2,
      duplicated: 1,
      detectedGaps: 1,
      lostDetected: 1,
    });
  });
});
