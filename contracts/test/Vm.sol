// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IVm
 * @notice The subset of the Foundry cheatcodes, served by Hardhat's Solidity test runner, that the
 * Vigil contract tests use. Declared here because forge-std is not published on the npm registry.
 */
interface IVm {
    /**
     * @notice Makes the next call come from `sender`.
     * @param sender The account the next call appears to come from.
     */
    function prank(address sender) external;

    /**
     * @notice Expects the next call to revert with exactly this revert data.
     * @param revertData ABI-encoded custom error or reason.
     */
    function expectRevert(bytes calldata revertData) external;

    /**
     * @notice Expects the next emitted event to match the one emitted right after this call, all
     * topics and data included.
     */
    function expectEmit() external;

    /**
     * @notice Moves the block timestamp.
     * @param newTimestamp The new block timestamp.
     */
    function warp(uint256 newTimestamp) external;

    /**
     * @notice Fails the test unless both values are equal.
     * @param left Actual value.
     * @param right Expected value.
     */
    function assertEq(uint256 left, uint256 right) external pure;

    /**
     * @notice Fails the test unless both values are equal.
     * @param left Actual value.
     * @param right Expected value.
     */
    function assertEq(bytes32 left, bytes32 right) external pure;

    /**
     * @notice Fails the test unless both values are equal.
     * @param left Actual value.
     * @param right Expected value.
     */
    function assertEq(address left, address right) external pure;

    /**
     * @notice Fails the test unless the condition holds.
     * @param condition The condition.
     */
    function assertTrue(bool condition) external pure;

    /**
     * @notice Fails the test if the condition holds.
     * @param condition The condition.
     */
    function assertFalse(bool condition) external pure;
}

/// @dev Where the test runner serves the cheatcodes: address(uint160(uint256(keccak256("hevm cheat code")))).
IVm constant VM = IVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
