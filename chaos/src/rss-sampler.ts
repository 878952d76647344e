/** Samples a process's resident set size over time (the server's, across its restarts). */
import { rssMb } from './server-process';

export type RssSample = { at: number; mb: number };

export class RssSampler {
  readonly samples: RssSample[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pid: () => number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      const mb = rssMb(this.pid());
      if (Number.isFinite(mb)) this.samples.push({ at: Date.now(), mb });
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Largest RSS sampled in [from, to] (NaN when there is no sample). */
  peak(from: number, to: number): number {
    const inRange = this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.mb);
    return inRange.length === 0 ? Number.NaN : Math.max(...inRange);
  }
}
