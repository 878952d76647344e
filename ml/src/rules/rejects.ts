import type { RejectReason } from '@vigil/protocol';
import type { Finding } from '../types';

/**
 * Decoder rejections that are anomalies in their own right: a payload naming another device is a
 * spoofing attempt, a timestamp beyond the protocol's limits is clock skew. Other rejections
 * (bad JSON, schema) are malformed input, dead-lettered by ingest, not scored.
 */
export function findingForReject(reason: RejectReason): Finding | null {
  if (reason === 'device_mismatch') return { type: 'spoof', severity: 'critical', score: 1 };
  if (reason === 'clock_skew') return { type: 'clock_skew', severity: 'medium', score: 0.9 };
  return null;
}
