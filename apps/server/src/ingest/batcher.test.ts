import { describe, expect, test } from 'bun:test';
import { Batcher, type BatcherOptions } from './batcher';

type Harness = {
  batcher: Batcher<number, number>;
  written: number[][];
  committed: number[][];
  pauses: boolean[];
  failures: number[];
  /** Resolves the oldest write still waiting (when `manual`), or the one at `index`. */
  release(index?: number): void;
  /** The next N writes throw. */
  failNext(n: number): void;
};

function harness(
  options: Partial<BatcherOptions<number, number>> & { manual?: boolean } = {},
): Harness {
  const written: number[][] = [];
  const committed: number[][] = [];
  const pauses: boolean[] = [];
  const failures: number[] = [];
  const waiting: Array<() => void> = [];
  let failing = 0;
  const batcher = new Batcher<number, number>({
    batchSize: 4,
    flushMs: 20,
    maxHeld: 8,
    retry: { initialMs: 5, maxMs: 20 },
    async write(items) {
      written.push([...items]);
      if (failing > 0) {
        failing -= 1;
        throw new Error('database down');
      }
      if (options.manual) await new Promise<void>((resolve) => waiting.push(resolve));
      return items.length;
    },
    committed: (items) => committed.push([...items]),
    backpressure: (paused) => pauses.push(paused),
    writeFailed: (_error, attempt) => failures.push(attempt),
    ...options,
  });
  return {
    batcher,
    written,
    committed,
    pauses,
    failures,
    release: (index = 0) => waiting.splice(index, 1)[0]?.(),
    failNext: (n) => {
      failing = n;
    },
  };
}

describe('Batcher', () => {
  test('writes a full batch at once, without waiting for the timer', async () => {
    const h = harness({ flushMs: 10_000 });
    for (const n of [1, 2, 3, 4]) h.batcher.add(n);
    await h.batcher.flush();
    expect(h.written).toEqual([[1, 2, 3, 4]]);
    expect(h.committed).toEqual([[1, 2, 3, 4]]);
  });

  test('writes a partial batch once its first item has waited flushMs', async () => {
    const h = harness({ flushMs: 30 });
    h.batcher.add(1);
    h.batcher.add(2);
    await Bun.sleep(10);
    expect(h.written).toEqual([]);
    await Bun.sleep(50);
    expect(h.committed).toEqual([[1, 2]]);
  });

  test('fills the next batch during a commit and commits batches in arrival order', async () => {
    const h = harness({ manual: true, maxHeld: 100, concurrency: 1 });
    for (let n = 1; n <= 10; n += 1) h.batcher.add(n);
    expect(h.written).toEqual([[1, 2, 3, 4]]);
    expect(h.batcher.held).toBe(10);
    h.release();
    await Bun.sleep(1);
    // What arrived during the commit is written right away, one batch at a time.
    expect(h.written).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    h.release();
    await Bun.sleep(1);
    h.release();
    await h.batcher.flush();
    expect(h.committed.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h.committed.every((batch) => batch.length <= 4)).toBe(true);
  });

  test('writes two batches at once but hands them back in order', async () => {
    const h = harness({ manual: true, maxHeld: 100 });
    for (let n = 1; n <= 9; n += 1) h.batcher.add(n);
    // Two slots: both full batches are being written, the ninth item waits for a slot.
    expect(h.written).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    h.release(1);
    await Bun.sleep(1);
    expect(h.committed).toEqual([]);
    h.release(0);
    await Bun.sleep(1);
    expect(h.committed).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(h.written[2]).toEqual([9]);
    h.release();
    await h.batcher.flush();
    expect(h.committed.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('nothing is handed back for acknowledgement before its write resolves', async () => {
    const h = harness({ manual: true });
    for (const n of [1, 2, 3, 4]) h.batcher.add(n);
    await Bun.sleep(5);
    expect(h.committed).toEqual([]);
    h.release();
    await h.batcher.flush();
    expect(h.committed).toEqual([[1, 2, 3, 4]]);
  });

  test('pauses reading at maxHeld and resumes at half of it', async () => {
    const h = harness({ manual: true });
    for (let n = 1; n <= 7; n += 1) h.batcher.add(n);
    expect(h.pauses).toEqual([]);
    h.batcher.add(8);
    expect(h.pauses).toEqual([true]);
    expect(h.batcher.paused).toBe(true);
    h.release();
    await Bun.sleep(1);
    // 4 of 8 committed: held is 4 = maxHeld / 2, so reading resumes.
    expect(h.pauses).toEqual([true, false]);
    h.release();
    await h.batcher.flush();
  });

  test('a failed write is retried with the same batch, reading paused meanwhile', async () => {
    const h = harness();
    h.failNext(2);
    for (const n of [1, 2, 3, 4]) h.batcher.add(n);
    await h.batcher.flush();
    expect(h.written).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
    expect(h.failures).toEqual([1, 2]);
    expect(h.pauses).toEqual([true, false]);
    expect(h.committed).toEqual([[1, 2, 3, 4]]);
  });

  test('stop abandons a failing batch without committing it and ignores later items', async () => {
    const h = harness();
    h.failNext(1_000);
    for (const n of [1, 2, 3, 4]) h.batcher.add(n);
    await Bun.sleep(30);
    await h.batcher.stop();
    h.batcher.add(5);
    await Bun.sleep(30);
    expect(h.committed).toEqual([]);
    expect(h.written.every((batch) => batch.join() === '1,2,3,4')).toBe(true);
  });

  test('rejects a bound smaller than one batch', () => {
    expect(() => harness({ batchSize: 10, maxHeld: 5 })).toThrow(RangeError);
  });
});
