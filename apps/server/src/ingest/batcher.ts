/**
 * Group commit for the ingest path. Items arrive one at a time from the MQTT consumer; they are
 * written in batches, one transaction per batch, and handed back (for acknowledgement) only after
 * that transaction commits, strictly in arrival order.
 *
 * A batch is written when it is full, when its first item has waited `flushMs`, or as soon as a
 * commit returns with nothing else being written (what arrived meanwhile has already waited that
 * long). Up to `concurrency` batches are written at once, so one batch's commit (a WAL flush with
 * synchronous_commit on) overlaps the next one's execution; a batch that commits early still waits
 * for the batches before it to be handed back, so acknowledgements never overtake.
 *
 * Memory stays bounded: once `maxHeld` items are held (waiting or being written), the batcher asks
 * the consumer to stop reading, and it does the same while a failing write is being retried.
 */

export type BatcherOptions<T, R> = {
  /** A batch is written as soon as it holds this many items. */
  batchSize: number;
  /** ...or when its first item has waited this long, whichever comes first. */
  flushMs: number;
  /** Items held (open batch plus batches being written) at which reading must pause. */
  maxHeld: number;
  /** Batches written at the same time (default 2). */
  concurrency?: number;
  /** Writes one batch in one transaction. Throwing means nothing was committed; it is retried. */
  write(items: readonly T[]): Promise<R>;
  /** Runs after each commit, in batch order: acknowledgements, events, metrics. Must not throw. */
  committed(items: readonly T[], result: R, elapsedMs: number): void;
  /** `true`: stop reading from the broker; `false`: reading may resume. */
  backpressure(paused: boolean): void;
  /** A write failed and will be retried after `delayMs`. */
  writeFailed(error: unknown, attempt: number, delayMs: number): void;
  retry?: { initialMs: number; maxMs: number };
};

type Write<T, R> = {
  items: readonly T[];
  started: number;
  done: Promise<void>;
  outcome?: { result: R; elapsedMs: number };
};

/** Batches items and writes them in transactions; see the module comment. */
export class Batcher<T, R> {
  readonly #opts: BatcherOptions<T, R>;
  readonly #retry: { initialMs: number; maxMs: number };
  readonly #concurrency: number;
  #open: T[] = [];
  /** Batches being written or committed but not yet handed back, oldest first. */
  #writes: Write<T, R>[] = [];
  #writingCount = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #overdue = false;
  #paused = false;
  #failing = 0;
  #stopped = false;

  constructor(options: BatcherOptions<T, R>) {
    if (options.batchSize < 1 || options.maxHeld < options.batchSize) {
      throw new RangeError('batchSize must be >= 1 and maxHeld >= batchSize');
    }
    this.#opts = options;
    this.#retry = options.retry ?? { initialMs: 100, maxMs: 5_000 };
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
  }

  /** Items held: waiting in the open batch plus being written. */
  get held(): number {
    let held = this.#open.length;
    for (const write of this.#writes) held += write.items.length;
    return held;
  }

  /** Whether a write is failing and being retried (the database is unreachable). */
  get failing(): boolean {
    return this.#failing > 0;
  }

  /** Whether reading is currently paused by this batcher. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Appends one item; it is written within `flushMs` (or sooner, when the batch fills) unless
   * every write slot is busy. After stop() items are ignored: never written, never acknowledged,
   * so the broker redelivers them.
   */
  add(item: T): void {
    if (this.#stopped) return;
    this.#open.push(item);
    if (this.#open.length >= this.#opts.batchSize) this.#startWrites();
    else if (this.#timer === null && !this.#overdue) this.#armTimer();
    this.#updatePressure();
  }

  /** Writes whatever is held now and resolves when every held item is committed. */
  async flush(): Promise<void> {
    while (this.held > 0 && !this.#stopped) {
      this.#overdue = this.#open.length > 0;
      this.#startWrites();
      await Promise.all(this.#writes.map((w) => w.done));
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
    await Promise.all(this.#writes.map((w) => w.done));
  }

  #armTimer(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#overdue = true;
      this.#startWrites();
    }, this.#opts.flushMs);
  }

  /** Starts writes while a slot is free and the open batch is full, overdue, or nothing runs. */
  #startWrites(): void {
    while (
      !this.#stopped &&
      this.#open.length > 0 &&
      this.#writingCount < this.#concurrency &&
      (this.#open.length >= this.#opts.batchSize || this.#overdue || this.#writingCount === 0)
    ) {
      const size = Math.min(this.#open.length, this.#opts.batchSize);
      const items = size === this.#open.length ? this.#open : this.#open.slice(0, size);
      this.#open = items === this.#open ? [] : this.#open.slice(size);
      this.#overdue = false;
      const write: Write<T, R> = { items, started: performance.now(), done: Promise.resolve() };
      this.#writes.push(write);
      this.#writingCount += 1;
      write.done = this.#writeWithRetry(write);
    }
    if (this.#timer !== null && (this.#open.length === 0 || this.#overdue)) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#open.length > 0 && this.#timer === null && !this.#overdue) this.#armTimer();
  }

  async #writeWithRetry(write: Write<T, R>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.#opts.write(write.items);
        write.outcome = { result, elapsedMs: performance.now() - write.started };
        if (attempt > 1) this.#failing -= 1;
        break;
      } catch (error) {
        if (this.#stopped) {
          if (attempt > 1) this.#failing -= 1;
          this.#writingCount -= 1;
          return;
        }
        const delay = Math.min(this.#retry.maxMs, this.#retry.initialMs * 2 ** (attempt - 1));
        if (attempt === 1) this.#failing += 1;
        this.#updatePressure();
        this.#opts.writeFailed(error, attempt, delay);
        await Bun.sleep(delay * (0.75 + Math.random() * 0.5));
      }
    }
    this.#writingCount -= 1;
    // Hand back every committed batch whose predecessors are all handed back.
    while (this.#writes[0]?.outcome !== undefined) {
      const done = this.#writes.shift() as Write<T, R>;
      const outcome = done.outcome as { result: R; elapsedMs: number };
      this.#opts.committed(done.items, outcome.result, outcome.elapsedMs);
    }
    this.#updatePressure();
    this.#startWrites();
  }

  #updatePressure(): void {
    const held = this.held;
    const shouldPause = this.#failing > 0 || held >= this.#opts.maxHeld;
    // Resume only well below the bound, so reading does not flap at the boundary.
    const mayResume = this.#failing === 0 && held <= this.#opts.maxHeld / 2;
    if (shouldPause && !this.#paused) {
      this.#paused = true;
      this.#opts.backpressure(true);
    } else if (this.#paused && mayResume) {
      this.#paused = false;
      this.#opts.backpressure(false);
    }
  }
}
