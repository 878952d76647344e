/**
 * The evidence audit: recompute every anomaly's leaf from the stored row and raw payload, and
 * check it against the root anchored on chain. Each anomaly is reported as
 *
 * - OK: the recomputed leaf verifies on chain against its batch;
 * - TAMPERED: it does not — the row, the raw payload or the stored proof was changed since;
 * - MISSING: evidence that should exist does not (the anomaly row was deleted, no evidence was
 *   ever recorded for it, or the chain does not hold its batch);
 * - NOT YET ANCHORED: its leaf is still waiting in the outbox.
 */
import type { SQL } from 'bun';
import type { Address, Hex, PublicClient } from 'viem';
import { evidenceRegistryAbi } from './abi';
import { type AuditScope, readStoredAnomalies, type StoredAnomaly } from './audit-source';
import { evidenceLeaf } from './evidence-leaf';

export type { AuditScope } from './audit-source';

export const AUDIT_STATUSES = ['OK', 'TAMPERED', 'MISSING', 'NOT YET ANCHORED'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

export type AuditFinding = {
  anomalyId: bigint;
  status: AuditStatus;
  /** Why, in words an auditor can act on. */
  detail: string;
  /** The contract's batch id, when the anomaly was anchored. */
  batchId: bigint | null;
};

export type AuditReport = {
  findings: AuditFinding[];
  counts: Record<AuditStatus, number>;
  /** True when anything is TAMPERED or MISSING: the CLI exits non-zero. */
  failed: boolean;
};

export type AuditChain = { publicClient: PublicClient; chainId: number };

/** Audits the anomalies in `scope` against `chain`. */
export async function auditEvidence(
  db: SQL,
  chain: AuditChain,
  scope: AuditScope,
): Promise<AuditReport> {
  const stored = await readStoredAnomalies(db, scope);
  const batches = new Map<string, Promise<string | null>>();
  const findings: AuditFinding[] = [];
  for (const anomaly of stored) findings.push(await auditOne(anomaly, chain, batches));
  const counts = Object.fromEntries(AUDIT_STATUSES.map((s) => [s, 0])) as Record<
    AuditStatus,
    number
  >;
  for (const finding of findings) counts[finding.status] += 1;
  return { findings, counts, failed: counts.TAMPERED > 0 || counts.MISSING > 0 };
}

async function auditOne(
  anomaly: StoredAnomaly,
  chain: AuditChain,
  batches: Map<string, Promise<string | null>>,
): Promise<AuditFinding> {
  const { anomalyId, anchored } = anomaly;
  const finding = (status: AuditStatus, detail: string): AuditFinding => ({
    anomalyId,
    status,
    detail,
    batchId: anchored?.chainBatchId ?? null,
  });
  if (anomaly.record === null) {
    return finding('MISSING', 'the anomaly row was deleted, but its anchored evidence remains');
  }
  if (anchored === null) {
    return anomaly.waiting
      ? finding('NOT YET ANCHORED', 'its leaf is waiting in the outbox')
      : finding('MISSING', 'no evidence was recorded for this anomaly');
  }
  if (anchored.chainId !== chain.chainId) {
    return finding(
      'MISSING',
      `anchored on chain ${anchored.chainId}, the audit reads chain ${chain.chainId}`,
    );
  }
  const key = `${anchored.contract}/${anchored.chainBatchId}`;
  let problem = batches.get(key);
  if (problem === undefined) {
    problem = batchProblem(
      chain.publicClient,
      anchored.contract,
      anchored.chainBatchId,
      anchored.root,
    );
    batches.set(key, problem);
  }
  const batchIssue = await problem;
  if (batchIssue !== null) return finding('MISSING', batchIssue);

  const leaf = evidenceLeaf(anomaly.record);
  const verified = await chain.publicClient.readContract({
    address: anchored.contract,
    abi: evidenceRegistryAbi,
    functionName: 'verify',
    args: [anchored.chainBatchId, leaf, anchored.proof],
  });
  if (verified) return finding('OK', `verified against batch ${anchored.chainBatchId}`);
  const reasons: string[] = [];
  if (anomaly.payloadSha256 !== anomaly.recordedPayloadSha256) {
    reasons.push('the raw payload no longer has its recorded SHA-256');
  }
  if (
    anomaly.readingPayloadSha256 !== null &&
    anomaly.payloadSha256 !== anomaly.readingPayloadSha256
  ) {
    reasons.push("the raw payload differs from the reading's SHA-256");
  }
  if (leaf !== anchored.leaf.toLowerCase())
    reasons.push('the record differs from the one anchored');
  else reasons.push('the stored proof was altered');
  return finding('TAMPERED', reasons.join('; '));
}

/** Why the chain cannot vouch for a batch, or null when it holds it with the stored root. */
async function batchProblem(
  client: PublicClient,
  contract: Address,
  batchId: bigint,
  root: Hex,
): Promise<string | null> {
  const code = await client.getCode({ address: contract });
  if (code === undefined || code === '0x') return `no registry at ${contract} on this chain`;
  const onChain = await client.readContract({
    address: contract,
    abi: evidenceRegistryAbi,
    functionName: 'batchIdOf',
    args: [root],
  });
  if (onChain === 0n) return `the chain holds no batch with root ${root}`;
  if (onChain !== batchId) return `root ${root} is batch ${onChain} on chain, not ${batchId}`;
  return null;
}

/** One line per finding, then a summary line, for people. */
export function formatAudit(report: AuditReport): string[] {
  const lines = report.findings.map(
    (f) =>
      `anomaly ${f.anomalyId}: ${f.status}${f.batchId === null ? '' : ` (batch ${f.batchId})`} - ${f.detail}`,
  );
  const summary = Object.entries(report.counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  lines.push(`${report.findings.length} anomalies audited: ${summary}`);
  return lines;
}
