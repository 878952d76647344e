/**
 * Merkle trees over evidence leaves, in the exact shape `EvidenceRegistry.verify` checks on chain.
 *
 * The tree is OpenZeppelin's standard sorted-pair tree, built by `@openzeppelin/merkle-tree` (the
 * reference implementation that `MerkleProof.verify` is specified against) rather than by code of
 * our own. Leaves are double-hashed with {@link hashLeaf} before they enter a tree, which keeps a
 * leaf from ever being read as an inner node (second-preimage attacks).
 */
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree';
import { getProof } from '@openzeppelin/merkle-tree/dist/core';
import { type ByteArray, type Hex, keccak256 } from 'viem';

/** Raised for input no tree can be built from: no leaves, or a leaf that is not 32 bytes of hex. */
export class MerkleInputError extends Error {
  override readonly name = 'MerkleInputError';
}

/** A tree over one batch of leaves, ready to be anchored and to hand out proofs. */
export type EvidenceTree = {
  /** The root to anchor. */
  readonly root: Hex;
  /** Number of leaves, as `anchor(root, leafCount, metaHash)` expects it. */
  readonly leafCount: number;
  /** The leaves in the order they were given (lower-case hex). */
  readonly leaves: readonly Hex[];
  /** Sibling hashes from the leaf at `index` (in the given order) up to the root. */
  proof(index: number): Hex[];
};

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * Turns the canonical bytes of one piece of evidence into a leaf:
 * `keccak256(bytes.concat(keccak256(data)))`, as OpenZeppelin's `MerkleProof` recommends.
 */
export function hashLeaf(data: Hex | ByteArray): Hex {
  return keccak256(keccak256(data, 'bytes'));
}

/**
 * Builds the sorted-pair tree over already-hashed leaves (see {@link hashLeaf}). Leaf order does
 * not change the root; proofs are asked for by the index a leaf had in `leaves`.
 *
 * @throws MerkleInputError when `leaves` is empty or holds anything but 32-byte hex strings.
 */
export function buildEvidenceTree(leaves: readonly Hex[]): EvidenceTree {
  if (leaves.length === 0) throw new MerkleInputError('a Merkle tree needs at least one leaf');
  const normalized = leaves.map((leaf, index) => normalizeBytes32(leaf, `leaf ${index}`));
  const tree = SimpleMerkleTree.of(normalized);
  // The class's own getProof re-hashes the leaf and re-verifies every proof it hands out (about a
  // millisecond each), which made proofs for a 10,000-leaf batch cost seconds. The tree itself
  // was validated when built, so proofs are read straight from its node array.
  const { tree: nodes, values } = tree.dump();
  return {
    root: tree.root as Hex,
    leafCount: normalized.length,
    leaves: normalized,
    proof(index: number): Hex[] {
      if (!Number.isInteger(index) || index < 0 || index >= normalized.length) {
        throw new MerkleInputError(`no leaf at index ${index} (tree has ${normalized.length})`);
      }
      return getProof(nodes, (values[index] as { treeIndex: number }).treeIndex) as Hex[];
    },
  };
}

/**
 * Checks a proof the way `MerkleProof.verify` does on chain, without a chain. A malformed root,
 * leaf or proof element is simply not a valid proof, so it yields false rather than throwing.
 */
export function verifyEvidenceProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  if (!BYTES32.test(root) || !BYTES32.test(leaf) || !proof.every((node) => BYTES32.test(node))) {
    return false;
  }
  return SimpleMerkleTree.verify(root.toLowerCase(), leaf.toLowerCase(), [...proof]);
}

function normalizeBytes32(value: Hex, what: string): Hex {
  if (typeof value !== 'string' || !BYTES32.test(value)) {
    throw new MerkleInputError(`${what} is not a 32-byte hex string: ${String(value)}`);
  }
  return value.toLowerCase() as Hex;
}
