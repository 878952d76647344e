import { generateFleetTrace } from '@vigil/simulator';
import { Detector } from '../detector';
import { FEATURE_COUNT } from '../features';
import { ScoringSession } from '../onnx/session';

export type Throughput = {
  batchSize: number;
  batches: number;
  microsPerMessage: number;
  modelMicrosPerMessage: number;
};

/**
 * Wall-clock cost of scoreBatch on batches of 1,000 fleet messages (decode, windows, features,
 * one ONNX run, rules), after a warm-up, and the ONNX run's share measured alone.
 */
export async function measureThroughput(
  paths: { modelPath: string; metadataPath: string },
  batchSize = 1_000,
): Promise<Throughput> {
  const detector = await Detector.load(paths);
  const messages = generateFleetTrace({
    seed: 9_001,
    sensors: 150,
    drones: 50,
    startMs: Date.UTC(2026, 1, 2, 10),
    durationMs: 5 * 60_000,
    intervalMs: 1_000,
    faultRate: 0.05,
    idPrefix: 'bench-',
  });
  const encoder = new TextEncoder();
  const items = messages.map((m) => ({
    deviceId: m.deviceId,
    topic: m.topic,
    payload: encoder.encode(m.payload),
    receivedAt: m.receivedAt,
  }));
  const batches: (typeof items)[] = [];
  for (let i = 0; i + batchSize <= items.length; i += batchSize)
    batches.push(items.slice(i, i + batchSize));
  const warmup = Math.min(10, Math.floor(batches.length / 4));
  for (const batch of batches.slice(0, warmup)) await detector.scoreBatch(batch);
  const timed = batches.slice(warmup);
  const started = performance.now();
  for (const batch of timed) await detector.scoreBatch(batch);
  const elapsed = performance.now() - started;
  const session = await ScoringSession.create(
    new Uint8Array(await Bun.file(paths.modelPath).arrayBuffer()),
    FEATURE_COUNT,
  );
  const rows = new Float32Array(batchSize * FEATURE_COUNT).map((_, i) => (i % 7) / 7);
  const modelStarted = performance.now();
  for (let i = 0; i < timed.length; i++) await session.score(rows, batchSize);
  const modelElapsed = performance.now() - modelStarted;
  await session.release();
  await detector.close();
  const n = timed.length * batchSize;
  return {
    batchSize,
    batches: timed.length,
    microsPerMessage: (elapsed * 1000) / n,
    modelMicrosPerMessage: (modelElapsed * 1000) / n,
  };
}
