/**
 * Reading evidence back: where each anomaly's leaf stands (waiting, anchored), its full proof,
 * and a live check against the chain — the recomputed leaf, folded up its proof, must give the
 * root the contract holds, and the contract's own `verify` must agree.
 */
import { evidenceRegistryAbi } from '@vigil/contracts/abi';
import { and, desc, eq, inArray } from 'drizzle-orm';
import {
  type Address,
  BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  concat,
  type Hex,
  keccak256,
} from 'viem';
import { Anomalies } from '../detection/schema';
import { NotFoundError, ServiceUnavailableError } from '../errors';
import type { Database } from '../telemetry/database';
import type { EvidenceChain } from './chain';
import { leafOfAnomaly } from './record';
import { EvidenceBatches, EvidenceOutbox, EvidenceProofs } from './schema';

/** Where an anomaly's evidence stands, for lists. */
export type EvidenceView = {
  status: 'pending' | 'anchored';
  /** The contract's batch id. */
  batchId: string | null;
  root: string | null;
  txHash: string | null;
  blockNumber: number | null;
};

/** Everything needed to verify one anomaly's evidence independently. */
export type EvidenceDetail = EvidenceView & {
  anomalyId: string;
  /** The leaf recomputed from the stored record and raw payload now. */
  leaf: Hex;
  proof: Hex[];
  chainId: number | null;
  contractAddress: string | null;
};

export type VerifyResult = {
  verified: boolean;
  recomputedRoot: string;
  onChainRoot: string | null;
  txHash: string | null;
  blockNumber: number | null;
  detail: string;
};

export type EvidenceQueries = ReturnType<typeof createEvidenceQueries>;

/**
 * Evidence lookups over `database`; `currentChain` answers the on-chain checks (null while the
 * chain is unreachable or still starting).
 */
export function createEvidenceQueries(
  database: Database,
  currentChain: () => EvidenceChain | null,
) {
  const { db } = database;

  /** The latest anchored batch holding each of `ids`. */
  async function anchoredFor(ids: readonly bigint[]) {
    if (ids.length === 0)
      return new Map<bigint, { batch: typeof EvidenceBatches.$inferSelect; proof: Hex[] }>();
    const rows = await db
      .select({
        anomalyId: EvidenceProofs.anomalyId,
        proof: EvidenceProofs.proof,
        batch: EvidenceBatches,
      })
      .from(EvidenceProofs)
      .innerJoin(EvidenceBatches, eq(EvidenceBatches.id, EvidenceProofs.batchId))
      .where(
        and(inArray(EvidenceProofs.anomalyId, [...ids]), eq(EvidenceBatches.status, 'anchored')),
      )
      .orderBy(desc(EvidenceBatches.id));
    const found = new Map<bigint, { batch: typeof EvidenceBatches.$inferSelect; proof: Hex[] }>();
    for (const row of rows) {
      if (!found.has(row.anomalyId))
        found.set(row.anomalyId, { batch: row.batch, proof: row.proof as Hex[] });
    }
    return found;
  }

  async function views(ids: readonly bigint[]): Promise<Map<bigint, EvidenceView>> {
    const result = new Map<bigint, EvidenceView>();
    if (ids.length === 0) return result;
    for (const [id, { batch }] of await anchoredFor(ids)) result.set(id, anchoredView(batch));
    const waiting = await db
      .select({ anomalyId: EvidenceOutbox.anomalyId })
      .from(EvidenceOutbox)
      .where(inArray(EvidenceOutbox.anomalyId, [...ids]));
    for (const { anomalyId } of waiting) {
      if (!result.has(anomalyId)) {
        result.set(anomalyId, {
          status: 'pending',
          batchId: null,
          root: null,
          txHash: null,
          blockNumber: null,
        });
      }
    }
    return result;
  }

  async function detail(anomalyId: bigint): Promise<EvidenceDetail> {
    const [anomaly] = await db.select().from(Anomalies).where(eq(Anomalies.id, anomalyId));
    if (anomaly === undefined) throw new NotFoundError(`no anomaly ${anomalyId}`);
    const leaf = leafOfAnomaly(anomaly);
    const anchored = (await anchoredFor([anomalyId])).get(anomalyId);
    if (anchored === undefined) {
      return {
        anomalyId: anomalyId.toString(),
        ...((await views([anomalyId])).get(anomalyId) ?? {
          status: 'pending',
          batchId: null,
          root: null,
          txHash: null,
          blockNumber: null,
        }),
        leaf,
        proof: [],
        chainId: null,
        contractAddress: null,
      };
    }
    return {
      anomalyId: anomalyId.toString(),
      ...anchoredView(anchored.batch),
      leaf,
      proof: anchored.proof,
      chainId: anchored.batch.chainId,
      contractAddress: anchored.batch.contractAddress,
    };
  }

  return {
    /** Evidence status per anomaly id (absent: neither waiting nor anchored). */
    views,
    /** The full evidence of one anomaly. @throws NotFoundError */
    detail,

    /**
     * Checks one anomaly's evidence against the chain now.
     * @throws NotFoundError when the anomaly does not exist.
     */
    async verify(anomalyId: bigint): Promise<VerifyResult> {
      const evidence = await detail(anomalyId);
      const recomputedRoot = foldProof(evidence.leaf, evidence.proof);
      const base = { recomputedRoot, txHash: evidence.txHash, blockNumber: evidence.blockNumber };
      if (evidence.status !== 'anchored' || evidence.batchId === null) {
        return { ...base, verified: false, onChainRoot: null, detail: 'not anchored yet' };
      }
      const chain = currentChain();
      if (chain === null) {
        throw new ServiceUnavailableError('the chain is not connected; try again later');
      }
      if (evidence.chainId !== chain.chainId || evidence.contractAddress !== chain.registry) {
        return {
          ...base,
          verified: false,
          onChainRoot: null,
          detail: `anchored on chain ${evidence.chainId} at ${evidence.contractAddress}, which this server is not connected to`,
        };
      }
      const batchId = BigInt(evidence.batchId);
      const registry = chain.registry as Address;
      const answers = await Promise.all([
        chain.publicClient.readContract({
          address: registry,
          abi: evidenceRegistryAbi,
          functionName: 'batch',
          args: [batchId],
        }),
        chain.publicClient.readContract({
          address: registry,
          abi: evidenceRegistryAbi,
          functionName: 'verify',
          args: [batchId, evidence.leaf, evidence.proof],
        }),
      ]).catch((error: Error) => {
        // A revert is the chain's answer (it does not hold the batch); anything else is no answer.
        const reverted =
          error instanceof BaseError &&
          error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
        if (reverted) return null;
        throw new ServiceUnavailableError(`the chain did not answer: ${error.message}`);
      });
      if (answers === null) {
        return {
          ...base,
          verified: false,
          onChainRoot: null,
          detail: `MISSING: chain ${chain.chainId} holds no batch ${batchId} at ${chain.registry}`,
        };
      }
      const [onChain, verified] = answers;
      return {
        ...base,
        verified,
        onChainRoot: onChain.root,
        detail: verified
          ? `the stored record and raw payload match batch ${batchId} on chain ${chain.chainId}`
          : 'TAMPERED: the record or raw payload no longer matches the root anchored on chain',
      };
    },
  };
}

function anchoredView(batch: typeof EvidenceBatches.$inferSelect): EvidenceView {
  return {
    status: 'anchored',
    batchId: batch.chainBatchId === null ? null : String(batch.chainBatchId),
    root: bytesToHex(batch.root),
    txHash: batch.txHash,
    blockNumber: batch.blockNumber,
  };
}

/** The root a leaf and proof lead to, folding sorted pairs as OpenZeppelin's MerkleProof does. */
export function foldProof(leaf: Hex, proof: readonly Hex[]): Hex {
  let node = leaf.toLowerCase() as Hex;
  for (const sibling of proof) {
    const other = sibling.toLowerCase() as Hex;
    node = keccak256(node < other ? concat([node, other]) : concat([other, node]));
  }
  return node;
}
