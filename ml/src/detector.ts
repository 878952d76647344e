import { createHash } from 'node:crypto';
import type { RejectReason } from '@vigil/protocol';
import { attributeFault, modelSeverity } from './attribution';
import { FEATURE_COUNT, FEATURE_NAMES, type FeatureName } from './features';
import { type DetectorMetadata, parseMetadata } from './metadata';
import { ScoringSession } from './onnx/session';
import { FeaturePipeline, type PipelineOptions, type ScoreItem } from './pipeline';
import type { FaultType, Finding, Severity } from './types';

export type { CatchUp, SeqSpan } from './catch-up';
export { readingKey, spanLength } from './catch-up';
export type { ScoreItem } from './pipeline';
export type { FaultType, Severity } from './types';
export type { LoadRecent } from './window-cache';

/** The detector's verdict on one message. */
export type ScoredReading = {
  /** Anomaly score in [0, 1]: the model's, or a firing rule's when higher. */
  score: number;
  anomaly: boolean;
  type: FaultType | null;
  severity: Severity | null;
  /** The feature row (FEATURE_NAMES order): a view into this batch's own matrix. */
  features: Float32Array;
  /** The Isolation Forest's own score (0 for rejected messages). */
  modelScore: number;
  /** The rule detector that fired, if any. */
  rule: Finding | null;
  /** The decoder's reject reason, or null for valid telemetry. */
  rejected: RejectReason | null;
  /** Whether the model's verdict counts: valid telemetry from a window past SETTLED_READINGS. */
  settled: boolean;
  /** What the noise rule on a room's roughness and the drift rule judged, the two rules whose
   * thresholds training chooses (0 for rejected messages). */
  evidence: { noise: number; drift: number };
};

export type DetectorOptions = PipelineOptions & {
  /** Overrides the metadata's threshold (configuration). */
  threshold?: number;
};

/** A missing, corrupt or mismatched model or metadata file; the server must not start with it. */
export class DetectorLoadError extends Error {
  override readonly name = 'DetectorLoadError';
}

/**
 * Scores telemetry for anomalies: per-device windows -> one batched ONNX run per batch ->
 * rule detectors -> a score, type and severity per message.
 */
export class Detector {
  readonly threshold: number;
  private readonly pipeline: FeaturePipeline;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly session: ScoringSession,
    readonly metadata: DetectorMetadata,
    options: DetectorOptions,
  ) {
    this.threshold = options.threshold ?? metadata.threshold;
    this.pipeline = new FeaturePipeline({
      ...options,
      rules: { ...metadata.ruleThresholds, ...options.rules },
    });
  }

  /** Loads detector.onnx and detector.json; throws DetectorLoadError saying what is wrong. */
  static async load(
    paths: { modelPath: string; metadataPath: string },
    options: DetectorOptions = {},
  ): Promise<Detector> {
    const model = await readFile(paths.modelPath, 'model');
    const metadataText = new TextDecoder().decode(await readFile(paths.metadataPath, 'metadata'));
    let metadata: DetectorMetadata;
    try {
      metadata = parseMetadata(metadataText, paths.metadataPath);
    } catch (error) {
      throw new DetectorLoadError((error as Error).message);
    }
    return Detector.fromBytes(model, metadata, options, paths.modelPath);
  }

  /** A detector from model bytes and parsed metadata (training and evaluation use this). */
  static async fromBytes(
    model: Uint8Array,
    metadata: DetectorMetadata,
    options: DetectorOptions = {},
    source = 'model',
  ): Promise<Detector> {
    const expected = FEATURE_NAMES.join(',');
    if (metadata.features.join(',') !== expected) {
      throw new DetectorLoadError(
        `${source}: trained on features [${metadata.features.join(', ')}], this build computes [${FEATURE_NAMES.join(', ')}]; retrain with bun run ml:train`,
      );
    }
    const sha = createHash('sha256').update(model).digest('hex');
    if (sha !== metadata.modelSha256) {
      throw new DetectorLoadError(
        `${source}: SHA-256 ${sha} does not match the metadata's modelSha256 ${metadata.modelSha256}`,
      );
    }
    const threshold = options.threshold ?? metadata.threshold;
    if (!(threshold > 0 && threshold < 1))
      throw new DetectorLoadError(`threshold must be in (0, 1), got ${threshold}`);
    let session: ScoringSession;
    try {
      session = await ScoringSession.create(model, FEATURE_COUNT);
    } catch (error) {
      throw new DetectorLoadError(
        `${source}: ONNX Runtime cannot load it: ${(error as Error).message}`,
      );
    }
    return new Detector(session, metadata, options);
  }

  /** Devices whose windows are held in memory. */
  get cachedDevices(): number {
    return this.pipeline.windows.size;
  }

  /**
   * Scores a batch in arrival order: updates each device's window (rebuilding missing ones via
   * `loadRecent`), runs the model once for the whole batch and combines it with the rules.
   */
  async scoreBatch(items: readonly ScoreItem[]): Promise<ScoredReading[]> {
    // Batches run one after another: windows must see each device's messages in arrival order,
    // even when a caller starts the next batch before the previous one has been scored.
    const run = this.queue.then(() => this.scoreInOrder(items));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async scoreInOrder(items: readonly ScoreItem[]): Promise<ScoredReading[]> {
    const { rows, prepared } = await this.pipeline.prepare(items);
    const scores = await this.session.score(rows, items.length);
    return prepared.map((item, i): ScoredReading => {
      const features = rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
      const modelScore = item.rejected === null ? (scores[i] as number) : 0;
      const base = {
        features,
        modelScore,
        rule: item.rule,
        rejected: item.rejected,
        settled: item.settled,
        evidence: { noise: item.facts?.roughness ?? 0, drift: item.facts?.drift ?? 0 },
      };
      if (item.rule !== null) {
        const { type, severity } = item.rule;
        return {
          ...base,
          score: Math.max(modelScore, item.rule.score),
          anomaly: true,
          type,
          severity,
        };
      }
      if (item.settled && modelScore >= this.threshold) {
        return {
          ...base,
          score: modelScore,
          anomaly: true,
          type: attributeFault(features, this.metadata.featureScale),
          severity: modelSeverity(modelScore, this.threshold),
        };
      }
      return { ...base, score: modelScore, anomaly: false, type: null, severity: null };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** A feature row as a name -> value record (for storing with an anomaly). */
export function featureRecord(features: Float32Array): Record<FeatureName, number> {
  return Object.fromEntries(
    FEATURE_NAMES.map((name, i) => [name, features[i] as number]),
  ) as Record<FeatureName, number>;
}

async function readFile(path: string, what: string): Promise<Uint8Array> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new DetectorLoadError(`${what} file not found: ${path}`);
  return new Uint8Array(await file.arrayBuffer());
}
