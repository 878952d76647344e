/**
 * Counting what happened, from the database: what devices offered and the broker acknowledged
 * against the rows stored, and the per-device sequence gaps an operator sees in the stored rows
 * alone (without knowing what was acknowledged) — then whether every real loss is among them.
 */
import { compareDelivery } from '@vigil/bench/measure';
import type postgres from 'postgres';

export type AckedDevice = { id: string; boot: number; acked: readonly number[] };
export type StoredRow = { device_id: string; boot: number | string; seq: number | string };

export type Ledger = {
  offered: number;
  acked: number;
  stored: number;
  /** Acknowledged by the broker but not stored. */
  lost: number;
  /** Stored rows beyond one per (device, boot, seq). */
  duplicated: number;
  /** Sequence numbers missing between 1 and the highest stored seq of each (device, boot). */
  detectedGaps: number;
  /** Lost messages that fall inside a detected gap. */
  lostDetected: number;
};

/**
 * Gaps per (device, boot) from stored rows: every seq in 1..max that is absent. Devices count seq
 * from 1 in every boot, so a loss before the first stored row is a gap too; a loss after the last
 * stored row is only visible once the device publishes again.
 */
export function findGaps(rows: readonly StoredRow[]): Map<string, Set<number>> {
  const seen = new Map<string, Set<number>>();
  for (const row of rows) {
    const key = `${row.device_id}/${row.boot}`;
    const seqs = seen.get(key) ?? new Set<number>();
    seqs.add(Number(row.seq));
    seen.set(key, seqs);
  }
  const gaps = new Map<string, Set<number>>();
  for (const [key, seqs] of seen) {
    const max = Math.max(...seqs);
    const missing = new Set<number>();
    for (let seq = 1; seq < max; seq += 1) if (!seqs.has(seq)) missing.add(seq);
    if (missing.size > 0) gaps.set(key, missing);
  }
  return gaps;
}

/** The whole ledger from what was offered, what was acknowledged and the stored rows. */
export function reconcile(
  offered: number,
  acked: readonly AckedDevice[],
  rows: readonly StoredRow[],
): Ledger {
  const delivery = compareDelivery(acked, rows);
  const gaps = findGaps(rows);
  const stored = new Set(rows.map((r) => `${r.device_id}/${r.boot}/${r.seq}`));
  let lostDetected = 0;
  for (const device of acked) {
    const missing = gaps.get(`${device.id}/${device.boot}`);
    for (const seq of device.acked) {
      if (!stored.has(`${device.id}/${device.boot}/${seq}`) && missing?.has(seq)) lostDetected += 1;
    }
  }
  let detectedGaps = 0;
  for (const missing of gaps.values()) detectedGaps += missing.size;
  return {
    offered,
    acked: acked.reduce((n, d) => n + d.acked.length, 0),
    stored: delivery.stored,
    lost: delivery.lost,
    duplicated: delivery.duplicated,
    detectedGaps,
    lostDetected,
  };
}

/** Reads every stored (device, boot, seq) whose device id starts with `prefix-`. */
export async function storedRows(sql: postgres.Sql, prefix: string): Promise<StoredRow[]> {
  return (await sql`SELECT device_id, boot, seq FROM readings
                    WHERE device_id LIKE ${`${prefix}-%`}`) as unknown as StoredRow[];
}
