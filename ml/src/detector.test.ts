import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Detector, DetectorLoadError } from './detector';
import { FEATURE_COUNT } from './features';
import { metadataText, type TrainedDetector, trainDetector } from './train';

const SMALL = { seed: 3, trees: 12, sampleSize: 128, scale: 0.04, maxFalsePositiveRate: 0.05 };
const T0 = Date.UTC(2026, 0, 5);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function telemetry(device: string, i: number, extra: Record<string, unknown> = {}) {
  return {
    deviceId: device,
    topic: `devices/${device}/telemetry`,
    payload: encode({
      ts: T0 + i * 1000,
      boot: 11,
      seq: i,
      metrics: { temperature: 20 + 0.1 * Math.sin(i) },
      ...extra,
    }),
    receivedAt: T0 + i * 1000 + 4,
  };
}

let dir: string;
let trained: TrainedDetector;
let paths: { modelPath: string; metadataPath: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-ml-'));
  trained = await trainDetector(SMALL);
  paths = { modelPath: join(dir, 'detector.onnx'), metadataPath: join(dir, 'detector.json') };
  await Bun.write(paths.modelPath, trained.model);
  await Bun.write(paths.metadataPath, metadataText(trained.metadata));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('training', () => {
  test('training twice with the same seed gives identical model and metadata bytes', async () => {
    const again = await trainDetector(SMALL);
    expect(Buffer.from(again.model).equals(Buffer.from(trained.model))).toBe(true);
    expect(metadataText(again.metadata)).toBe(metadataText(trained.metadata));
    expect(trained.metadata.threshold).toBeGreaterThan(0);
    expect(trained.metadata.threshold).toBeLessThan(1);
  });
});

describe('Detector', () => {
  test('load refuses a missing model, corrupt metadata, a changed feature list and a foreign model', async () => {
    await expect(Detector.load({ ...paths, modelPath: join(dir, 'nope.onnx') })).rejects.toThrow(
      DetectorLoadError,
    );
    const corrupt = join(dir, 'corrupt.json');
    await Bun.write(corrupt, '{"format":');
    await expect(Detector.load({ ...paths, metadataPath: corrupt })).rejects.toThrow(/not JSON/);
    const renamed = join(dir, 'renamed.json');
    const features = [...trained.metadata.features].reverse();
    await Bun.write(renamed, metadataText({ ...trained.metadata, features }));
    await expect(Detector.load({ ...paths, metadataPath: renamed })).rejects.toThrow(/retrain/);
    const truncated = join(dir, 'truncated.onnx');
    await Bun.write(truncated, trained.model.subarray(0, 100));
    await expect(Detector.load({ ...paths, modelPath: truncated })).rejects.toThrow(/SHA-256/);
  });

  test('scoreBatch gives one verdict per item, with rules and rejects', async () => {
    const detector = await Detector.load(paths);
    const warm = Array.from({ length: 200 }, (_, i) => telemetry('dev-a', i));
    const results = await detector.scoreBatch([
      ...warm,
      telemetry('dev-a', 200, { device_id: 'dev-b' }),
      { ...telemetry('dev-a', 201), payload: new TextEncoder().encode('{not json') },
      telemetry('dev-a', 50),
    ]);
    expect(results).toHaveLength(203);
    for (const r of results) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(r.features).toHaveLength(FEATURE_COUNT);
    }
    // A young window: rules judge it, the model not yet.
    expect(results.every((r) => !r.settled)).toBe(true);
    const [spoof, bad, replay] = results.slice(200);
    expect(spoof).toMatchObject({
      anomaly: true,
      type: 'spoof',
      severity: 'critical',
      rejected: 'device_mismatch',
    });
    expect(bad).toMatchObject({ anomaly: false, type: null, rejected: 'bad_json' });
    expect(replay).toMatchObject({ anomaly: true, type: 'replay' });
    await detector.close();
  });

  test("the noise and drift rules fire at the metadata's thresholds, which configuration may override", async () => {
    const chosen = join(dir, 'chosen.json');
    const ruleThresholds = { noiseEvidence: 1e6, driftEvidence: 6 };
    await Bun.write(chosen, metadataText({ ...trained.metadata, ruleThresholds }));
    const steady = Array.from({ length: 1_200 }, (_, i) => telemetry('dev-d', i));
    const ramp = Array.from({ length: 300 }, (_, k) =>
      telemetry('dev-d', 1_200 + k, {
        metrics: { temperature: 20 + 0.1 * Math.sin(1_200 + k) + 0.02 * k },
      }),
    );
    const judge = async (options: Parameters<typeof Detector.load>[1]) => {
      const detector = await Detector.load({ ...paths, metadataPath: chosen }, options);
      const results = await detector.scoreBatch([...steady, ...ramp]);
      await detector.close();
      return results;
    };
    const found = await judge({});
    expect(found.slice(0, 1_200).some((r) => r.rule?.type === 'drift')).toBe(false);
    const drifting = found.slice(1_200).filter((r) => r.rule?.type === 'drift');
    expect(drifting.length).toBeGreaterThan(200);
    for (const r of drifting) expect(r.evidence.drift).toBeGreaterThanOrEqual(6);
    const off = await judge({ rules: { driftEvidence: Number.POSITIVE_INFINITY } });
    expect(off.some((r) => r.rule?.type === 'drift')).toBe(false);
  });

  test('windows are LRU-bounded and rebuilt from recent readings on a miss', async () => {
    const asked: string[] = [];
    const detector = await Detector.load(paths, {
      maxDevices: 2,
      loadRecent: async (deviceId) => {
        asked.push(deviceId);
        return Array.from({ length: 100 }, (_, i) => ({
          receivedAt: T0 + i * 1000,
          tsMs: T0 + i * 1000,
          boot: 11,
          seq: i,
          metrics: { temperature: 20 },
        }));
      },
    });
    await detector.scoreBatch([telemetry('d1', 100), telemetry('d2', 100), telemetry('d3', 100)]);
    expect(asked).toEqual(['d1', 'd2', 'd3']);
    expect(detector.cachedDevices).toBe(2);
    // d1 was evicted; d3 is cached. The rebuilt window knows seq 0..99, so seq 100 is the next one.
    const [again] = await detector.scoreBatch([telemetry('d1', 101)]);
    expect(asked).toEqual(['d1', 'd2', 'd3', 'd1']);
    expect(again?.rule).toBeNull();
    await detector.scoreBatch([telemetry('d3', 101)]);
    expect(asked).toHaveLength(4);
    await detector.close();
  });
});

describe('Detector concurrency', () => {
  test('overlapping scoreBatch calls are scored in call order with their own feature rows', async () => {
    const detector = await Detector.load(paths);
    const first = Array.from({ length: 150 }, (_, i) => telemetry('dev-c', i));
    const second = Array.from({ length: 150 }, (_, i) => telemetry('dev-c', 150 + i));
    const [a, b] = await Promise.all([detector.scoreBatch(first), detector.scoreBatch(second)]);
    // Had the second batch overtaken the first, the first's seqs would look like a replay.
    expect([...(a ?? []), ...(b ?? [])].some((r) => r.type === 'replay')).toBe(false);
    expect(a?.[149]?.features).not.toBe(b?.[0]?.features);
    expect(Array.from(a?.[149]?.features ?? [])).not.toEqual(Array.from(b?.[149]?.features ?? []));
    await detector.close();
  });
});
