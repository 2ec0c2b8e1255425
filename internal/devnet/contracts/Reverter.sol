// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Reverter: always fails, for a failed transaction (receipt status 0) on chainsleuth's dev chain.
contract Reverter {
    error Refused(address sender, uint256 value);

    /// fail always reverts with a reason string (Error(string) revert data).
    function fail() external payable {
        revert("Reverter: always fails");
    }

    /// refuse always reverts with a custom error.
    function refuse() external payable {
        revert Refused(msg.sender, msg.value);
    }

    /// Plain ETH sent to it is refused too, so a value transfer into it fails.
    receive() external payable {
        revert("Reverter: no ETH accepted");
    }
}
