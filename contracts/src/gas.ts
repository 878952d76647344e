import {
  type Account,
  type Chain,
  type PublicClient,
  stringToBytes,
  type Transport,
  type WalletClient,
} from 'viem';
import { anchorRoot } from './anchor';
import { deployEvidenceRegistry } from './deploy';
import { buildEvidenceTree, hashLeaf } from './merkle';

/** Gas of one `anchor` call for a batch of a given size. */
export type AnchorGas = {
  batchSize: number;
  /** Gas used by the whole transaction. */
  gasUsed: bigint;
  /** `gasUsed / batchSize`: what anchoring costs per anomaly. */
  gasPerAnomaly: number;
};

export type AnchorGasReport = {
  /** The very first batch of a registry also pays for initialising the batch counter. */
  firstBatchGasUsed: bigint;
  /** One entry per requested size, measured after the first batch (the steady state). */
  batches: AnchorGas[];
};

/**
 * Measures what anchoring costs: deploys a fresh EvidenceRegistry (the wallet's account as admin
 * and anchorer), anchors a warm-up batch, then one real Merkle batch per size and reads the gas
 * each receipt reports. The leaves are distinct probe records, hashed like real evidence.
 */
export async function measureAnchorGas(
  walletClient: WalletClient<Transport, Chain | undefined, Account>,
  publicClient: PublicClient,
  batchSizes: readonly number[] = [1, 100, 1000],
): Promise<AnchorGasReport> {
  const me = walletClient.account.address;
  const registry = await deployEvidenceRegistry(walletClient, publicClient, {
    admin: me,
    anchorer: me,
  });
  const anchorProbe = async (label: string, size: number) => {
    const leaves = Array.from({ length: size }, (_, i) =>
      hashLeaf(stringToBytes(`gas probe ${label}/${i}`)),
    );
    const tree = buildEvidenceTree(leaves);
    const metaHash = hashLeaf(stringToBytes(`gas probe ${label}`));
    return anchorRoot(walletClient, publicClient, registry, {
      root: tree.root,
      leafCount: tree.leafCount,
      metaHash,
    });
  };

  const first = await anchorProbe('warm-up', 1);
  const batches: AnchorGas[] = [];
  for (const batchSize of batchSizes) {
    const { gasUsed } = await anchorProbe(`size ${batchSize}`, batchSize);
    batches.push({ batchSize, gasUsed, gasPerAnomaly: Number(gasUsed) / batchSize });
  }
  return { firstBatchGasUsed: first.gasUsed, batches };
}
