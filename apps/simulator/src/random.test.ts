import { describe, expect, test } from 'bun:test';
import { deriveSeed, Random } from './random';

describe('Random', () => {
  test('the same seed gives the same sequence, another seed another', () => {
    const draw = (seed: number) => {
      const rng = new Random(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  test('derived streams are independent of each other and of the label order', () => {
    expect(deriveSeed(1, 'a', 'b')).toBe(deriveSeed(1, 'a', 'b'));
    expect(deriveSeed(1, 'a', 'b')).not.toBe(deriveSeed(1, 'b', 'a'));
    expect(deriveSeed(1, 'ab')).not.toBe(deriveSeed(1, 'a', 'b'));
    expect(Random.derive(7, 'x').next()).not.toBe(Random.derive(7, 'y').next());
  });

  test('draws stay in their ranges and have the right moments', () => {
    const rng = new Random(3);
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    let expSum = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      const k = rng.int(2, 5);
      expect(k >= 2 && k <= 5 && Number.isInteger(k)).toBe(true);
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      expSum += rng.exponential(10);
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(expSum / n - 10)).toBeLessThan(0.5);
  });

  test('rejects seeds that are not safe integers', () => {
    expect(() => new Random(1.5)).toThrow('safe integer');
    expect(() => new Random(Number.NaN)).toThrow('safe integer');
  });

  test('pick refuses an empty list', () => {
    expect(() => new Random(1).pick([])).toThrow('empty');
  });
});
