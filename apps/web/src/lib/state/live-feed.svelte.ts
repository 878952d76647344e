import type { VigilClient } from '#lib/api/client';
import type { LiveEvent, ResyncNotice } from '#lib/api/live-event';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** Wait before re-subscribing after the link gave up (a non-retryable error). */
const RESUBSCRIBE_MS = 2000;

/**
 * The dashboard's one live connection: a tRPC subscription over server-sent events. The link
 * reconnects by itself and resumes after the last tracked event id; when it gives up, the feed
 * subscribes again with that id, so no event published meanwhile is lost while the server still
 * holds it. `status` drives the "live connection down" indicator.
 */
export class LiveFeed {
  status = $state<LiveStatus>('connecting');
  lastEventId = $state<string | null>(null);
  lastError = $state<string | null>(null);
  /** Events received since the page opened (the indicator shows it; tests read it). */
  received = $state(0);

  readonly #listeners = new Set<(event: LiveEvent) => void>();
  readonly #resyncListeners = new Set<(notice: ResyncNotice) => void>();
  #unsubscribe: (() => void) | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #connectedOnce = false;

  /**
   * Starts streaming after event `from` (the cursor read with the page's data), or after the
   * last event this feed received; calling it again while running does nothing.
   */
  start(client: VigilClient, from: string | null = null): void {
    if (this.#unsubscribe !== null) return;
    this.lastEventId ??= from;
    const input = this.lastEventId === null ? {} : { lastEventId: this.lastEventId };
    const subscription = client.events.live.subscribe(input, {
      onData: (message) => {
        this.received += 1;
        if (!('id' in message)) {
          for (const listener of this.#resyncListeners) listener(message);
          return;
        }
        this.lastEventId = message.id;
        for (const listener of this.#listeners) listener(message.data);
      },
      onConnectionStateChange: (state) => {
        if (state.state === 'pending') {
          this.#connectedOnce = true;
          this.status = 'live';
          this.lastError = null;
        } else if (state.state === 'connecting') {
          this.status = this.#connectedOnce ? 'reconnecting' : 'connecting';
          if (state.error) this.lastError = state.error.message;
        }
      },
      onError: (error) => {
        this.status = this.#connectedOnce ? 'reconnecting' : 'connecting';
        this.lastError = error.message;
        this.#unsubscribe = null;
        this.#retry = setTimeout(() => this.start(client), RESUBSCRIBE_MS);
      },
    });
    this.#unsubscribe = () => subscription.unsubscribe();
  }

  /** Calls `listener` for every live event; returns the function that stops it. */
  listen(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Calls `listener` when the server says events were missed (its history no longer holds them):
   * whatever the page shows must then be loaded again.
   */
  onResync(listener: (notice: ResyncNotice) => void): () => void {
    this.#resyncListeners.add(listener);
    return () => {
      this.#resyncListeners.delete(listener);
    };
  }

  /** Closes the connection (page teardown). */
  stop(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
