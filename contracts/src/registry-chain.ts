/**
 * One local EVM chain with a deployed EvidenceRegistry, handed to every server process it serves
 * through CHAIN_RPC_URL / EVIDENCE_CONTRACT / CHAIN_KEY (the chaos scenarios, the ingest
 * benchmark). Without it each server start would boot an embedded Hardhat node of its own (seconds
 * of CPU per start), which is not how production starts.
 */

import { type Address, createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployEvidenceRegistry } from './deploy';
import { startLocalChain } from './local-chain';

export type RegistryChain = {
  env: Record<string, string>;
  /** The node's JSON-RPC endpoint. */
  url: string;
  /**
   * Deploys another EvidenceRegistry (same admin and anchorer), so a caller can count what was
   * anchored on a registry of its own. Call it while no server is sending from the same account.
   */
  deployRegistry(): Promise<Address>;
  stop(): Promise<void>;
};

/** Starts the node, deploys the registry with the first dev account as admin and anchorer. */
export async function startRegistryChain(): Promise<RegistryChain> {
  const node = await startLocalChain();
  try {
    const signer = node.accounts[0];
    if (signer === undefined) throw new Error('local chain has no accounts');
    const chain = defineChain({
      id: node.chainId,
      name: 'local',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    });
    const account = privateKeyToAccount(signer.privateKey);
    const transport = http(node.url);
    const deployRegistry = () =>
      deployEvidenceRegistry(
        createWalletClient({ account, chain, transport }),
        createPublicClient({ chain, transport, pollingInterval: 100 }),
        { admin: account.address, anchorer: account.address },
      );
    const registry = await deployRegistry();
    return {
      env: { CHAIN_RPC_URL: node.url, EVIDENCE_CONTRACT: registry, CHAIN_KEY: signer.privateKey },
      url: node.url,
      deployRegistry,
      stop: () => node.stop(),
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}
