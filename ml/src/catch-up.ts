/**
 * Catch-up of device windows across replicas. With several servers in one shared-subscription
 * group, a device's messages are spread over them, so the readings between the newest one a
 * window has folded in and the batch being scored were handled (and stored) by other replicas.
 * Before scoring, those readings are fetched from storage and folded in, in seq order, so every
 * replica's window sees the device's whole stream, as a single server would.
 */
import type { TelemetryReading } from './features';

/** Windows behind by more than this are rebuilt from recent readings instead of caught up. */
export const MAX_CATCH_UP = 1_800;

/**
 * The readings of one device a window lacks: same boot, seq strictly between `afterSeq` (the
 * newest the window holds) and `beforeSeq` (the newest in the batch), device time between the two.
 */
export type SeqSpan = {
  deviceId: string;
  boot: number;
  afterSeq: number;
  afterTsMs: number;
  beforeSeq: number;
  beforeTsMs: number;
  /** When the batch's newest reading of the device reached the server (epoch ms). */
  beforeReceivedAt: number;
};

/**
 * Fetches the stored readings inside each span (any order; the batch's own readings may be among
 * them). It may wait a little for readings other replicas are still committing.
 */
export type CatchUp = (
  spans: readonly SeqSpan[],
) => Promise<Iterable<TelemetryReading & { deviceId: string }>>;

/** A reading of the batch, as the planner sees it. */
export type BatchReading = {
  deviceId: string;
  boot: number;
  seq: number;
  tsMs: number;
  receivedAt: number;
};

/** Identifies a message of a device: its boot and seq. */
export function readingKey(r: { deviceId: string; boot: number; seq: number }): string {
  return `${r.deviceId}\u0000${r.boot}\u0000${r.seq}`;
}

/** Readings a span should hold: every seq strictly between its ends. */
export function spanLength(span: SeqSpan): number {
  return span.beforeSeq - span.afterSeq - 1;
}

/**
 * The spans a batch needs, one per device whose window's session is behind the batch's newest
 * reading of the same boot with seqs the batch itself does not hold.
 */
export function planSpans(
  batch: readonly BatchReading[],
  headOf: (deviceId: string) => { boot: number; seq: number; tsMs: number } | null,
): SeqSpan[] {
  const byDevice = new Map<string, { newest: BatchReading; seqs: Set<number> }>();
  for (const r of batch) {
    const entry = byDevice.get(r.deviceId);
    if (entry === undefined) byDevice.set(r.deviceId, { newest: r, seqs: new Set([r.seq]) });
    else {
      entry.seqs.add(r.seq);
      if (r.boot === entry.newest.boot && r.seq > entry.newest.seq) entry.newest = r;
    }
  }
  const spans: SeqSpan[] = [];
  for (const [deviceId, { newest, seqs }] of byDevice) {
    const head = headOf(deviceId);
    if (head === null || head.boot !== newest.boot || newest.seq <= head.seq + 1) continue;
    let held = 0;
    for (const seq of seqs) if (seq > head.seq && seq < newest.seq) held += 1;
    if (held === newest.seq - head.seq - 1) continue;
    spans.push({
      deviceId,
      boot: newest.boot,
      afterSeq: head.seq,
      afterTsMs: head.tsMs,
      beforeSeq: newest.seq,
      beforeTsMs: newest.tsMs,
      beforeReceivedAt: newest.receivedAt,
    });
  }
  return spans;
}

/**
 * Caught-up readings per device, ascending seq, without the batch's own readings (those are
 * folded in when they are scored).
 */
export function groupCaughtUp(
  readings: Iterable<TelemetryReading & { deviceId: string }>,
  batch: readonly BatchReading[],
): Map<string, TelemetryReading[]> {
  const own = new Set(batch.map(readingKey));
  const grouped = new Map<string, TelemetryReading[]>();
  for (const r of readings) {
    if (own.has(readingKey(r))) continue;
    const list = grouped.get(r.deviceId);
    const { deviceId: _, ...reading } = r;
    if (list === undefined) grouped.set(r.deviceId, [reading]);
    else list.push(reading);
  }
  for (const list of grouped.values()) list.sort((a, b) => a.seq - b.seq);
  return grouped;
}
