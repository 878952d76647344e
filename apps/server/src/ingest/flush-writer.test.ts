import { describe, expect, test } from 'bun:test';
import { withoutRepeats } from './flush-writer';
import type { ReadingItem } from './intake';

function reading(deviceId: string, boot: number, seq: number, tsMs = 1_000 + seq): ReadingItem {
  return {
    kind: 'reading',
    deviceId,
    tsMs,
    boot,
    seq,
    metrics: {},
    telemetry: { v: 1, ts: tsMs, boot, seq, metrics: {} },
    sha256: '',
    payload: Buffer.alloc(0),
  } as ReadingItem;
}

const keys = (readings: ReadingItem[]) =>
  readings.map((r) => `${r.deviceId}/${r.boot}/${r.seq}/${r.tsMs}`);

describe('withoutRepeats', () => {
  test('a batch where every device counts up in one boot is returned as it is', () => {
    const batch = [
      reading('a', 1, 1),
      reading('b', 7, 40),
      reading('a', 1, 2),
      reading('b', 7, 41),
    ];
    expect(withoutRepeats(batch)).toBe(batch);
  });

  test('a redelivery in the same batch as its original is dropped, other devices untouched', () => {
    const batch = [
      reading('a', 1, 1),
      reading('b', 7, 40),
      reading('a', 1, 2),
      reading('a', 1, 1),
      reading('b', 7, 41),
      reading('a', 1, 3),
    ];
    expect(keys(withoutRepeats(batch))).toEqual([
      'a/1/1/1001',
      'b/7/40/1040',
      'a/1/2/1002',
      'b/7/41/1041',
      'a/1/3/1003',
    ]);
  });

  test('a repeat after a reboot in between is still found', () => {
    const batch = [reading('a', 1, 5), reading('a', 2, 1), reading('a', 1, 5)];
    expect(keys(withoutRepeats(batch))).toEqual(['a/1/5/1005', 'a/2/1/1001']);
  });

  test('the same boot and seq with another timestamp is a different reading and is kept', () => {
    const batch = [reading('a', 1, 5, 2_000), reading('a', 1, 5, 3_000)];
    expect(keys(withoutRepeats(batch))).toEqual(['a/1/5/2000', 'a/1/5/3000']);
  });
});
