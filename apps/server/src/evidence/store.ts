/**
 * The evidence outbox and batches in the database. A batch is planned (root and members written)
 * before its transaction is sent and recorded once the chain confirms it, so the database always
 * says which leaves might be on chain and under which root.
 */
import { buildEvidenceTree, type EvidenceTree } from '@vigil/contracts/merkle';
import { and, asc, count, desc, eq, inArray, isNull, min, ne, sql } from 'drizzle-orm';
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, stringToBytes } from 'viem';
import { Anomalies } from '../detection/schema';
import type { Database } from '../telemetry/database';
import { type EvidenceBatch, EvidenceBatches, EvidenceOutbox, EvidenceProofs } from './schema';

/** Where batches go: one registry contract on one chain. */
export type Registry = { chainId: number; address: Address };

/** A planned batch with its members (anomaly ids and leaves, in tree order). */
export type PlannedBatch = {
  batch: EvidenceBatch;
  anomalyIds: bigint[];
  /** The device of each member. */
  deviceIds: string[];
  tree: EvidenceTree;
};

/** Where the chain put a batch. */
export type Confirmation = {
  chainBatchId: bigint;
  txHash: Hex;
  blockNumber: bigint;
};

/** Raised when stored batch members no longer produce the stored root (edited outbox rows). */
export class EvidenceStoreError extends Error {
  override readonly name = 'EvidenceStoreError';
}

export type EvidenceStore = ReturnType<typeof createEvidenceStore>;

/** The batch and outbox operations of one registry. */
export function createEvidenceStore(database: Database, registry: Registry) {
  const { db } = database;
  const onRegistry = and(
    eq(EvidenceBatches.chainId, registry.chainId),
    eq(EvidenceBatches.contractAddress, registry.address),
  );

  /** Loads a batch's members from the outbox and checks they still make its root. */
  async function withMembers(batch: EvidenceBatch): Promise<PlannedBatch> {
    const rows = await db
      .select({
        anomalyId: EvidenceOutbox.anomalyId,
        leaf: EvidenceOutbox.leaf,
        deviceId: Anomalies.deviceId,
      })
      .from(EvidenceOutbox)
      .innerJoin(Anomalies, eq(Anomalies.id, EvidenceOutbox.anomalyId))
      .where(eq(EvidenceOutbox.batchId, batch.id))
      .orderBy(asc(EvidenceOutbox.anomalyId));
    if (rows.length === 0) throw new EvidenceStoreError(`batch ${batch.id} has no members left`);
    const tree = buildEvidenceTree(rows.map((row) => bytesToHex(row.leaf)));
    if (tree.root !== bytesToHex(batch.root)) {
      throw new EvidenceStoreError(`batch ${batch.id}: its members no longer make its root`);
    }
    return {
      batch,
      anomalyIds: rows.map((row) => row.anomalyId),
      deviceIds: rows.map((row) => row.deviceId),
      tree,
    };
  }

  return {
    /** The oldest batch of this registry whose outcome is not recorded yet. */
    async pendingBatch(): Promise<PlannedBatch | null> {
      const [batch] = await db
        .select()
        .from(EvidenceBatches)
        .where(and(onRegistry, eq(EvidenceBatches.status, 'pending')))
        .orderBy(asc(EvidenceBatches.id))
        .limit(1);
      return batch === undefined ? null : withMembers(batch);
    },

    /**
     * Takes up to `maxLeaves` waiting leaves into a new pending batch, when there are that many or
     * the oldest has waited `maxWaitMs`; null when nothing is due. Rows another replica is
     * planning are skipped, so two planners never share a leaf.
     */
    async planBatch(maxLeaves: number, maxWaitMs: number, now = new Date()) {
      return database.transaction(async (tx): Promise<PlannedBatch | null> => {
        const rows = await tx
          .select({
            anomalyId: EvidenceOutbox.anomalyId,
            leaf: EvidenceOutbox.leaf,
            enqueuedAt: EvidenceOutbox.enqueuedAt,
            deviceId: Anomalies.deviceId,
          })
          .from(EvidenceOutbox)
          .innerJoin(Anomalies, eq(Anomalies.id, EvidenceOutbox.anomalyId))
          .where(isNull(EvidenceOutbox.batchId))
          .orderBy(asc(EvidenceOutbox.anomalyId))
          .limit(maxLeaves)
          .for('update', { of: EvidenceOutbox, skipLocked: true });
        if (rows.length === 0) return null;
        const oldest = Math.min(...rows.map((row) => row.enqueuedAt.getTime()));
        if (rows.length < maxLeaves && now.getTime() - oldest < maxWaitMs) return null;
        const tree = buildEvidenceTree(rows.map((row) => bytesToHex(row.leaf)));
        const anomalyIds = rows.map((row) => row.anomalyId);
        const [batch] = await tx
          .insert(EvidenceBatches)
          .values({
            chainId: registry.chainId,
            contractAddress: registry.address,
            root: hexToBytes(tree.root),
            leafCount: tree.leafCount,
            metaHash: hexToBytes(batchMetaHash(anomalyIds)),
            createdAt: now,
          })
          .returning();
        if (batch === undefined) throw new EvidenceStoreError('batch insert returned nothing');
        await tx
          .update(EvidenceOutbox)
          .set({ batchId: batch.id })
          .where(inArray(EvidenceOutbox.anomalyId, anomalyIds));
        return { batch, anomalyIds, deviceIds: rows.map((row) => row.deviceId), tree };
      });
    },

    /** Remembers the transaction sent for a batch, before waiting for its receipt. */
    async setTxHash(batchId: number, txHash: Hex): Promise<void> {
      await db.update(EvidenceBatches).set({ txHash }).where(eq(EvidenceBatches.id, batchId));
    },

    /**
     * Records a confirmed batch: proofs for every member, the batch anchored, its leaves out of
     * the outbox — in one transaction. Idempotent: false when the batch was already recorded.
     */
    async recordAnchored(planned: PlannedBatch, at: Confirmation, now = new Date()) {
      return database.transaction(async (tx) => {
        const updated = await tx
          .update(EvidenceBatches)
          .set({
            status: 'anchored',
            chainBatchId: Number(at.chainBatchId),
            txHash: at.txHash,
            blockNumber: Number(at.blockNumber),
            anchoredAt: now,
          })
          .where(
            and(eq(EvidenceBatches.id, planned.batch.id), eq(EvidenceBatches.status, 'pending')),
          )
          .returning({ id: EvidenceBatches.id });
        if (updated.length === 0) return false;
        const proofs = planned.anomalyIds.map((anomalyId, index) => ({
          anomalyId,
          batchId: planned.batch.id,
          leaf: hexToBytes(planned.tree.leaves[index] as Hex),
          proof: planned.tree.proof(index),
        }));
        // Chunked: a 1,000-leaf batch stays well under PostgreSQL's bind-parameter limit anyway,
        // but batch size is configuration.
        for (let i = 0; i < proofs.length; i += 2000) {
          await tx
            .insert(EvidenceProofs)
            .values(proofs.slice(i, i + 2000))
            .onConflictDoNothing();
        }
        await tx.delete(EvidenceOutbox).where(eq(EvidenceOutbox.batchId, planned.batch.id));
        return true;
      });
    },

    /** Leaves waiting for a batch or in a pending one. */
    async backlog(): Promise<{ leaves: number; oldest: Date | null }> {
      const [row] = await db
        .select({ leaves: count(), oldest: min(EvidenceOutbox.enqueuedAt) })
        .from(EvidenceOutbox);
      return { leaves: row?.leaves ?? 0, oldest: row?.oldest ?? null };
    },

    /** The root of this registry's most recently anchored batch, if any. */
    async latestAnchoredRoot(): Promise<Hex | null> {
      const [row] = await db
        .select({ root: EvidenceBatches.root })
        .from(EvidenceBatches)
        .where(and(onRegistry, eq(EvidenceBatches.status, 'anchored')))
        .orderBy(desc(EvidenceBatches.id))
        .limit(1);
      return row === undefined ? null : bytesToHex(row.root);
    },

    /** Other registries on this chain that batches were sent to. */
    async otherRegistriesOnChain(): Promise<Address[]> {
      const rows = await db
        .selectDistinct({ address: EvidenceBatches.contractAddress })
        .from(EvidenceBatches)
        .where(
          and(
            eq(EvidenceBatches.chainId, registry.chainId),
            ne(EvidenceBatches.contractAddress, registry.address),
            ne(EvidenceBatches.status, 'lost'),
          ),
        );
      return rows.map((row) => row.address as Address);
    },

    /**
     * Declares every batch of `address` on this chain lost (the chain no longer holds them) and
     * puts their anomalies back into the outbox with the leaves they were anchored with, unless
     * another registry still holds them. Returns how many anomalies wait to be anchored again.
     */
    async forgetRegistry(address: Address): Promise<number> {
      return database.transaction(async (tx) => {
        const lost = await tx
          .update(EvidenceBatches)
          .set({ status: 'lost' })
          .where(
            and(
              eq(EvidenceBatches.chainId, registry.chainId),
              eq(EvidenceBatches.contractAddress, address),
              ne(EvidenceBatches.status, 'lost'),
            ),
          )
          .returning({ id: EvidenceBatches.id });
        if (lost.length === 0) return 0;
        const lostIds = lost.map((row) => row.id);
        // Pending batches never made it: their leaves simply wait for a new batch.
        await tx
          .update(EvidenceOutbox)
          .set({ batchId: null })
          .where(inArray(EvidenceOutbox.batchId, lostIds));
        await tx.execute(sql`
          insert into evidence_outbox (anomaly_id, leaf, enqueued_at)
          select distinct on (p.anomaly_id) p.anomaly_id, p.leaf, now()
          from evidence_proofs p
          join anomalies a on a.id = p.anomaly_id
          where p.batch_id in ${lostIds}
            and not exists (
              select 1 from evidence_proofs held
              join evidence_batches b on b.id = held.batch_id
              where held.anomaly_id = p.anomaly_id and b.status = 'anchored')
          order by p.anomaly_id, p.batch_id desc
          on conflict (anomaly_id) do nothing`);
        const [waiting] = await tx
          .select({ n: count() })
          .from(EvidenceOutbox)
          .where(isNull(EvidenceOutbox.batchId));
        return waiting?.n ?? 0;
      });
    },
  };
}

/**
 * The batch's off-chain metadata hash: the record format and its anomaly ids, so the chain
 * entry names which rows it covers.
 */
function batchMetaHash(anomalyIds: readonly bigint[]): Hex {
  return keccak256(stringToBytes(`vigil-evidence/1 anomalies ${anomalyIds.join(',')}`));
}
