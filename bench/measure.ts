/**
 * What the ingest benchmark measures, as plain functions: percentiles from a Prometheus histogram
 * (difference of two scrapes), exact percentiles from samples, peak RSS and CPU time of a process
 * from /proc, and lost/duplicated messages from what publishers had acknowledged.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Cumulative bucket counts of one histogram: upper bound (seconds) -> count. */
export type Buckets = Map<number, number>;

/** Reads `<name>_bucket{le="..."}` samples (summed over label sets) from a /metrics text. */
export function parseHistogram(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const pattern = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) {
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** A metric's sample value (summed over label sets) from a /metrics text; 0 when absent. */
export function parseSample(text: string, name: string): number {
  let total = 0;
  const pattern = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) total += Number(match[1]);
  return total;
}

/** after - before, bucket by bucket (the observations made between two scrapes). */
export function subtractBuckets(after: Buckets, before: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [le, n] of after) out.set(le, n - (before.get(le) ?? 0));
  return out;
}

/**
 * The q-quantile (0..1) in milliseconds, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does. Returns NaN for an empty histogram.
 */
export function histogramQuantileMs(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound * 1000;
      const inBucket = count - lowerCount;
      const fraction = inBucket === 0 ? 0 : (rank - lowerCount) / inBucket;
      return (lowerBound + (bound - lowerBound) * fraction) * 1000;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return Number.NaN;
}

/** The q-quantile of raw samples (nearest rank). */
export function sampleQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** The median of unsorted values (the mean of the middle two for an even count; NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Peak resident set size of a live process in MiB (VmHWM), or NaN once it is gone. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) a live process has used, or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command name: utime and stime are fields 12 and 13 (0-based), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used by a process and its children, live ones and those already reaped (whose time
 * the kernel folds into the parent's cutime/cstime): PostgreSQL's backends come and go under the
 * postmaster. NaN once the process is gone.
 */
export function treeCpuSeconds(pid: number): number {
  const stat = (p: number) =>
    readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  try {
    const own = stat(pid);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = stat(Number(entry));
        if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited while we looked
      }
    }
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

export type Delivery = { lost: number; duplicated: number; stored: number };

/**
 * Compares acknowledged messages with stored rows. `acked` maps device -> boot and acknowledged
 * seqs; `rows` are the stored (device, boot, seq) triples, repeats included.
 */
export function compareDelivery(
  acked: ReadonlyArray<{ id: string; boot: number; acked: readonly number[] }>,
  rows: ReadonlyArray<{ device_id: string; boot: number | string; seq: number | string }>,
): Delivery {
  const seen = new Set<string>();
  let duplicated = 0;
  for (const row of rows) {
    const key = `${row.device_id}/${row.boot}/${row.seq}`;
    if (seen.has(key)) duplicated += 1;
    else seen.add(key);
  }
  let lost = 0;
  for (const device of acked) {
    for (const seq of device.acked) if (!seen.has(`${device.id}/${device.boot}/${seq}`)) lost += 1;
  }
  return { lost, duplicated, stored: rows.length };
}
