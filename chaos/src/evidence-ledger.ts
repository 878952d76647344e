/**
 * Counting what became of anomalies, from the database and the chain: how many were anchored
 * exactly once, more than once or not at all, whether a leaf sits in two batches, whether every
 * batch the database calls anchored is on chain under its recorded id, and whether the chain holds
 * anything the database does not (an anchor sent twice would show there) — then the evidence audit
 * the `evidence:audit` task runs, called as a library.
 */
import { evidenceRegistryAbi } from '@vigil/contracts/abi';
import { auditEvidence } from '@vigil/contracts/audit';
import { SQL } from 'bun';
import type postgres from 'postgres';
import { type Address, createPublicClient, type Hex, http } from 'viem';

export type EvidenceLedger = {
  anomalies: number;
  /** Anomalies by type, e.g. "spike 150, freeze 3". */
  types: string;
  /**
   * Stored out-of-range readings; those without any anomaly (never scored: detection runs after
   * the readings commit, so a kill in between loses it); those with an anomaly of another type.
   */
  spikeReadings: number;
  undetectedSpikes: number;
  spikesOfOtherType: number;
  /** Anomaly rows beyond one per (device, boot, seq, type). */
  doublyDetected: number;
  /** Anomalies with exactly one leaf in an anchored batch, more than one, none. */
  anchored: number;
  doublyAnchored: number;
  unanchored: number;
  /** Leaves found in more than one anchored batch. */
  leavesInTwoBatches: number;
  anchoredBatches: number;
  /** Anchored batches whose root the chain does not hold under the recorded batch id. */
  batchesNotOnChain: number;
  /** BatchAnchored events of the registry, and the leaves they declare. */
  chainBatches: number;
  chainLeaves: number;
  audit: { ok: number; tampered: number; missing: number; notYetAnchored: number; failed: boolean };
};

/** Anchored leaves and waiting outbox entries right now (for the drain timeline). */
export async function anchorProgress(
  sql: postgres.Sql,
): Promise<{ anchored: number; waiting: number }> {
  const [row] = await sql`
    SELECT (SELECT count(*) FROM evidence_proofs p JOIN evidence_batches b ON b.id = p.batch_id
            WHERE b.status = 'anchored')::int AS anchored,
           (SELECT count(*) FROM evidence_outbox)::int AS waiting`;
  return { anchored: Number(row?.anchored ?? 0), waiting: Number(row?.waiting ?? 0) };
}

/** Batches recorded but not settled (a kill now lands between planning and recording). */
export async function pendingBatches(
  sql: postgres.Sql,
): Promise<{ planned: number; sent: number }> {
  const [row] = await sql`
    SELECT count(*)::int AS planned, count(tx_hash)::int AS sent
    FROM evidence_batches WHERE status = 'pending'`;
  return { planned: Number(row?.planned ?? 0), sent: Number(row?.sent ?? 0) };
}

export async function evidenceLedger(
  sql: postgres.Sql,
  databaseUrl: string,
  chainUrl: string,
  registry: Address,
): Promise<EvidenceLedger> {
  const [counts] = await sql`
    WITH per_anomaly AS (
      SELECT a.id, count(p.batch_id) AS batches
      FROM anomalies a
      LEFT JOIN evidence_proofs p ON p.anomaly_id = a.id
        AND p.batch_id IN (SELECT id FROM evidence_batches WHERE status = 'anchored')
      GROUP BY a.id
    ),
    spikes AS (
      SELECT r.device_id, r.boot, r.seq FROM readings r
      WHERE (r.metrics->>'temperature')::float8 >= 480
    )
    SELECT
      (SELECT count(*) FROM anomalies)::int AS anomalies,
      (SELECT count(*) FROM spikes)::int AS spike_readings,
      (SELECT count(*) FROM spikes s WHERE NOT EXISTS (
         SELECT 1 FROM anomalies a WHERE a.device_id = s.device_id AND a.reading_boot = s.boot
           AND a.reading_seq = s.seq))::int AS undetected,
      (SELECT count(*) FROM spikes s WHERE EXISTS (
         SELECT 1 FROM anomalies a WHERE a.device_id = s.device_id AND a.reading_boot = s.boot
           AND a.reading_seq = s.seq) AND NOT EXISTS (
         SELECT 1 FROM anomalies a WHERE a.device_id = s.device_id AND a.reading_boot = s.boot
           AND a.reading_seq = s.seq AND a.type = 'spike'))::int AS other_type,
      (SELECT coalesce(sum(n - 1), 0) FROM (
         SELECT count(*) AS n FROM anomalies
         GROUP BY device_id, reading_boot, reading_seq, type HAVING count(*) > 1) d)::int AS doubly_detected,
      (SELECT count(*) FROM per_anomaly WHERE batches = 1)::int AS anchored,
      (SELECT count(*) FROM per_anomaly WHERE batches > 1)::int AS doubly_anchored,
      (SELECT count(*) FROM per_anomaly WHERE batches = 0)::int AS unanchored,
      (SELECT count(*) FROM (
         SELECT p.leaf FROM evidence_proofs p JOIN evidence_batches b ON b.id = p.batch_id
         WHERE b.status = 'anchored' GROUP BY p.leaf HAVING count(DISTINCT p.batch_id) > 1) l
      )::int AS leaves_in_two`;
  const types = await sql<{ type: string; n: number }[]>`
    SELECT type, count(*)::int AS n FROM anomalies GROUP BY type ORDER BY n DESC`;
  const batches = await sql<{ root: Buffer; chain_batch_id: string }[]>`
    SELECT root, chain_batch_id::text FROM evidence_batches
    WHERE status = 'anchored' AND contract_address = ${registry.toLowerCase()}`;
  const client = createPublicClient({ transport: http(chainUrl) });
  let notOnChain = 0;
  for (const batch of batches) {
    const onChain = await client.readContract({
      address: registry,
      abi: evidenceRegistryAbi,
      functionName: 'batchIdOf',
      args: [`0x${Buffer.from(batch.root).toString('hex')}` as Hex],
    });
    if (onChain.toString() !== batch.chain_batch_id) notOnChain += 1;
  }
  const events = await client.getContractEvents({
    address: registry,
    abi: evidenceRegistryAbi,
    eventName: 'BatchAnchored',
    fromBlock: 0n,
    strict: true,
  });
  const chainLeaves = events.reduce((n, e) => n + Number(e.args.leafCount ?? 0), 0);

  const db = new SQL({ url: databaseUrl, max: 1 });
  let audit: EvidenceLedger['audit'];
  try {
    const report = await auditEvidence(
      db,
      { publicClient: client, chainId: await client.getChainId() },
      {},
    );
    audit = {
      ok: report.counts.OK,
      tampered: report.counts.TAMPERED,
      missing: report.counts.MISSING,
      notYetAnchored: report.counts['NOT YET ANCHORED'],
      failed: report.failed,
    };
  } finally {
    await db.close();
  }
  return {
    anomalies: Number(counts?.anomalies ?? 0),
    types: types.map((t) => `${t.type} ${t.n}`).join(', ') || 'none',
    spikeReadings: Number(counts?.spike_readings ?? 0),
    undetectedSpikes: Number(counts?.undetected ?? 0),
    spikesOfOtherType: Number(counts?.other_type ?? 0),
    doublyDetected: Number(counts?.doubly_detected ?? 0),
    anchored: Number(counts?.anchored ?? 0),
    doublyAnchored: Number(counts?.doubly_anchored ?? 0),
    unanchored: Number(counts?.unanchored ?? 0),
    leavesInTwoBatches: Number(counts?.leaves_in_two ?? 0),
    anchoredBatches: batches.length,
    batchesNotOnChain: notOnChain,
    chainBatches: events.length,
    chainLeaves,
    audit,
  };
}
