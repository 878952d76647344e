/**
 * A live stream over the event bus for one client: subscribes first, then replays what the
 * client missed (events after its last id still in the bus's ring), then follows live events.
 * Subscribing before the replay means nothing published in between is lost; ids dedupe the
 * overlap. A client too slow to keep up is told to resync rather than buffered without bound.
 */
import type { BusEntry, EventBus, VigilEvent } from './bus';

export type StreamItem =
  | ({ kind: 'event' } & BusEntry)
  /** Events were missed (evicted from the ring, or dropped for a slow client): refetch state. */
  | { kind: 'resync'; reason: 'history_evicted' | 'client_too_slow' };

export type StreamOptions = {
  /** Resume after this event id; absent means live events only. */
  afterId?: number;
  /** Only events this returns true for. */
  filter?: (event: VigilEvent) => boolean;
  /** Ends the stream (the client went away). */
  signal?: AbortSignal;
  /** Most live events held for this client before it is told to resync (default 10,000). */
  maxQueue?: number;
};

/** Yields the client's missed events, then live ones, until `signal` aborts. */
export async function* streamEvents(
  bus: EventBus,
  options: StreamOptions = {},
): AsyncGenerator<StreamItem> {
  const { filter = () => true, signal, maxQueue = 10_000 } = options;
  let queue: BusEntry[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe((event, id) => {
    if (!filter(event)) return;
    if (queue.length >= maxQueue) {
      overflowed = true;
    } else {
      queue.push({ id, event });
    }
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    let lastSent = options.afterId ?? bus.lastId();
    if (options.afterId !== undefined) {
      const missed = bus.since(options.afterId);
      if (!missed.complete) yield { kind: 'resync', reason: 'history_evicted' };
      for (const entry of missed.entries) {
        if (signal?.aborted) return;
        if (!filter(entry.event)) continue;
        lastSent = entry.id;
        yield { kind: 'event', ...entry };
      }
    }
    while (!signal?.aborted) {
      if (queue.length === 0 && !overflowed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const batch = queue;
      queue = [];
      if (overflowed) {
        overflowed = false;
        yield { kind: 'resync', reason: 'client_too_slow' };
      }
      for (const entry of batch) {
        if (entry.id <= lastSent) continue;
        lastSent = entry.id;
        yield { kind: 'event', ...entry };
        if (signal?.aborted) return;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}
