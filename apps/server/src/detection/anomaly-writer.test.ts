import { describe, expect, test } from 'bun:test';
import { createAnomalyWriter, type StoreAnomalies } from './anomaly-writer';
import type { Anomaly, NewAnomaly } from './schema';

const T0 = Date.UTC(2026, 1, 2, 8, 0, 0);

function row(seq: number, deviceId = 'dev-1'): NewAnomaly {
  return {
    deviceId,
    readingTs: new Date(T0 + seq * 1000),
    readingBoot: 7,
    readingSeq: seq,
    detectedAt: new Date(T0),
    type: 'spike',
    severity: 'high',
    score: 0.9,
    features: {},
    payload: new Uint8Array([seq]),
    payloadSha256: new Uint8Array(32),
    modelSha256: new Uint8Array(32),
    threshold: 0.7,
  };
}

/** A store that keeps what it is given (the first row per reading), one call at a time on demand. */
function heldStore() {
  const calls: NewAnomaly[][] = [];
  const release: Array<() => void> = [];
  const kept = new Set<string>();
  let nextId = 1n;
  const store: StoreAnomalies = (rows) => {
    calls.push(rows);
    return new Promise<Anomaly[]>((resolve) => {
      release.push(() => {
        const stored: Anomaly[] = [];
        for (const r of rows) {
          const key = `${r.deviceId}/${r.readingSeq}`;
          if (kept.has(key)) continue;
          kept.add(key);
          stored.push({ ...r, id: nextId++, acknowledgedAt: null } as Anomaly);
        }
        resolve(stored);
      });
    });
  };
  return { store, calls, releaseNext: () => release.shift()?.() };
}

describe('anomaly writer', () => {
  test('batches queued while a store commits are stored together, each getting its own anomalies', async () => {
    const { store, calls, releaseNext } = heldStore();
    const write = createAnomalyWriter(store);
    const first = write([row(1)]);
    const second = write([row(2), row(3)]);
    const third = write([row(4, 'dev-2')]);
    expect(calls.map((c) => c.map((r) => r.readingSeq))).toEqual([[1]]);
    releaseNext();
    expect((await first).map((a) => a.readingSeq)).toEqual([1]);
    expect(calls.map((c) => c.map((r) => r.readingSeq))).toEqual([[1], [2, 3, 4]]);
    releaseNext();
    expect((await second).map((a) => a.readingSeq)).toEqual([2, 3]);
    expect((await third).map((a) => [a.deviceId, a.readingSeq])).toEqual([['dev-2', 4]]);
  });

  test('a reading in two batches of one group is returned to the first only', async () => {
    const { store, releaseNext } = heldStore();
    const write = createAnomalyWriter(store);
    const blocker = write([row(9)]);
    const a = write([row(1)]);
    const b = write([row(1), row(2)]);
    releaseNext();
    await blocker;
    releaseNext();
    expect((await a).map((x) => x.readingSeq)).toEqual([1]);
    expect((await b).map((x) => x.readingSeq)).toEqual([2]);
  });

  test('a failed store rejects every batch of its group; the next group is stored', async () => {
    let release = () => {};
    let call = 0;
    const write = createAnomalyWriter(async (rows) => {
      call += 1;
      if (call === 1) await new Promise<void>((resolve) => (release = resolve));
      if (call === 2) throw new Error('database unreachable');
      return rows.map((r, i) => ({ ...r, id: BigInt(i + 1), acknowledgedAt: null }) as Anomaly);
    });
    const blocker = write([row(9)]);
    const group = Promise.allSettled([write([row(1)]), write([row(2)])]);
    release();
    expect((await blocker).map((x) => x.readingSeq)).toEqual([9]);
    const [a, b] = await group;
    expect(a?.status === 'rejected' && String(a.reason)).toContain('database unreachable');
    expect(b?.status === 'rejected' && String(b.reason)).toContain('database unreachable');
    expect((await write([row(3)])).map((x) => x.readingSeq)).toEqual([3]);
    expect(call).toBe(3);
  });

  test('nothing to store resolves at once without a store', async () => {
    const write = createAnomalyWriter(() => {
      throw new Error('not called');
    });
    expect(await write([])).toEqual([]);
  });
});
