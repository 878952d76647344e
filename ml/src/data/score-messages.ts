import type { LabelledMessage } from '@vigil/simulator';
import type { Detector } from '../detector';
import type { FaultType } from '../types';

const BATCH = 1_000;

/** A labelled message's verdict, threshold-independent parts kept for threshold sweeps. */
export type ScoredMessage = {
  /** The device the message arrived for (episodes are per device). */
  deviceId: string;
  label: FaultType | null;
  modelScore: number;
  /** Type of the rule that fired (or of an anomalous reject), null if none. */
  ruleType: FaultType | null;
  /** Whether the decoder rejected it. */
  rejected: boolean;
  /** Whether the model's verdict counts for it (valid telemetry, settled window). */
  settled: boolean;
  /** What the noise rule on a room's roughness and the drift rule judged: the two rules whose
   * thresholds training chooses (they fire at the detector's). */
  evidence: { noise: number; drift: number };
  /** The detector's verdict at its own threshold. */
  anomaly: boolean;
  type: FaultType | null;
};

/** Runs labelled messages through the detector in arrival-order batches, as the server would. */
export async function scoreMessages(
  detector: Detector,
  messages: readonly LabelledMessage[],
): Promise<ScoredMessage[]> {
  const encoder = new TextEncoder();
  const out: ScoredMessage[] = [];
  for (let start = 0; start < messages.length; start += BATCH) {
    const batch = messages.slice(start, start + BATCH);
    const scored = await detector.scoreBatch(
      batch.map((m) => ({
        deviceId: m.deviceId,
        topic: m.topic,
        payload: encoder.encode(m.payload),
        receivedAt: m.receivedAt,
      })),
    );
    scored.forEach((s, i) => {
      const message = batch[i] as LabelledMessage;
      out.push({
        deviceId: message.deviceId,
        label: message.label,
        modelScore: s.modelScore,
        ruleType: s.rule?.type ?? null,
        rejected: s.rejected !== null,
        settled: s.settled,
        evidence: s.evidence,
        anomaly: s.anomaly,
        type: s.type,
      });
    });
  }
  return out;
}
