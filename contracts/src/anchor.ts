import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from 'viem';
import { evidenceRegistryAbi } from './abi';

/** Raised when an anchor transaction was mined but did not record the batch. */
export class AnchorError extends Error {
  override readonly name = 'AnchorError';
}

/** What `EvidenceRegistry.anchor` takes. */
export type AnchorRequest = { root: Hex; leafCount: number; metaHash: Hex };

/** Where a batch landed on chain. */
export type AnchoredBatch = {
  batchId: bigint;
  txHash: Hash;
  blockNumber: bigint;
  gasUsed: bigint;
};

/**
 * Anchors one batch and waits for its receipt. The contract refuses a root it already holds
 * (`EvidenceRegistryRootExists`), so a caller recovering from a crash should first ask
 * `batchIdOf(root)` rather than resend.
 *
 * @throws AnchorError when the transaction reverted or emitted no BatchAnchored event.
 */
export async function anchorRoot(
  walletClient: WalletClient<Transport, Chain | undefined, Account>,
  publicClient: PublicClient,
  registry: Address,
  { root, leafCount, metaHash }: AnchorRequest,
): Promise<AnchoredBatch> {
  const txHash = await walletClient.writeContract({
    address: registry,
    abi: evidenceRegistryAbi,
    functionName: 'anchor',
    args: [root, leafCount, metaHash],
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== 'success') {
    throw new AnchorError(`anchor transaction ${txHash} reverted`);
  }
  const [event] = parseEventLogs({
    abi: evidenceRegistryAbi,
    eventName: 'BatchAnchored',
    logs: receipt.logs,
  });
  if (!event) throw new AnchorError(`anchor transaction ${txHash} emitted no BatchAnchored`);
  return {
    batchId: event.args.batchId,
    txHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  };
}

/**
 * Looks up the batch that holds `root`: the question to ask after a crash between sending an
 * anchor transaction and recording its outcome, before sending it again.
 *
 * @returns The batch id, or undefined when the root has never been anchored.
 */
export async function findBatchId(
  publicClient: PublicClient,
  registry: Address,
  root: Hex,
): Promise<bigint | undefined> {
  const batchId = await publicClient.readContract({
    address: registry,
    abi: evidenceRegistryAbi,
    functionName: 'batchIdOf',
    args: [root],
  });
  return batchId === 0n ? undefined : batchId;
}
