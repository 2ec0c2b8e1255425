// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IMintable {
    function mint(address to, uint256 value) external;
}

/// @title Crowdsale: a token sale for chainsleuth's dev chain.
/// @notice Sending ETH to it mints rate * msg.value token units to the sender and forwards the ETH to
///         the treasury with a call. The token must have made this contract a minter
///         (ERC20.setMinter). The treasury payment is an internal transaction: it shows up only in
///         traces (callTracer), never in logs or in the outer transaction.
contract Crowdsale {
    IMintable public immutable token;
    address payable public immutable treasury;
    uint256 public immutable rate;
    uint256 public weiRaised;

    event TokensPurchased(address indexed buyer, uint256 value, uint256 amount);

    constructor(address token_, address payable treasury_, uint256 rate_) {
        require(token_ != address(0) && treasury_ != address(0) && rate_ > 0, "Crowdsale: bad arguments");
        token = IMintable(token_);
        treasury = treasury_;
        rate = rate_;
    }

    receive() external payable {
        buy();
    }

    function buy() public payable {
        require(msg.value > 0, "Crowdsale: no ETH sent");
        uint256 amount = msg.value * rate;
        weiRaised += msg.value;
        token.mint(msg.sender, amount);
        emit TokensPurchased(msg.sender, msg.value, amount);
        (bool ok,) = treasury.call{value: msg.value}("");
        require(ok, "Crowdsale: treasury refused ETH");
    }
}
