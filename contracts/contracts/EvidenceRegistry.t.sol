// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Test names follow the Foundry convention (test_Name, test_RevertWhen_Condition, testFuzz_Name).
// solhint-disable func-name-mixedcase

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {VM} from "../test/Vm.sol";
import {EvidenceRegistry} from "./EvidenceRegistry.sol";

/**
 * @title EvidenceRegistryTest
 * @notice Roles, events, idempotent anchoring and proof verification of {EvidenceRegistry}.
 */
contract EvidenceRegistryTest {
    /// @dev Administers the roles.
    address private constant _ADMIN = address(0xAD);
    /// @dev Holds the anchor role from deployment.
    address private constant _ANCHORER = address(0xA1);
    /// @dev Holds no role.
    address private constant _STRANGER = address(0x5);
    /// @dev Metadata hash used by every batch in these tests.
    bytes32 private constant _META = keccak256("batch metadata");

    /**
     * @notice Mirrors the registry's event so that expectEmit can match it.
     * @param batchId Id of the new batch.
     * @param root Merkle root of the batch.
     * @param leafCount Number of leaves in the batch.
     * @param metaHash Hash of the off-chain batch metadata.
     */
    event BatchAnchored(uint256 indexed batchId, bytes32 indexed root, uint32 leafCount, bytes32 metaHash);

    /// @dev Registry under test, fresh for every test.
    EvidenceRegistry private _registry;
    /// @dev Four double-hashed leaves.
    bytes32[4] private _leaves;
    /// @dev Root of the sorted-pair tree over `_leaves`.
    bytes32 private _root;

    /// @notice Deploys a registry and builds a four-leaf tree.
    function setUp() public {
        _registry = new EvidenceRegistry(_ADMIN, _ANCHORER);
        _leaves = [_leaf("anomaly 1"), _leaf("anomaly 2"), _leaf("anomaly 3"), _leaf("anomaly 4")];
        _root = Hashes.commutativeKeccak256(
            Hashes.commutativeKeccak256(_leaves[0], _leaves[1]), Hashes.commutativeKeccak256(_leaves[2], _leaves[3])
        );
    }

    /// @notice The constructor hands out exactly the roles it was asked to.
    function test_ConstructorGrantsRoles() public view {
        VM.assertTrue(_registry.hasRole(_registry.DEFAULT_ADMIN_ROLE(), _ADMIN));
        VM.assertTrue(_registry.hasRole(_registry.ANCHOR_ROLE(), _ANCHORER));
        VM.assertFalse(_registry.hasRole(_registry.ANCHOR_ROLE(), _ADMIN));
        VM.assertFalse(_registry.hasRole(_registry.DEFAULT_ADMIN_ROLE(), _ANCHORER));
    }

    /// @notice A registry without an admin or an anchorer cannot be deployed.
    function test_RevertWhen_ConstructorGetsZeroAccount() public {
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryZeroAccount.selector));
        new EvidenceRegistry(address(0), _ANCHORER);
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryZeroAccount.selector));
        new EvidenceRegistry(_ADMIN, address(0));
    }

    /// @notice Anchoring stores the batch, its lookup by root, and the count.
    function test_AnchorRecordsBatch() public {
        VM.warp(1_700_000_000);
        VM.prank(_ANCHORER);
        uint256 batchId = _registry.anchor(_root, 4, _META);

        VM.assertEq(batchId, 1);
        VM.assertEq(_registry.batchCount(), 1);
        VM.assertEq(_registry.batchIdOf(_root), 1);
        EvidenceRegistry.Batch memory stored = _registry.batch(1);
        VM.assertEq(stored.root, _root);
        VM.assertEq(stored.metaHash, _META);
        VM.assertEq(uint256(stored.leafCount), 4);
        VM.assertEq(uint256(stored.anchoredAt), 1_700_000_000);
        VM.assertEq(stored.anchoredBy, _ANCHORER);
    }

    /// @notice Batch ids count up from 1 and unknown roots map to 0.
    function test_AnchorAssignsConsecutiveIds() public {
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, _META);
        VM.prank(_ANCHORER);
        uint256 second = _registry.anchor(_leaves[0], 1, _META);

        VM.assertEq(second, 2);
        VM.assertEq(_registry.batchCount(), 2);
        VM.assertEq(_registry.batchIdOf(_leaves[0]), 2);
        VM.assertEq(_registry.batchIdOf(_leaves[1]), 0);
    }

    /// @notice Anchoring emits BatchAnchored with the batch id and root.
    function test_AnchorEmitsBatchAnchored() public {
        VM.expectEmit();
        emit BatchAnchored(1, _root, 4, _META);
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, _META);
    }

    /// @notice An account without the anchor role cannot anchor, not even the admin.
    function test_RevertWhen_CallerLacksAnchorRole() public {
        bytes32 role = _registry.ANCHOR_ROLE();
        VM.expectRevert(_unauthorized(_STRANGER, role));
        VM.prank(_STRANGER);
        _registry.anchor(_root, 4, _META);

        VM.expectRevert(_unauthorized(_ADMIN, role));
        VM.prank(_ADMIN);
        _registry.anchor(_root, 4, _META);
    }

    /// @notice The admin can grant the anchor role, and the new holder can anchor.
    function test_AdminGrantsAnchorRole() public {
        bytes32 role = _registry.ANCHOR_ROLE();
        VM.prank(_ADMIN);
        _registry.grantRole(role, _STRANGER);

        VM.prank(_STRANGER);
        VM.assertEq(_registry.anchor(_root, 4, _META), 1);
    }

    /// @notice Once the admin revokes the anchor role, its former holder can no longer anchor.
    function test_AdminRevokesAnchorRole() public {
        bytes32 role = _registry.ANCHOR_ROLE();
        VM.prank(_ADMIN);
        _registry.revokeRole(role, _ANCHORER);

        VM.expectRevert(_unauthorized(_ANCHORER, role));
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, _META);
    }

    /// @notice Only the admin hands out roles.
    function test_RevertWhen_NonAdminGrantsRole() public {
        bytes32 role = _registry.ANCHOR_ROLE();
        bytes32 adminRole = _registry.DEFAULT_ADMIN_ROLE();
        VM.expectRevert(_unauthorized(_ANCHORER, adminRole));
        VM.prank(_ANCHORER);
        _registry.grantRole(role, _STRANGER);
    }

    /// @notice A zero root is rejected.
    function test_RevertWhen_RootIsZero() public {
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryZeroRoot.selector));
        VM.prank(_ANCHORER);
        _registry.anchor(bytes32(0), 4, _META);
    }

    /// @notice A batch without leaves is rejected.
    function test_RevertWhen_BatchIsEmpty() public {
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryEmptyBatch.selector));
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 0, _META);
    }

    /// @notice A root anchored once cannot be anchored again, and the error names its batch.
    function test_RevertWhen_RootAlreadyAnchored() public {
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, _META);

        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryRootExists.selector, _root, 1));
        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, keccak256("other metadata"));
        VM.assertEq(_registry.batchCount(), 1);
    }

    /// @notice Every leaf of an anchored batch verifies with its proof.
    function test_VerifyAcceptsEveryLeaf() public {
        VM.prank(_ANCHORER);
        uint256 batchId = _registry.anchor(_root, 4, _META);
        bytes32 left = Hashes.commutativeKeccak256(_leaves[0], _leaves[1]);
        bytes32 right = Hashes.commutativeKeccak256(_leaves[2], _leaves[3]);

        VM.assertTrue(_registry.verify(batchId, _leaves[0], _proof(_leaves[1], right)));
        VM.assertTrue(_registry.verify(batchId, _leaves[1], _proof(_leaves[0], right)));
        VM.assertTrue(_registry.verify(batchId, _leaves[2], _proof(_leaves[3], left)));
        VM.assertTrue(_registry.verify(batchId, _leaves[3], _proof(_leaves[2], left)));
    }

    /// @notice A single-leaf batch has the leaf as its root and an empty proof.
    function test_VerifyAcceptsSingleLeafBatch() public {
        VM.prank(_ANCHORER);
        uint256 batchId = _registry.anchor(_leaves[0], 1, _META);
        VM.assertTrue(_registry.verify(batchId, _leaves[0], new bytes32[](0)));
        VM.assertFalse(_registry.verify(batchId, _leaves[1], new bytes32[](0)));
    }

    /// @notice A tampered leaf, a wrong proof, or the right proof against another batch fails.
    function test_VerifyRejectsInvalidProofs() public {
        VM.prank(_ANCHORER);
        uint256 batchId = _registry.anchor(_root, 4, _META);
        VM.prank(_ANCHORER);
        uint256 otherBatch = _registry.anchor(_leaves[0], 1, _META);
        bytes32 right = Hashes.commutativeKeccak256(_leaves[2], _leaves[3]);
        bytes32[] memory proof = _proof(_leaves[1], right);

        VM.assertFalse(_registry.verify(batchId, _leaf("anomaly 1, edited"), proof));
        VM.assertFalse(_registry.verify(batchId, keccak256("anomaly 1"), proof));
        VM.assertFalse(_registry.verify(batchId, _leaves[0], _proof(_leaves[2], right)));
        VM.assertFalse(_registry.verify(otherBatch, _leaves[1], proof));
    }

    /// @notice Verifying against a batch that does not exist reverts instead of answering false.
    function test_RevertWhen_VerifyUnknownBatch() public {
        bytes32[] memory proof = new bytes32[](0);
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryUnknownBatch.selector, 0));
        _registry.verify(0, _leaves[0], proof);

        VM.prank(_ANCHORER);
        _registry.anchor(_root, 4, _META);
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryUnknownBatch.selector, 2));
        _registry.verify(2, _leaves[0], proof);
    }

    /// @notice Reading a batch that does not exist reverts.
    function test_RevertWhen_BatchUnknown() public {
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryUnknownBatch.selector, 1));
        _registry.batch(1);
    }

    /// @notice Whatever the root and size, a root can be anchored exactly once.
    /// @param root Any root.
    /// @param leafCount Any batch size.
    function testFuzz_AnchorIsIdempotentByRoot(bytes32 root, uint32 leafCount) public {
        if (root == bytes32(0) || leafCount == 0) return;
        VM.prank(_ANCHORER);
        uint256 batchId = _registry.anchor(root, leafCount, _META);
        VM.expectRevert(abi.encodeWithSelector(EvidenceRegistry.EvidenceRegistryRootExists.selector, root, batchId));
        VM.prank(_ANCHORER);
        _registry.anchor(root, leafCount, _META);
    }

    /// @dev Double-hashes `data` the way every evidence leaf is hashed.
    function _leaf(string memory data) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(bytes(data))));
    }

    /// @dev Revert data of AccessControl refusing `account` for lack of `role`.
    function _unauthorized(address account, bytes32 role) private pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    /// @dev Builds a two-element proof.
    function _proof(bytes32 sibling, bytes32 uncle) private pure returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = sibling;
        proof[1] = uncle;
    }
}
