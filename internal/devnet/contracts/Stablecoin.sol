// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Stablecoin: a USDT-like token ("Test USD", TUSD, 6 decimals) for chainsleuth's dev chain.
/// @notice Like Tether, the owner issues new supply to itself and redeems it; there is no blacklist.
///         Unlike Tether (whose issue emits only Issue), issue and redeem also emit a Transfer from or
///         to the zero address, so supply changes are visible to a plain ERC-20 Transfer decoder.
contract Stablecoin {
    string public constant name = "Test USD";
    string public constant symbol = "TUSD";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    address public owner;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Redeem(uint256 amount);

    constructor(uint256 initialSupply) {
        owner = msg.sender;
        _issue(initialSupply);
    }

    function issue(uint256 amount) external {
        require(msg.sender == owner, "TUSD: not owner");
        _issue(amount);
    }

    function redeem(uint256 amount) external {
        require(msg.sender == owner, "TUSD: not owner");
        require(balanceOf[owner] >= amount, "TUSD: balance too low");
        balanceOf[owner] -= amount;
        totalSupply -= amount;
        emit Transfer(owner, address(0), amount);
        emit Redeem(amount);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "TUSD: allowance exceeded");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function _issue(uint256 amount) internal {
        totalSupply += amount;
        balanceOf[owner] += amount;
        emit Transfer(address(0), owner, amount);
        emit Issue(amount);
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "TUSD: transfer to zero");
        uint256 balance = balanceOf[from];
        require(balance >= value, "TUSD: balance too low");
        balanceOf[from] = balance - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
