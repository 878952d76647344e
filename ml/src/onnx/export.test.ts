import { describe, expect, test } from 'bun:test';
import { anomalyScore, trainIsolationForest } from '../forest/isolation-forest';
import { SeededRandom } from '../forest/random';
import { exportForestToOnnx } from './export';
import { ScoringSession } from './session';

const F = 17;

/** Mixed distributions: heavy tails, discrete values, exact repeats (where LEQ vs LT matters). */
function rows(n: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(n * F);
  for (let i = 0; i < n * F; i++) {
    const j = i % F;
    const u = rng.next();
    out[i] =
      j % 3 === 0
        ? Math.log1p(-Math.log(1 - u) * 3)
        : j % 3 === 1
          ? Math.floor(u * 4)
          : u * 100 - 50;
  }
  return out;
}

describe('ONNX export', () => {
  test('ONNX Runtime scores equal the TypeScript reference within 1e-5 on 10,000 rows', async () => {
    const forest = trainIsolationForest(rows(4_000, 1), F, { seed: 7, trees: 100 });
    const session = await ScoringSession.create(exportForestToOnnx(forest), F);
    // Half fresh rows, half the training rows themselves (values exactly on thresholds).
    const test = new Float32Array(10_000 * F);
    test.set(rows(6_000, 2));
    test.set(rows(4_000, 1), 6_000 * F);
    const onnx = await session.score(test, 10_000);
    let worst = 0;
    for (let i = 0; i < 10_000; i++) {
      worst = Math.max(worst, Math.abs((onnx[i] as number) - anomalyScore(forest, test, i * F)));
    }
    expect(worst).toBeLessThan(1e-5);
    // The scores are not degenerate: the forest separates rows.
    const sorted = Array.from(onnx).sort((a, b) => a - b);
    expect((sorted[9_990] as number) - (sorted[10] as number)).toBeGreaterThan(0.1);
    await session.release();
  });

  test('the same forest gives the same bytes; another seed gives other bytes', () => {
    const data = rows(1_000, 3);
    const a = exportForestToOnnx(trainIsolationForest(data, F, { seed: 1, trees: 10 }));
    const b = exportForestToOnnx(trainIsolationForest(data, F, { seed: 1, trees: 10 }));
    const c = exportForestToOnnx(trainIsolationForest(data, F, { seed: 2, trees: 10 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  test('a corrupt model is refused', async () => {
    const good = exportForestToOnnx(trainIsolationForest(rows(300, 4), F, { seed: 1, trees: 3 }));
    await expect(ScoringSession.create(good.subarray(0, good.length - 40), F)).rejects.toThrow();
    await expect(ScoringSession.create(good, F + 1)).rejects.toThrow();
  });
});
