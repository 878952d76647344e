import { describe, expect, test } from 'bun:test';
import { createGather } from './gather';

function recorder() {
  const runs: number[][] = [];
  return {
    runs,
    run: async (items: number[]) => {
      runs.push(items);
    },
  };
}

describe('gather', () => {
  test('small batches wait and start one run together once enough items are waiting', async () => {
    const { runs, run } = recorder();
    const gather = createGather(run, { minItems: 5, maxWaitMs: 10_000 });
    const first = gather.add([1, 2]);
    const second = gather.add([3]);
    expect(runs).toEqual([]);
    const third = gather.add([4, 5, 6]);
    await Promise.all([first, second, third]);
    expect(runs).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  test('what waits is run after maxWaitMs even when it is fewer than minItems', async () => {
    const { runs, run } = recorder();
    const gather = createGather(run, { minItems: 1_000, maxWaitMs: 20 });
    const started = performance.now();
    await gather.add([1]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(runs).toEqual([[1]]);
    await gather.add([2, 3]);
    expect(runs).toEqual([[1], [2, 3]]);
  });

  test('flush starts a run at once; a failed run rejects each of its batches, later runs go on', async () => {
    const runs: number[][] = [];
    const gather = createGather(
      async (items: number[]) => {
        runs.push(items);
        if (items.includes(13)) throw new Error('scoring failed');
      },
      { minItems: 1_000, maxWaitMs: 10_000 },
    );
    const a = gather.add([12]);
    const b = gather.add([13]);
    gather.flush();
    await expect(a).rejects.toThrow('scoring failed');
    await expect(b).rejects.toThrow('scoring failed');
    const c = gather.add([14]);
    gather.flush();
    await c;
    expect(runs).toEqual([[12, 13], [14]]);
    gather.flush();
    expect(runs).toHaveLength(2);
  });
});
