/**
 * Sends planned batches to EvidenceRegistry and finds out what became of them. Every path asks the
 * contract first (`batchIdOf(root)`), so a batch whose transaction went out before a crash, or
 * was mined after a timeout, is recorded rather than sent again; and the contract refuses a root
 * twice, so even a racing second send cannot anchor a leaf twice.
 */
import { evidenceRegistryAbi } from '@vigil/contracts/abi';
import { findBatchId } from '@vigil/contracts/anchor';
import { BaseError, ContractFunctionRevertedError, type Hex, parseEventLogs } from 'viem';
import type { EvidenceChain } from './chain';
import type { Confirmation, PlannedBatch } from './store';

/** The anchor transaction was mined but did not record the batch. */
export class AnchorFailedError extends Error {
  override readonly name = 'AnchorFailedError';
}

export type AnchorHooks = {
  /** Called with the tx hash once sent, before waiting for the receipt (recorded by the caller). */
  sent(txHash: Hex): Promise<void>;
};

/** Where `root` was anchored, read from the chain; null when it never was. */
export async function locateBatch(chain: EvidenceChain, root: Hex): Promise<Confirmation | null> {
  const chainBatchId = await findBatchId(chain.publicClient, chain.registry, root);
  if (chainBatchId === undefined) return null;
  const [log] = await chain.publicClient.getContractEvents({
    address: chain.registry,
    abi: evidenceRegistryAbi,
    eventName: 'BatchAnchored',
    args: { batchId: chainBatchId },
    fromBlock: 0n,
    strict: true,
  });
  if (log === undefined) {
    throw new AnchorFailedError(`batch ${chainBatchId} holds root ${root} but no event was found`);
  }
  return { chainBatchId, txHash: log.transactionHash, blockNumber: log.blockNumber };
}

/**
 * Brings `planned` on chain and returns where it landed: already there (a send before a crash),
 * or sent now and confirmed.
 *
 * @throws AnchorFailedError when the transaction was mined but reverted for another reason.
 * Transport errors (chain down) propagate; the caller retries later.
 */
export async function anchorBatch(
  chain: EvidenceChain,
  planned: PlannedBatch,
  hooks: AnchorHooks,
): Promise<Confirmation> {
  const root = planned.tree.root;
  const earlier = planned.batch.txHash as Hex | null;
  if (earlier !== null) {
    const fromEarlier = await confirmationOf(chain, earlier, root).catch(() => null);
    if (fromEarlier !== null) return fromEarlier;
  }
  const existing = await locateBatch(chain, root);
  if (existing !== null) return existing;

  let txHash: Hex;
  try {
    // viem asks the node for the account's pending nonce on every send, so a restart or a
    // transaction lost in a crash never leaves the nonce out of step.
    txHash = await chain.walletClient.writeContract({
      address: chain.registry,
      abi: evidenceRegistryAbi,
      functionName: 'anchor',
      args: [root, planned.tree.leafCount, bytesHex(planned.batch.metaHash)],
    });
  } catch (error) {
    // Another sender (a replica, or our own earlier transaction) got there first.
    if (revertName(error) === 'EvidenceRegistryRootExists') {
      const raced = await locateBatch(chain, root);
      if (raced !== null) return raced;
    }
    throw error;
  }
  await hooks.sent(txHash);
  const confirmed = await confirmationOf(chain, txHash, root);
  if (confirmed === null) throw new AnchorFailedError(`anchor transaction ${txHash} reverted`);
  return confirmed;
}

/** Waits for `txHash` and reads the batch it anchored for `root`; null when it reverted. */
async function confirmationOf(
  chain: EvidenceChain,
  txHash: Hex,
  root: Hex,
): Promise<Confirmation | null> {
  const receipt = await chain.publicClient.waitForTransactionReceipt({
    hash: txHash,
    timeout: 60_000,
  });
  if (receipt.status !== 'success') return null;
  const event = parseEventLogs({
    abi: evidenceRegistryAbi,
    eventName: 'BatchAnchored',
    logs: receipt.logs,
  }).find((log) => log.args.root.toLowerCase() === root.toLowerCase());
  if (event === undefined) return null;
  return { chainBatchId: event.args.batchId, txHash, blockNumber: receipt.blockNumber };
}

function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

function bytesHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
