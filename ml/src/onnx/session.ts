import * as ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './export';

/** A loaded anomaly model: float32 rows in, one score per row out. */
export class ScoringSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly featureCount: number,
  ) {}

  /** Loads model bytes; throws if ONNX Runtime rejects them or the input width differs. */
  static async create(model: Uint8Array, featureCount: number): Promise<ScoringSession> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // The server runs one batch at a time per process; one thread keeps latency predictable.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
      throw new Error(
        `model must have input "${INPUT_NAME}" and output "${OUTPUT_NAME}", has ${session.inputNames.join(',')} -> ${session.outputNames.join(',')}`,
      );
    }
    const probe = new ScoringSession(session, featureCount);
    await probe.score(new Float32Array(featureCount), 1);
    return probe;
  }

  /** Scores `rows` (row-major, `count` rows) in one session run. */
  async score(rows: Float32Array, count: number): Promise<Float32Array> {
    if (count === 0) return new Float32Array(0);
    const input = new ort.Tensor('float32', rows.subarray(0, count * this.featureCount), [
      count,
      this.featureCount,
    ]);
    const result = await this.session.run({ [INPUT_NAME]: input });
    const output = result[OUTPUT_NAME];
    if (
      output === undefined ||
      !(output.data instanceof Float32Array) ||
      output.data.length !== count
    ) {
      throw new Error(`model returned no float32 [${count}, 1] "${OUTPUT_NAME}" output`);
    }
    return output.data;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
