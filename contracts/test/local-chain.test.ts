/**
 * The embedded server's chain: a Hardhat node over JSON-RPC on 127.0.0.1, with the registry
 * deployed and used by plain viem clients holding a private key, as in production.
 */
import { expect, test } from 'bun:test';
import { createPublicClient, createWalletClient, type Hex, http, stringToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hardhat } from 'viem/chains';
import { evidenceRegistryAbi } from '../src/abi';
import { anchorRoot } from '../src/anchor';
import { deployEvidenceRegistry } from '../src/deploy';
import { startLocalChain } from '../src/local-chain';
import { buildEvidenceTree, hashLeaf } from '../src/merkle';

test('a local chain starts, takes a deployment and an anchor, and stops', async () => {
  const chain = await startLocalChain();
  try {
    expect(chain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain.chainId).toBe(hardhat.id);
    const [adminKey, anchorerKey] = chain.accounts;
    if (!adminKey || !anchorerKey) throw new Error('local chain handed out too few accounts');

    const transport = http(chain.url);
    const publicClient = createPublicClient({ chain: hardhat, transport });
    const wallet = (privateKey: Hex) =>
      createWalletClient({ account: privateKeyToAccount(privateKey), chain: hardhat, transport });
    const registry = await deployEvidenceRegistry(wallet(adminKey.privateKey), publicClient, {
      admin: adminKey.address,
      anchorer: anchorerKey.address,
    });

    const leaves = ['overheat', 'replay'].map((kind) => hashLeaf(stringToBytes(kind)));
    const tree = buildEvidenceTree(leaves);
    const anchored = await anchorRoot(wallet(anchorerKey.privateKey), publicClient, registry, {
      root: tree.root,
      leafCount: tree.leafCount,
      metaHash: hashLeaf(stringToBytes('local chain batch')),
    });
    expect(anchored.batchId).toBe(1n);
    const verified = await publicClient.readContract({
      address: registry,
      abi: evidenceRegistryAbi,
      functionName: 'verify',
      args: [anchored.batchId, leaves[1] as Hex, tree.proof(1)],
    });
    expect(verified).toBe(true);
  } finally {
    await chain.stop();
  }
  const afterStop = await fetch(chain.url, { method: 'POST', body: '{}' }).then(
    () => 'answered',
    () => 'refused',
  );
  expect(afterStop).toBe('refused');
}, 60_000);

test('a port already in use is refused up front', async () => {
  const occupant = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  try {
    await expect(startLocalChain({ port: occupant.port })).rejects.toThrow(
      `port ${occupant.port} on 127.0.0.1 is already in use`,
    );
  } finally {
    occupant.stop(true);
  }
});
