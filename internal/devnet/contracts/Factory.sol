// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Child: the contract Factory creates. It keeps whatever ETH it was created with.
contract Child {
    address public immutable creator;
    uint256 public immutable tag;

    constructor(uint256 tag_) payable {
        creator = msg.sender;
        tag = tag_;
    }
}

/// @title Factory: creates Child contracts with `new`, for "a contract created by a contract".
/// @notice create() is a CREATE frame in the trace (with the ETH sent along as its value);
///         create2() is a CREATE2 frame at a predictable address.
contract Factory {
    address[] public children;

    event Created(address indexed child, uint256 tag);

    function create(uint256 tag) external payable returns (address) {
        Child child = new Child{value: msg.value}(tag);
        children.push(address(child));
        emit Created(address(child), tag);
        return address(child);
    }

    function create2(uint256 tag, bytes32 salt) external payable returns (address) {
        Child child = new Child{value: msg.value, salt: salt}(tag);
        children.push(address(child));
        emit Created(address(child), tag);
        return address(child);
    }

    function count() external view returns (uint256) {
        return children.length;
    }
}
