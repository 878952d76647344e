import { describe, expect, test } from 'bun:test';
import { RateLimitedError } from './errors';
import { createRateLimiter } from './rate-limit';

describe('rate limiter', () => {
  test('allows the budget per window, refuses beyond it, and recovers in the next window', () => {
    const limiter = createRateLimiter({ limit: 3, windowMs: 1000 });
    for (let i = 0; i < 3; i++) limiter.hit('a', 0);
    expect(() => limiter.hit('a', 500)).toThrow(RateLimitedError);
    expect(() => limiter.hit('b', 500)).not.toThrow();
    expect(() => limiter.hit('a', 1000)).not.toThrow();
  });

  test('the error says when to retry, and reset clears the key', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 10_000 });
    limiter.hit('k', 0);
    try {
      limiter.hit('k', 2500);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterS).toBe(8);
    }
    limiter.reset('k');
    expect(() => limiter.hit('k', 2600)).not.toThrow();
  });
});

test('check refuses only once recorded failures fill the budget, and counts nothing itself', () => {
  const limiter = createRateLimiter({ limit: 2, windowMs: 1000 });
  for (let i = 0; i < 5; i++) limiter.check('a', 0);
  limiter.record('a', 0);
  expect(() => limiter.check('a', 10)).not.toThrow();
  limiter.record('a', 20);
  expect(() => limiter.check('a', 30)).toThrow(RateLimitedError);
  expect(() => limiter.check('b', 30)).not.toThrow();
  expect(() => limiter.check('a', 1000)).not.toThrow();
});
