import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { evidenceRegistryAbi, evidenceRegistryBytecode } from './abi';

/** Raised when the deployment transaction did not leave a contract behind. */
export class EvidenceRegistryDeployError extends Error {
  override readonly name = 'EvidenceRegistryDeployError';
}

/** Who holds which role in a new registry. */
export type EvidenceRegistryRoles = {
  /** Grants and revokes roles. */
  admin: Address;
  /** May anchor batches from the start (the server's signing account). */
  anchorer: Address;
};

/**
 * Deploys EvidenceRegistry from the committed bytecode (no Hardhat needed) and waits for the
 * receipt, so the returned address holds code.
 *
 * @param walletClient Sends the deployment; must carry an account.
 * @param publicClient Waits for the receipt on the same chain.
 * @returns The address of the new registry.
 * @throws EvidenceRegistryDeployError when the deployment reverted or created no contract.
 */
export async function deployEvidenceRegistry(
  walletClient: WalletClient<Transport, Chain | undefined, Account>,
  publicClient: PublicClient,
  { admin, anchorer }: EvidenceRegistryRoles,
): Promise<Address> {
  const hash = await walletClient.deployContract({
    abi: evidenceRegistryAbi,
    bytecode: evidenceRegistryBytecode,
    args: [admin, anchorer],
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new EvidenceRegistryDeployError(
      `EvidenceRegistry deployment ${hash} failed (status ${receipt.status})`,
    );
  }
  return receipt.contractAddress;
}
