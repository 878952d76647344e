/**
 * Putting anomalies into the evidence outbox. Called inside the transaction that stores them, so
 * an anomaly is never committed without its leaf waiting to be anchored.
 */
import { hexToBytes } from 'viem';
import type { Anomaly } from '../detection/schema';
import type { Transaction } from '../telemetry/database';
import { leafOfAnomaly } from './record';
import { EvidenceOutbox } from './schema';

/** Adds the leaves of freshly stored `anomalies` to the outbox, within `tx`. */
export async function enqueueEvidence(
  tx: Transaction,
  anomalies: readonly Anomaly[],
): Promise<void> {
  if (anomalies.length === 0) return;
  const enqueuedAt = new Date();
  await tx
    .insert(EvidenceOutbox)
    .values(
      anomalies.map((anomaly) => ({
        anomalyId: anomaly.id,
        leaf: hexToBytes(leafOfAnomaly(anomaly)),
        enqueuedAt,
      })),
    )
    .onConflictDoNothing();
}
