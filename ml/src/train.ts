import { createHash } from 'node:crypto';
import { measureFeatureScale } from './attribution';
import { extractFeatures, windowedRows } from './data/features';
import { chooseThresholds } from './data/metrics';
import { scoreMessages } from './data/score-messages';
import { generateSplit, SPLITS } from './data/splits';
import { Detector } from './detector';
import { FEATURE_COUNT, FEATURE_NAMES } from './features';
import { trainIsolationForest } from './forest/isolation-forest';
import type { DetectorMetadata } from './metadata';
import { MODEL_FEATURE_INDICES, MODEL_FEATURES } from './model-features';
import { exportForestToOnnx } from './onnx/export';

export type TrainOptions = {
  seed: number;
  trees: number;
  sampleSize: number;
  /** Fraction of each split's simulated duration (1 for the shipped model; small in tests). */
  scale: number;
  /** The false-positive rate on fault-free validation traffic the threshold must keep. */
  maxFalsePositiveRate: number;
  log?: (line: string) => void;
};

export const DEFAULT_TRAIN: TrainOptions = {
  seed: 1,
  trees: 50,
  sampleSize: 256,
  scale: 1,
  maxFalsePositiveRate: 0.004,
};

/** The trained model's bytes and its metadata (detector.onnx and detector.json). */
export type TrainedDetector = { model: Uint8Array; metadata: DetectorMetadata };

/**
 * Trains the detector end to end: features of fault-free training traffic -> Isolation Forest ->
 * ONNX; then the threshold is chosen on the validation split only (best F1 whose false-positive
 * rate on fault-free validation traffic stays within the target). Deterministic: the same options
 * give the same bytes.
 */
export async function trainDetector(options: TrainOptions): Promise<TrainedDetector> {
  const log = options.log ?? (() => {});
  const train = await extractFeatures(generateSplit('train', options.scale));
  const rows = windowedRows(train);
  const trainingSha = createHash('sha256')
    .update(JSON.stringify({ splits: SPLITS.train, scale: options.scale, features: FEATURE_NAMES }))
    .update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength))
    .digest('hex');
  log(`training rows: ${rows.length / FEATURE_COUNT} (sha256 ${trainingSha.slice(0, 12)})`);

  const forest = trainIsolationForest(rows, FEATURE_COUNT, {
    seed: options.seed,
    trees: options.trees,
    sampleSize: options.sampleSize,
    features: MODEL_FEATURE_INDICES,
  });
  const model = exportForestToOnnx(forest, { features: FEATURE_NAMES.join(',') });
  const modelSha256 = createHash('sha256').update(model).digest('hex');
  const base: DetectorMetadata = {
    format: 'vigil-detector/1',
    features: [...FEATURE_NAMES],
    threshold: 0.5,
    ruleThresholds: { noiseEvidence: 1, driftEvidence: 1 },
    featureScale: measureFeatureScale(rows, FEATURE_COUNT),
    forest: { trees: options.trees, sampleSize: forest.sampleSize, seed: options.seed },
    trainingData: {
      sha256: trainingSha,
      rows: rows.length / FEATURE_COUNT,
      description: `fault-free simulator fleets ${SPLITS.train.map((f) => `${f.idPrefix}* seed ${f.seed}`).join(', ')}; forest splits on ${MODEL_FEATURES.join(', ')}`,
    },
    modelSha256,
    validation: {
      rows: 0,
      metrics: { precision: 0, recall: 0, f1: 0, falsePositiveRate: 0 },
      thresholdRule: '',
    },
  };

  // Scored with the noise and drift rules off: their thresholds are chosen with the model's below.
  const undecided = {
    rules: { noiseEvidence: Number.POSITIVE_INFINITY, driftEvidence: Number.POSITIVE_INFINITY },
  };
  const detector = await Detector.fromBytes(model, base, undecided);
  const faulty = await scoreMessages(detector, generateSplit('validation', options.scale));
  await detector.close();
  const cleanDetector = await Detector.fromBytes(model, base, undecided);
  const clean = await scoreMessages(
    cleanDetector,
    generateSplit('validation_clean', options.scale),
  );
  await cleanDetector.close();
  const chosen = chooseThresholds(faulty, clean, options.maxFalsePositiveRate);
  log(
    `threshold ${chosen.threshold}, noise evidence ${chosen.rules.noiseEvidence}, drift evidence ${chosen.rules.driftEvidence}: validation F1 ${chosen.metrics.f1.toFixed(4)}, clean FPR ${chosen.cleanFalsePositiveRate.toFixed(5)}`,
  );
  return {
    model,
    metadata: {
      ...base,
      threshold: chosen.threshold,
      ruleThresholds: chosen.rules,
      validation: {
        rows: faulty.length + clean.length,
        metrics: {
          ...roundMetrics(chosen.metrics),
          falsePositiveRate: round(chosen.cleanFalsePositiveRate),
        },
        thresholdRule: `model, noise and drift thresholds with the best F1 on the validation split with false-positive rate <= ${options.maxFalsePositiveRate} on fault-free validation traffic`,
      },
    },
  };
}

/** Canonical detector.json text: fixed key order from the object literal, 2-space indent. */
export function metadataText(metadata: DetectorMetadata): string {
  return `${JSON.stringify(metadata, null, 2)}\n`;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
function roundMetrics<T extends Record<string, number>>(m: T): T {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)])) as T;
}
