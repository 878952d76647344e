/**
 * EvidenceRegistry driven the way the server drives it: viem clients, the committed ABI and
 * bytecode, trees from src/merkle.ts, on Hardhat's in-process network.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { network } from 'hardhat';
import { BaseError, ContractFunctionRevertedError, type Hex, stringToBytes } from 'viem';
import { evidenceRegistryAbi } from '../src/abi';
import { anchorRoot, findBatchId } from '../src/anchor';
import { deployEvidenceRegistry } from '../src/deploy';
import { measureAnchorGas } from '../src/gas';
import { buildEvidenceTree, type EvidenceTree, hashLeaf, verifyEvidenceProof } from '../src/merkle';

const connection = await network.connect();
const { viem } = connection;
const publicClient = await viem.getPublicClient();
const [admin, anchorer, stranger] = await viem.getWalletClients();
if (!admin || !anchorer || !stranger) throw new Error('the Hardhat network has too few accounts');

let registry: Hex;

function evidenceTree(label: string, size: number): EvidenceTree {
  const leaves = Array.from({ length: size }, (_, i) =>
    hashLeaf(stringToBytes(JSON.stringify({ batch: label, anomaly: i }))),
  );
  return buildEvidenceTree(leaves);
}

/** Reads the custom error name a viem call failed with. */
function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

async function verifyOnChain(batchId: bigint, leaf: Hex, proof: Hex[]): Promise<boolean> {
  return publicClient.readContract({
    address: registry,
    abi: evidenceRegistryAbi,
    functionName: 'verify',
    args: [batchId, leaf, proof],
  });
}

beforeAll(async () => {
  registry = await deployEvidenceRegistry(admin, publicClient, {
    admin: admin.account.address,
    anchorer: anchorer.account.address,
  });
});

afterAll(async () => {
  await connection.close();
});

describe('EvidenceRegistry on the Hardhat network', () => {
  const sizes = [1, 100, 1000];
  const trees = new Map<number, EvidenceTree>();
  const batchIds = new Map<number, bigint>();

  test('anchors batches of 1, 100 and 1,000 leaves with consecutive ids', async () => {
    for (const size of sizes) {
      const tree = evidenceTree(`batch of ${size}`, size);
      const metaHash = hashLeaf(stringToBytes(`meta ${size}`));
      const anchored = await anchorRoot(anchorer, publicClient, registry, {
        root: tree.root,
        leafCount: tree.leafCount,
        metaHash,
      });
      trees.set(size, tree);
      batchIds.set(size, anchored.batchId);

      const stored = await publicClient.readContract({
        address: registry,
        abi: evidenceRegistryAbi,
        functionName: 'batch',
        args: [anchored.batchId],
      });
      expect(stored.root).toBe(tree.root);
      expect(stored.leafCount).toBe(size);
      expect(stored.metaHash).toBe(metaHash);
      expect(stored.anchoredBy.toLowerCase()).toBe(anchorer.account.address.toLowerCase());
    }
    expect([...batchIds.values()]).toEqual([1n, 2n, 3n]);
    const count = await publicClient.readContract({
      address: registry,
      abi: evidenceRegistryAbi,
      functionName: 'batchCount',
    });
    expect(count).toBe(3n);
  });

  test('proofs from src/merkle.ts verify on chain, tampered ones do not', async () => {
    for (const size of sizes) {
      const tree = trees.get(size);
      const batchId = batchIds.get(size);
      if (!tree || !batchId) throw new Error(`batch of ${size} was not anchored`);
      for (const index of new Set([0, Math.floor(size / 2), size - 1])) {
        const leaf = tree.leaves[index] as Hex;
        const proof = tree.proof(index);
        expect(verifyEvidenceProof(tree.root, leaf, proof)).toBe(true);
        expect(await verifyOnChain(batchId, leaf, proof)).toBe(true);
        const tampered = hashLeaf(stringToBytes(`edited ${size}/${index}`));
        expect(await verifyOnChain(batchId, tampered, proof)).toBe(false);
      }
    }
    const big = trees.get(1000) as EvidenceTree;
    expect(await verifyOnChain(2n, big.leaves[0] as Hex, big.proof(0))).toBe(false);
  });

  test('a root already on chain is refused and can be looked up instead', async () => {
    const tree = trees.get(100) as EvidenceTree;
    const again = anchorRoot(anchorer, publicClient, registry, {
      root: tree.root,
      leafCount: tree.leafCount,
      metaHash: tree.root,
    });
    expect(revertName(await again.catch((e: unknown) => e))).toBe('EvidenceRegistryRootExists');
    expect(await findBatchId(publicClient, registry, tree.root)).toBe(batchIds.get(100) as bigint);
    const neverSent = evidenceTree('never sent', 3).root;
    expect(await findBatchId(publicClient, registry, neverSent)).toBeUndefined();
  });

  test('an account without the anchor role cannot anchor', async () => {
    const tree = evidenceTree('stranger', 2);
    const attempt = anchorRoot(stranger, publicClient, registry, {
      root: tree.root,
      leafCount: tree.leafCount,
      metaHash: tree.root,
    });
    expect(revertName(await attempt.catch((e: unknown) => e))).toBe(
      'AccessControlUnauthorizedAccount',
    );
  });

  test('gas per anchor call stays flat while gas per anomaly falls with batch size', async () => {
    const report = await measureAnchorGas(admin, publicClient, sizes);
    console.log(`first batch of a registry: ${report.firstBatchGasUsed} gas`);
    for (const { batchSize, gasUsed, gasPerAnomaly } of report.batches) {
      console.log(
        `batch of ${batchSize}: ${gasUsed} gas per anchor, ${gasPerAnomaly.toFixed(1)} per anomaly`,
      );
    }
    const gas = report.batches.map((b) => Number(b.gasUsed));
    expect(Math.max(...gas) - Math.min(...gas)).toBeLessThan(100);
    expect(Math.max(...gas)).toBeLessThan(150_000);
    expect(report.firstBatchGasUsed).toBeGreaterThan(report.batches[0]?.gasUsed ?? 0n);
    expect(report.batches.map((b) => b.gasPerAnomaly)).toEqual(
      [...report.batches.map((b) => b.gasPerAnomaly)].sort((a, b) => b - a),
    );
  });
});
