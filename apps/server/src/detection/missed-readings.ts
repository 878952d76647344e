/**
 * The detector's catch-up over stored readings: with several replicas in one share group, the
 * readings of a device that other replicas handled are read back before a batch is scored, so
 * each replica's window sees the device's whole stream.
 */
import type { CatchUp, SeqSpan } from '@vigil/ml/detector';
import { readingKey, spanLength } from '@vigil/ml/detector';
import { and, between, eq, gt, lt, or } from 'drizzle-orm';
import type { Database } from '../telemetry/database';
import { Readings } from '../telemetry/schema';
import { toTelemetryReading, windowColumns } from './recent-readings';

/**
 * How long after a reading arrived its predecessors may still be on their way into storage through
 * another replica (a flush interval and a commit, with room for a loaded machine). A gap still
 * open after that is a real one: the device's messages were lost before they reached Vigil.
 */
export const CATCH_UP_WAIT_MS = 500;
const POLL_MS = 20;

type MissedReading = Awaited<ReturnType<CatchUp>> extends Iterable<infer R> ? R : never;

export type MissedReadingsOptions = {
  /** Other live replicas in the share group; without any, nothing is in flight elsewhere. */
  livePeers?: () => number;
  waitMs?: number;
};

/** The catch-up hook over `database`. */
export function createMissedReadings(
  database: Database,
  options: MissedReadingsOptions = {},
): CatchUp {
  const waitMs = options.waitMs ?? CATCH_UP_WAIT_MS;
  const read = async (spans: readonly SeqSpan[]): Promise<MissedReading[]> => {
    const rows = await database.db
      .select({ deviceId: Readings.deviceId, ...windowColumns })
      .from(Readings)
      .where(
        or(
          ...spans.map((span) =>
            and(
              eq(Readings.deviceId, span.deviceId),
              // Device time bounds the scan to the span on the (device, ts) key.
              between(Readings.ts, new Date(span.afterTsMs), new Date(span.beforeTsMs)),
              eq(Readings.boot, span.boot),
              gt(Readings.seq, span.afterSeq),
              lt(Readings.seq, span.beforeSeq),
            ),
          ),
        ),
      );
    return rows.map((row) => ({ deviceId: row.deviceId, ...toTelemetryReading(row) }));
  };

  return async (spans) => {
    const found = await read(spans);
    if ((options.livePeers?.() ?? 0) === 0) return found;
    const deadline = Math.max(...spans.map((s) => s.beforeReceivedAt)) + waitMs;
    let open = incomplete(spans, found);
    while (open.length > 0 && Date.now() < deadline) {
      await Bun.sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
      const more = await read(open);
      const known = new Set(found.map(readingKey));
      for (const r of more) if (!known.has(readingKey(r))) found.push(r);
      open = incomplete(open, found);
    }
    return found;
  };
}

/** Spans that do not yet hold a reading for every seq between their ends. */
function incomplete(spans: readonly SeqSpan[], found: readonly MissedReading[]): SeqSpan[] {
  const seqs = new Map<string, Set<number>>();
  for (const r of found) {
    const session = `${r.deviceId}\u0000${r.boot}`;
    const set = seqs.get(session) ?? new Set<number>();
    set.add(r.seq);
    seqs.set(session, set);
  }
  return spans.filter((span) => {
    const set = seqs.get(`${span.deviceId}\u0000${span.boot}`);
    let held = 0;
    if (set !== undefined)
      for (const seq of set) if (seq > span.afterSeq && seq < span.beforeSeq) held += 1;
    return held < spanLength(span);
  });
}
