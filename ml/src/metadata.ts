import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Metrics = Type.Object({
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
  falsePositiveRate: Type.Number(),
});

/** detector.json: everything the detector needs beside the ONNX bytes, and how they were made. */
export const DetectorMetadataSchema = Type.Object({
  format: Type.Literal('vigil-detector/1'),
  features: Type.Array(Type.String(), { minItems: 1 }),
  threshold: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  /** Thresholds of the noise and drift rules, chosen on validation together with `threshold`. */
  ruleThresholds: Type.Object({
    noiseEvidence: Type.Number({ exclusiveMinimum: 0 }),
    driftEvidence: Type.Number({ exclusiveMinimum: 0 }),
  }),
  featureScale: Type.Object({ median: Type.Array(Type.Number()), high: Type.Array(Type.Number()) }),
  forest: Type.Object({ trees: Type.Integer(), sampleSize: Type.Integer(), seed: Type.Integer() }),
  trainingData: Type.Object({
    sha256: Type.String(),
    rows: Type.Integer(),
    description: Type.String(),
  }),
  modelSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  validation: Type.Object({ rows: Type.Integer(), metrics: Metrics, thresholdRule: Type.String() }),
});

export type DetectorMetadata = Static<typeof DetectorMetadataSchema>;
export type DetectionMetrics = Static<typeof Metrics>;

/** Parses detector.json text; throws naming the first problem. */
export function parseMetadata(text: string, source: string): DetectorMetadata {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  if (!Value.Check(DetectorMetadataSchema, value)) {
    const first = Value.Errors(DetectorMetadataSchema, value).First();
    throw new Error(
      `${source}: invalid detector metadata at ${first?.path || '/'}: ${first?.message ?? 'unknown'}`,
    );
  }
  const { features, featureScale } = value;
  if (
    featureScale.median.length !== features.length ||
    featureScale.high.length !== features.length
  ) {
    throw new Error(
      `${source}: featureScale has ${featureScale.median.length} entries for ${features.length} features`,
    );
  }
  return value;
}
