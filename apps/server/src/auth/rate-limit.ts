/**
 * A fixed-window attempt counter per key (client address, username): enough to make online
 * password or claim-code guessing slow. In memory, per process; replicas each keep their own.
 */
import { RateLimitedError } from './errors';

export type RateLimiter = {
  /** Counts one attempt for `key`; throws RateLimitedError once the window's budget is spent. */
  hit(key: string, now?: number): void;
  /** Throws RateLimitedError when `key`'s budget for this window is already spent; counts nothing. */
  check(key: string, now?: number): void;
  /** Counts one attempt for `key` without throwing (a failure, after the check let it through). */
  record(key: string, now?: number): void;
  /** Forgets `key` (after a successful login). */
  reset(key: string): void;
};

/** A limiter allowing `limit` attempts per key in each window of `windowMs`. */
export function createRateLimiter(options: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string, now: number) => {
    let window = windows.get(key);
    if (window === undefined || now - window.start >= options.windowMs) {
      // Drop stale keys so the map stays bounded by recent attackers, not all-time ones.
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (now - w.start >= options.windowMs) windows.delete(k);
      }
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    return window;
  };
  const refuse = (window: { start: number }, now: number) =>
    new RateLimitedError(Math.ceil((window.start + options.windowMs - now) / 1000));
  return {
    hit(key, now = Date.now()) {
      const window = current(key, now);
      window.count += 1;
      if (window.count > options.limit) throw refuse(window, now);
    },
    check(key, now = Date.now()) {
      const window = windows.get(key);
      if (window !== undefined && now - window.start < options.windowMs) {
        if (window.count >= options.limit) throw refuse(window, now);
      }
    },
    record(key, now = Date.now()) {
      current(key, now).count += 1;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
