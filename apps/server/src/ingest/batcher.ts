/**
 * Group commit for the ingest path. Items arrive one at a time from the MQTT consumer; they are
 * written in batches, one transaction per batch, and handed back (for acknowledgement) only after
 * that transaction commits, in arrival order. One batch is written at a time; while it is being
 * written the next one fills, and it is written as soon as the previous commit returns, so under
 * load batches grow to match the commit latency instead of waiting for a timer.
 *
 * Memory stays bounded: once `maxHeld` items are held (written or waiting), the batcher asks the
 * consumer to stop reading, and it does the same while a failing write is being retried.
 */

export type BatcherOptions<T, R> = {
  /** A batch is written as soon as it holds this many items. */
  batchSize: number;
  /** ...or when its first item has waited this long, whichever comes first. */
  flushMs: number;
  /** Items held (open batch plus the batch being written) at which reading must pause. */
  maxHeld: number;
  /** Writes one batch in one transaction. Throwing means nothing was committed; it is retried. */
  write(items: readonly T[]): Promise<R>;
  /** Runs after each commit, in commit order: acknowledgements, events, metrics. */
  committed(items: readonly T[], result: R, elapsedMs: number): void;
  /** `true`: stop reading from the broker; `false`: reading may resume. */
  backpressure(paused: boolean): void;
  /** A write failed and will be retried after `delayMs`. */
  writeFailed(error: unknown, attempt: number, delayMs: number): void;
  retry?: { initialMs: number; maxMs: number };
};

/** Batches items and writes them one transaction at a time; see the module comment. */
export class Batcher<T, R> {
  readonly #opts: BatcherOptions<T, R>;
  readonly #retry: { initialMs: number; maxMs: number };
  #open: T[] = [];
  #writing: readonly T[] | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #paused = false;
  #failing = false;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: BatcherOptions<T, R>) {
    if (options.batchSize < 1 || options.maxHeld < options.batchSize) {
      throw new RangeError('batchSize must be >= 1 and maxHeld >= batchSize');
    }
    this.#opts = options;
    this.#retry = options.retry ?? { initialMs: 100, maxMs: 5_000 };
  }

  /** Items held: waiting in the open batch plus being written. */
  get held(): number {
    return this.#open.length + (this.#writing?.length ?? 0);
  }

  /** Whether reading is currently paused by this batcher. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Appends one item; it will be written within `flushMs` (or sooner, when the batch fills).
   * After stop() items are ignored: never written, never acknowledged, so the broker redelivers.
   */
  add(item: T): void {
    if (this.#stopped) return;
    this.#open.push(item);
    if (this.#writing === null) {
      if (this.#open.length >= this.#opts.batchSize) this.#startWrite();
      else if (this.#timer === null) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          if (this.#writing === null) this.#startWrite();
        }, this.#opts.flushMs);
      }
    }
    this.#updatePressure();
  }

  /** Writes whatever is held now and resolves when every held item is committed. */
  async flush(): Promise<void> {
    while (this.held > 0 && !this.#stopped) {
      if (this.#writing === null) this.#startWrite();
      await this.#idle;
    }
  }

  /**
   * Stops accepting items and abandons retries: what is not committed by then is simply never
   * acknowledged, so the broker redelivers it. Resolves once no write is in progress.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#idle;
  }

  #startWrite(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#open.length === 0 || this.#stopped) return;
    const batch =
      this.#open.length <= this.#opts.batchSize
        ? this.#open
        : this.#open.slice(0, this.#opts.batchSize);
    this.#open = batch === this.#open ? [] : this.#open.slice(batch.length);
    this.#writing = batch;
    this.#idle = this.#writeWithRetry(batch);
  }

  async #writeWithRetry(batch: readonly T[]): Promise<void> {
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      let result: R;
      try {
        result = await this.#opts.write(batch);
      } catch (error) {
        if (this.#stopped) return;
        const delay = Math.min(this.#retry.maxMs, this.#retry.initialMs * 2 ** (attempt - 1));
        this.#failing = true;
        this.#updatePressure();
        this.#opts.writeFailed(error, attempt, delay);
        await Bun.sleep(delay * (0.75 + Math.random() * 0.5));
        if (this.#stopped) return;
        continue;
      }
      this.#failing = false;
      this.#writing = null;
      this.#opts.committed(batch, result, performance.now() - started);
      break;
    }
    this.#updatePressure();
    // What arrived during the commit has already waited that long: write it right away.
    if (this.#open.length > 0 && !this.#stopped) this.#startWrite();
  }

  #updatePressure(): void {
    const held = this.held;
    const shouldPause = this.#failing || held >= this.#opts.maxHeld;
    // Resume only well below the bound, so reading does not flap at the boundary.
    const mayResume = !this.#failing && held <= this.#opts.maxHeld / 2;
    if (shouldPause && !this.#paused) {
      this.#paused = true;
      this.#opts.backpressure(true);
    } else if (this.#paused && mayResume) {
      this.#paused = false;
      this.#opts.backpressure(false);
    }
  }
}
