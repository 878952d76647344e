// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title EvidenceRegistry
 * @notice Anchors Merkle roots over batches of anomaly evidence so that anyone can later prove
 * that a piece of evidence existed, unchanged, when its batch was anchored.
 *
 * @dev Leaves are double-hashed, `keccak256(bytes.concat(keccak256(data)))`, as OpenZeppelin's
 * `MerkleProof` recommends: a 64-byte leaf preimage can then never be mistaken for an inner node,
 * which rules out second-preimage attacks. The tree is OpenZeppelin's standard sorted-pair tree
 * (the npm package openzeppelin/merkle-tree builds it), so proofs verify with `MerkleProof.verify`.
 *
 * Batches are idempotent by root: a root can be anchored once. An anchoring service that crashed
 * between sending a transaction and recording its outcome asks {batchIdOf} whether its root is
 * already on chain instead of anchoring it twice.
 */
contract EvidenceRegistry is AccessControl {
    /**
     * @notice One anchored batch.
     * @param root Merkle root over the batch's leaves.
     * @param metaHash Hash of the off-chain batch metadata (for example its canonical description).
     * @param leafCount Number of leaves in the tree.
     * @param anchoredAt Timestamp of the block that anchored the batch.
     * @param anchoredBy Account that anchored the batch.
     */
    struct Batch {
        bytes32 root;
        bytes32 metaHash;
        uint32 leafCount;
        uint64 anchoredAt;
        address anchoredBy;
    }

    /// @notice Role allowed to anchor batches.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    /// @dev Batches by id; ids start at 1 so that 0 can mean "not anchored" in `_batchIds`.
    mapping(uint256 batchId => Batch) private _batches;

    /// @dev Batch id of each anchored root, 0 for a root never anchored.
    mapping(bytes32 root => uint256 batchId) private _batchIds;

    /// @dev Number of batches anchored so far, which is also the id of the latest one.
    uint256 private _batchCount;

    /**
     * @notice Emitted when a batch has been anchored.
     * @param batchId Id of the new batch.
     * @param root Merkle root of the batch.
     * @param leafCount Number of leaves in the batch.
     * @param metaHash Hash of the off-chain batch metadata.
     */
    event BatchAnchored(uint256 indexed batchId, bytes32 indexed root, uint32 leafCount, bytes32 metaHash);

    /// @notice The root is zero, which no real tree produces.
    error EvidenceRegistryZeroRoot();

    /// @notice The batch claims to hold no leaves.
    error EvidenceRegistryEmptyBatch();

    /**
     * @notice The root has already been anchored.
     * @param root The root that was sent.
     * @param batchId The batch that already holds it.
     */
    error EvidenceRegistryRootExists(bytes32 root, uint256 batchId);

    /**
     * @notice No batch has this id.
     * @param batchId The id that was asked for.
     */
    error EvidenceRegistryUnknownBatch(uint256 batchId);

    /// @notice An account given to the constructor is the zero address.
    error EvidenceRegistryZeroAccount();

    /**
     * @notice Sets up the roles.
     * @param admin Account that administers roles (grants and revokes the anchor role).
     * @param anchorer Account allowed to anchor batches from the start.
     */
    constructor(address admin, address anchorer) {
        if (admin == address(0) || anchorer == address(0)) {
            revert EvidenceRegistryZeroAccount();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, anchorer);
    }

    /**
     * @notice Anchors a batch of evidence.
     * @dev Reverts when the root is zero, the batch is empty, or the root was anchored before.
     * @param root Merkle root over the batch's double-hashed leaves.
     * @param leafCount Number of leaves in the tree.
     * @param metaHash Hash of the off-chain batch metadata.
     * @return batchId Id of the new batch.
     */
    function anchor(bytes32 root, uint32 leafCount, bytes32 metaHash)
        external
        onlyRole(ANCHOR_ROLE)
        returns (uint256 batchId)
    {
        if (root == bytes32(0)) revert EvidenceRegistryZeroRoot();
        if (leafCount == 0) revert EvidenceRegistryEmptyBatch();
        uint256 existing = _batchIds[root];
        if (existing != 0) revert EvidenceRegistryRootExists(root, existing);

        batchId = ++_batchCount;
        _batches[batchId] = Batch({
            root: root,
            metaHash: metaHash,
            leafCount: leafCount,
            anchoredAt: uint64(block.timestamp),
            anchoredBy: msg.sender
        });
        _batchIds[root] = batchId;
        emit BatchAnchored(batchId, root, leafCount, metaHash);
    }

    /**
     * @notice Tells whether a leaf belongs to an anchored batch.
     * @dev Reverts for an unknown batch rather than answering false, so that "not anchored" and
     * "tampered" stay distinguishable for an auditor.
     * @param batchId Batch to check against.
     * @param leaf Double-hashed leaf.
     * @param proof Sibling hashes from the leaf up to the root.
     * @return True when the proof links the leaf to the batch's root.
     */
    function verify(uint256 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _requireBatch(batchId).root, leaf);
    }

    /**
     * @notice Returns an anchored batch.
     * @param batchId Id of the batch.
     * @return The batch; reverts when no batch has this id.
     */
    function batch(uint256 batchId) external view returns (Batch memory) {
        return _requireBatch(batchId);
    }

    /**
     * @notice Returns the id of the batch that anchored a root.
     * @param root Merkle root to look up.
     * @return The batch id, or 0 when the root has never been anchored.
     */
    function batchIdOf(bytes32 root) external view returns (uint256) {
        return _batchIds[root];
    }

    /**
     * @notice Returns how many batches have been anchored; ids run from 1 to this number.
     * @return The number of batches.
     */
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @dev Loads a batch, reverting when the id is outside 1..batchCount.
    function _requireBatch(uint256 batchId) private view returns (Batch storage) {
        if (batchId == 0 || batchId > _batchCount) revert EvidenceRegistryUnknownBatch(batchId);
        return _batches[batchId];
    }
}
