/**
 * A fixed-window attempt counter per key (client address, username): enough to make online
 * password or claim-code guessing slow. In memory, per process; replicas each keep their own.
 */
import { RateLimitedError } from './errors';

export type RateLimiter = {
  /** Counts one attempt for `key`; throws RateLimitedError once the window's budget is spent. */
  hit(key: string, now?: number): void;
  /** Forgets `key` (after a successful login). */
  reset(key: string): void;
};

/** A limiter allowing `limit` attempts per key in each window of `windowMs`. */
export function createRateLimiter(options: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key, now = Date.now()) {
      let window = windows.get(key);
      if (window === undefined || now - window.start >= options.windowMs) {
        // Drop stale keys so the map stays bounded by recent attackers, not all-time ones.
        if (windows.size > 10_000) {
          for (const [k, w] of windows) if (now - w.start >= options.windowMs) windows.delete(k);
        }
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count > options.limit) {
        throw new RateLimitedError(Math.ceil((window.start + options.windowMs - now) / 1000));
      }
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
