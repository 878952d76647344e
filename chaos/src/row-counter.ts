/**
 * Samples the stored row count over time on its own connection, so a scenario can tell when
 * ingest resumed after a fault (the first sample that grew) and how fast a backlog drained.
 * While the database is frozen a sample simply waits; the timeline shows the stall as a flat line.
 */
import type postgres from 'postgres';

export type Sample = { at: number; rows: number };

export class RowCounter {
  readonly samples: Sample[] = [];
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        // Stamped when the query starts: its snapshot holds the rows committed before that instant.
        const at = Date.now();
        const rows = await this.count();
        this.samples.push({ at, rows });
        await Bun.sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Adds a sample taken elsewhere (e.g. by waitForDrain), keeping the samples in time order. */
  record(sample: Sample): void {
    let i = this.samples.length;
    while (i > 0 && (this.samples[i - 1] as Sample).at > sample.at) i -= 1;
    this.samples.splice(i, 0, sample);
  }

  async count(): Promise<number> {
    return Number((await this.sql`SELECT count(*)::int AS n FROM readings`)[0]?.n ?? 0);
  }

  /** Rows at the last sample taken at or before `at` (0 before the first sample). */
  rowsAt(at: number): number {
    let rows = 0;
    for (const sample of this.samples) {
      if (sample.at > at) break;
      rows = sample.rows;
    }
    return rows;
  }

  /** Epoch ms of the first sample after `at` with more rows than at `at`; undefined if none. */
  firstGrowthAfter(at: number): number | undefined {
    const base = this.rowsAt(at);
    return this.samples.find((s) => s.at > at && s.rows > base)?.at;
  }

  /** Epoch ms of the first sample after `at` that reached `rows`; undefined if none. */
  reached(rows: number, at: number): number | undefined {
    return this.samples.find((s) => s.at >= at && s.rows >= rows)?.at;
  }
}

/** Rows per second stored between two instants, from the samples. */
export function rateBetween(counter: RowCounter, from: number, to: number): number {
  if (to <= from) return 0;
  return (counter.rowsAt(to) - counter.rowsAt(from)) / ((to - from) / 1000);
}

/** Polls `probe` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await Bun.sleep(100);
  }
  return false;
}

/** Waits until `target` rows are stored, or the count stood still for `quietMs`, or timeout. */
export async function waitForDrain(
  counter: RowCounter,
  target: number,
  quietMs: number,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const at = Date.now();
    const rows = await counter.count();
    if (rows >= target) {
      // The sampler may not have seen the last rows yet: keep this observation for its timeline.
      counter.record({ at, rows });
      return;
    }
    if (rows !== last) {
      last = rows;
      since = Date.now();
    } else if (Date.now() - since > quietMs) return;
    await Bun.sleep(200);
  }
}
