import { describe, expect, test } from 'bun:test';
import { type BatchReading, MAX_CATCH_UP, planSpans, type SeqSpan, spanLength } from './catch-up';
import { FEATURE_COUNT, type TelemetryReading } from './features';
import { FeaturePipeline, type ScoreItem } from './pipeline';

const T0 = Date.UTC(2026, 0, 5);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

type Stored = TelemetryReading & { deviceId: string };

/** Reading i of a device: a warm, noisy room with a gap and a jump in it, so windows matter. */
function reading(deviceId: string, i: number): Stored {
  const seq = i < 300 ? i : i + 7; // seqs 300..306 never sent: a real dropout
  const tsMs = T0 + seq * 1000;
  return {
    deviceId,
    tsMs,
    receivedAt: tsMs + 3 + (i % 5),
    boot: 21,
    seq,
    metrics: {
      temperature: 20 + Math.sin(i / 9) + (i > 500 ? (i - 500) * 0.02 : 0),
      humidity: 40 + ((i * 7) % 11) / 10,
    },
  };
}

function item(r: Stored): ScoreItem {
  const { deviceId, tsMs, boot, seq, metrics } = r;
  return {
    deviceId,
    topic: `devices/${deviceId}/telemetry`,
    payload: encode({ ts: tsMs, boot, seq, metrics }),
    receivedAt: r.receivedAt,
  };
}

/** Storage shared by the replicas: what has been committed so far. */
function store() {
  const committed: Stored[] = [];
  const inSpan = (r: Stored, s: SeqSpan) =>
    r.deviceId === s.deviceId && r.boot === s.boot && r.seq > s.afterSeq && r.seq < s.beforeSeq;
  /** Where the batch being scored starts: readings before it rebuild a window (as the server does). */
  let cutoff = 0;
  return {
    committed,
    startBatch(batch: Stored[]) {
      cutoff = Math.min(...batch.map((r) => r.tsMs));
    },
    loadRecent: async (deviceId: string) =>
      committed.filter((r) => r.deviceId === deviceId && r.tsMs < cutoff),
    catchUp: async (spans: readonly SeqSpan[]) =>
      committed.filter((r) => spans.some((s) => inSpan(r, s))),
  };
}

async function featureRows(pipeline: FeaturePipeline, batch: Stored[]): Promise<number[][]> {
  const { rows } = await pipeline.prepare(batch.map(item));
  return batch.map((_, i) => Array.from(rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
}

describe('catch-up across replicas', () => {
  test('replicas sharing a device stream compute exactly the features of a single server', async () => {
    const devices = ['a', 'b', 'c'];
    const stream: Stored[] = [];
    for (let i = 0; i < 900; i += 1) for (const d of devices) stream.push(reading(d, i));
    const batches: Stored[][] = [];
    for (let i = 0; i < stream.length; i += 13) batches.push(stream.slice(i, i + 13));

    const single = new FeaturePipeline();
    const expected: number[][] = [];
    for (const batch of batches) expected.push(...(await featureRows(single, batch)));

    // Three replicas; the broker hands each batch to one of them (round robin), as a share group does.
    const shared = store();
    const replicas = [0, 1, 2].map(
      () => new FeaturePipeline({ catchUp: shared.catchUp, loadRecent: shared.loadRecent }),
    );
    const withCatchUp: number[][] = [];
    const without = [0, 1, 2].map(() => new FeaturePipeline({ loadRecent: shared.loadRecent }));
    const blind: number[][] = [];
    for (const [k, batch] of batches.entries()) {
      shared.committed.push(...batch);
      shared.startBatch(batch);
      withCatchUp.push(...(await featureRows(replicas[k % 3] as FeaturePipeline, batch)));
      blind.push(...(await featureRows(without[k % 3] as FeaturePipeline, batch)));
    }
    expect(withCatchUp).toEqual(expected);
    // Rebuilt once on first sight but not caught up, each replica's windows then see a third of
    // the stream: the features differ.
    expect(blind).not.toEqual(expected);
  });

  test('only windows behind with seqs the batch lacks ask for a span; the real gap is asked once', () => {
    const head = new Map([
      ['a', { boot: 21, seq: 10, tsMs: T0 + 10_000 }],
      ['b', { boot: 21, seq: 10, tsMs: T0 + 10_000 }],
      ['c', { boot: 99, seq: 10, tsMs: T0 + 10_000 }],
    ]);
    const r = (deviceId: string, seq: number, boot = 21): BatchReading => ({
      deviceId,
      boot,
      seq,
      tsMs: T0 + seq * 1000,
      receivedAt: T0 + seq * 1000 + 5,
    });
    const spans = planSpans(
      [r('a', 11), r('a', 12), r('b', 12), r('b', 14), r('c', 20, 21), r('d', 40)],
      (id) => head.get(id) ?? null,
    );
    // a is contiguous; c is on another boot (a reboot, not a gap); d has no window yet.
    expect(spans).toEqual([
      {
        deviceId: 'b',
        boot: 21,
        afterSeq: 10,
        afterTsMs: T0 + 10_000,
        beforeSeq: 14,
        beforeTsMs: T0 + 14_000,
        beforeReceivedAt: T0 + 14_005,
      },
    ]);
  });

  test('a window too far behind is rebuilt from recent readings instead of caught up', async () => {
    const shared = store();
    const asked: SeqSpan[] = [];
    let rebuilds = 0;
    const pipeline = new FeaturePipeline({
      catchUp: async (spans) => {
        asked.push(...spans);
        return shared.catchUp(spans);
      },
      loadRecent: async (deviceId) => {
        rebuilds += 1;
        return shared.loadRecent(deviceId);
      },
    });
    const first = Array.from({ length: 10 }, (_, i) => reading('far', i));
    shared.committed.push(...first);
    shared.startBatch(first);
    await pipeline.prepare(first.map(item));
    // Other replicas store far more than a catch-up folds in before this one hears the device again.
    const elsewhere = Array.from({ length: MAX_CATCH_UP + 200 }, (_, i) => reading('far', 10 + i));
    const next = [reading('far', 10 + elsewhere.length)];
    shared.committed.push(...elsewhere, ...next);
    shared.startBatch(next);
    await pipeline.prepare(next.map(item));
    expect(rebuilds).toBe(2);
    expect(asked.every((span) => spanLength(span) <= MAX_CATCH_UP)).toBe(true);
    expect(pipeline.windows.peek('far')?.head?.seq).toBe(next[0]?.seq);
  });
});
