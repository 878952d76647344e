/**
 * The chain evidence is anchored on: any EVM JSON-RPC endpoint with a deployed EvidenceRegistry
 * (production), or — the embedded default — a local Hardhat node started here with the registry
 * deployed on it. Only viem clients leave this file; nothing else knows which one it is.
 */
import { deployEvidenceRegistry } from '@vigil/contracts/deploy';
import { startLocalChain } from '@vigil/contracts/local-chain';
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export type EvidenceChain = {
  chainId: number;
  /** The EvidenceRegistry address, lower-case. */
  registry: Address;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The JSON-RPC endpoint, for logs. */
  url: string;
  /** True for the local node this process started (in memory: a restart is a new, empty chain). */
  embedded: boolean;
  close(): Promise<void>;
};

/** The chain cannot be used: unreachable, no registry at the address, bad key. */
export class EvidenceChainError extends Error {
  override readonly name = 'EvidenceChainError';
  /** True when the endpoint did not answer (worth retrying); false for a wrong configuration. */
  readonly unreachable: boolean;
  constructor(message: string, options: { unreachable?: boolean } = {}) {
    super(message);
    this.unreachable = options.unreachable ?? false;
  }
}

export type ChainOptions = {
  rpcUrl: string;
  registry: Address;
  privateKey: Hex;
  /** How often receipts are polled for; a local chain mines at once, so keep it short there. */
  pollingMs?: number;
};

/**
 * Connects to a chain where EvidenceRegistry is already deployed.
 *
 * @throws EvidenceChainError when the endpoint does not answer or the address holds no code.
 */
export async function connectEvidenceChain(options: ChainOptions): Promise<EvidenceChain> {
  const transport = http(options.rpcUrl, { timeout: 10_000, retryCount: 0 });
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId().catch((error: Error) => {
    throw new EvidenceChainError(`chain at ${options.rpcUrl} does not answer: ${error.message}`, {
      unreachable: true,
    });
  });
  const clients = makeClients(options.rpcUrl, chainId, options.privateKey, options.pollingMs);
  const code = await clients.publicClient
    .getCode({ address: options.registry })
    .catch((error: Error) => {
      throw new EvidenceChainError(
        `chain at ${options.rpcUrl} stopped answering: ${error.message}`,
        {
          unreachable: true,
        },
      );
    });
  if (code === undefined || code === '0x') {
    throw new EvidenceChainError(
      `no contract at EVIDENCE_CONTRACT ${options.registry} on chain ${chainId} (${options.rpcUrl})`,
    );
  }
  return {
    chainId,
    registry: options.registry.toLowerCase() as Address,
    ...clients,
    url: options.rpcUrl,
    embedded: false,
    close: async () => {},
  };
}

/**
 * Starts a local Hardhat node on 127.0.0.1 and deploys a fresh EvidenceRegistry on it, with the
 * node's first development account as admin and anchorer. Its keys are public and the node is
 * loopback-only and in memory: a zero-configuration default, never a production chain.
 */
export async function startEmbeddedChain(options: { port?: number } = {}): Promise<EvidenceChain> {
  const node = await startLocalChain({ port: options.port });
  try {
    const signer = node.accounts[0];
    if (signer === undefined) throw new EvidenceChainError('local chain has no accounts');
    const clients = makeClients(node.url, node.chainId, signer.privateKey, 100);
    const registry = await deployEvidenceRegistry(clients.walletClient, clients.publicClient, {
      admin: signer.address,
      anchorer: signer.address,
    });
    return {
      chainId: node.chainId,
      registry: registry.toLowerCase() as Address,
      ...clients,
      url: node.url,
      embedded: true,
      close: () => node.stop(),
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

function makeClients(url: string, chainId: number, privateKey: Hex, pollingMs = 1000) {
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  // No transport retries: the anchorer has its own backoff and must see an outage promptly.
  const transport = http(url, { timeout: 10_000, retryCount: 0 });
  let account: Account;
  try {
    account = privateKeyToAccount(privateKey);
  } catch (error) {
    throw new EvidenceChainError(`the chain signing key is invalid: ${(error as Error).message}`);
  }
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: pollingMs }),
    walletClient: createWalletClient({ account, chain, transport, pollingInterval: pollingMs }),
  };
}
