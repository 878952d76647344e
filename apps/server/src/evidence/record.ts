/**
 * An anomaly row as the evidence record its leaf commits to. The encoding itself lives in
 * @vigil/contracts/evidence-leaf, shared with the audit tasks, so the two can never disagree.
 */
import { type EvidenceRecord, evidenceLeaf } from '@vigil/contracts/evidence-leaf';
import type { Hex } from 'viem';
import type { Anomaly } from '../detection/schema';

/** The fields of `anomaly` the evidence leaf commits to. */
export function evidenceRecordOf(anomaly: Anomaly): EvidenceRecord {
  return {
    anomalyId: anomaly.id,
    deviceId: anomaly.deviceId,
    readingTsMs: anomaly.readingTs.getTime(),
    readingBoot: anomaly.readingBoot,
    readingSeq: anomaly.readingSeq,
    detectedAtMs: anomaly.detectedAt.getTime(),
    type: anomaly.type,
    severity: anomaly.severity,
    score: anomaly.score,
    threshold: anomaly.threshold,
    modelSha256: anomaly.modelSha256,
    // The SHA-256 of the stored raw bytes, recomputed: the leaf commits to the bytes themselves.
    payloadSha256: new Uint8Array(new Bun.CryptoHasher('sha256').update(anomaly.payload).digest()),
  };
}

/** The evidence leaf of an anomaly row. */
export function leafOfAnomaly(anomaly: Anomaly): Hex {
  return evidenceLeaf(evidenceRecordOf(anomaly));
}
