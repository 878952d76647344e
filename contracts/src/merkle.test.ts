import { describe, expect, test } from 'bun:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { concat, type Hex, keccak256, stringToBytes, toHex } from 'viem';
import { buildEvidenceTree, hashLeaf, MerkleInputError, verifyEvidenceProof } from './merkle';

function leaves(count: number): Hex[] {
  return Array.from({ length: count }, (_, i) => hashLeaf(stringToBytes(`anomaly ${i}`)));
}

function flipLastNibble(value: Hex): Hex {
  const last = value.at(-1) === '0' ? '1' : '0';
  return `${value.slice(0, -1)}${last}` as Hex;
}

describe('hashLeaf', () => {
  test('double-hashes like OpenZeppelin StandardMerkleTree does for a bytes32 value', () => {
    const value = keccak256(stringToBytes('raw payload'));
    const reference = StandardMerkleTree.of([[value]], ['bytes32']).leafHash([value]);
    expect(hashLeaf(value)).toBe(reference as Hex);
  });

  test('accepts bytes and hex of the same data alike', () => {
    const data = stringToBytes('{"device":"d1"}');
    expect(hashLeaf(data)).toBe(hashLeaf(toHex(data)));
    expect(hashLeaf(data)).not.toBe(keccak256(data));
  });
});

describe('buildEvidenceTree', () => {
  test('a single leaf is its own root with an empty proof', () => {
    const [leaf] = leaves(1) as [Hex];
    const tree = buildEvidenceTree([leaf]);
    expect(tree.root).toBe(leaf);
    expect(tree.leafCount).toBe(1);
    expect(tree.proof(0)).toEqual([]);
    expect(verifyEvidenceProof(tree.root, leaf, [])).toBe(true);
  });

  test('two leaves hash as a sorted pair', () => {
    const [a, b] = leaves(2) as [Hex, Hex];
    const [low, high] = a < b ? [a, b] : [b, a];
    const tree = buildEvidenceTree([a, b]);
    expect(tree.root).toBe(keccak256(concat([low, high])));
    expect(tree.proof(0)).toEqual([b]);
    expect(tree.proof(1)).toEqual([a]);
  });

  for (const count of [1, 2, 3, 1000]) {
    test(`every proof verifies in a tree of ${count} leaves`, () => {
      const input = leaves(count);
      const tree = buildEvidenceTree(input);
      expect(tree.leafCount).toBe(count);
      input.forEach((leaf, index) => {
        expect(verifyEvidenceProof(tree.root, leaf, tree.proof(index))).toBe(true);
      });
    });
  }

  test('a tampered leaf, proof or root does not verify', () => {
    const input = leaves(3);
    const tree = buildEvidenceTree(input);
    const leaf = input[1] as Hex;
    const proof = tree.proof(1);
    expect(verifyEvidenceProof(tree.root, flipLastNibble(leaf), proof)).toBe(false);
    expect(
      verifyEvidenceProof(tree.root, leaf, [flipLastNibble(proof[0] as Hex), ...proof.slice(1)]),
    ).toBe(false);
    expect(verifyEvidenceProof(flipLastNibble(tree.root), leaf, proof)).toBe(false);
    expect(verifyEvidenceProof(tree.root, leaf, tree.proof(0))).toBe(false);
  });

  test('the root does not depend on leaf order, and proofs follow the given order', () => {
    const input = leaves(5);
    const reversed = [...input].reverse();
    const forward = buildEvidenceTree(input);
    const backward = buildEvidenceTree(reversed);
    expect(backward.root).toBe(forward.root);
    expect(backward.proof(4)).toEqual(forward.proof(0));
  });

  test('leaves are normalised to lower case', () => {
    const [leaf] = leaves(1) as [Hex];
    const upper = `0x${leaf.slice(2).toUpperCase()}` as Hex;
    expect(buildEvidenceTree([upper]).root).toBe(leaf);
  });

  test('rejects an empty batch and malformed leaves', () => {
    expect(() => buildEvidenceTree([])).toThrow(MerkleInputError);
    expect(() => buildEvidenceTree(['0x1234'])).toThrow('leaf 0 is not a 32-byte hex string');
    expect(() => buildEvidenceTree([...leaves(1), `0x${'zz'.repeat(32)}`])).toThrow(
      'leaf 1 is not a 32-byte hex string',
    );
  });

  test('rejects a proof request for a leaf it does not hold', () => {
    const tree = buildEvidenceTree(leaves(2));
    expect(() => tree.proof(2)).toThrow(MerkleInputError);
    expect(() => tree.proof(-1)).toThrow(MerkleInputError);
    expect(() => tree.proof(0.5)).toThrow(MerkleInputError);
  });
});

describe('verifyEvidenceProof', () => {
  test('answers false for malformed input instead of throwing', () => {
    const [leaf] = leaves(1) as [Hex];
    expect(verifyEvidenceProof('0x12', leaf, [])).toBe(false);
    expect(verifyEvidenceProof(leaf, '0x12', [])).toBe(false);
    expect(verifyEvidenceProof(leaf, leaf, ['0x12'])).toBe(false);
  });
});
