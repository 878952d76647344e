import type { LabelledMessage } from '@vigil/simulator';
import { FEATURE_COUNT } from '../features';
import { FeaturePipeline, type PreparedItem } from '../pipeline';

const BATCH = 1_000;

/** Feature rows and pipeline verdicts of labelled messages, in their order. */
export type ExtractedSplit = {
  rows: Float32Array;
  prepared: PreparedItem[];
  labels: Array<LabelledMessage['label']>;
};

/** Runs messages through the serving pipeline in arrival-order batches, as the server would. */
export async function extractFeatures(
  messages: readonly LabelledMessage[],
): Promise<ExtractedSplit> {
  const pipeline = new FeaturePipeline();
  const rows = new Float32Array(messages.length * FEATURE_COUNT);
  const prepared: PreparedItem[] = [];
  const encoder = new TextEncoder();
  for (let start = 0; start < messages.length; start += BATCH) {
    const batch = messages.slice(start, start + BATCH);
    const out = await pipeline.prepare(
      batch.map((m) => ({
        deviceId: m.deviceId,
        topic: m.topic,
        payload: encoder.encode(m.payload),
        receivedAt: m.receivedAt,
      })),
    );
    rows.set(out.rows, start * FEATURE_COUNT);
    for (const item of out.prepared) prepared.push(item);
  }
  return { rows, prepared, labels: messages.map((m) => m.label) };
}

/** Rows of `split` whose messages reached a device window (valid telemetry of the running session). */
export function windowedRows(split: ExtractedSplit): Float32Array {
  const keep: number[] = [];
  split.prepared.forEach((item, i) => {
    const relation = item.facts?.relation;
    if (relation !== undefined && relation !== 'replay' && relation !== 'second_boot') keep.push(i);
  });
  const out = new Float32Array(keep.length * FEATURE_COUNT);
  keep.forEach((row, k) => {
    out.set(split.rows.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT), k * FEATURE_COUNT);
  });
  return out;
}
