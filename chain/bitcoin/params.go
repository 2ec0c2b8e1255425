package bitcoin

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/v2"
)

// ParamsForChain returns the network parameters for a chain name as
// getblockchaininfo reports it: Bitcoin Core says "main", "test", "testnet4",
// "signet" or "regtest"; btcd says "mainnet", "testnet3", "testnet4",
// "signet", "regtest" or "simnet". Both spellings are accepted.
func ParamsForChain(chain string) (*chaincfg.Params, error) {
	switch chain {
	case "main", "mainnet":
		return &chaincfg.MainNetParams, nil
	case "test", "testnet", "testnet3":
		return &chaincfg.TestNet3Params, nil
	case "testnet4":
		return &chaincfg.TestNet4Params, nil
	case "regtest":
		return &chaincfg.RegressionNetParams, nil
	case "signet":
		return &chaincfg.SigNetParams, nil
	case "simnet":
		return &chaincfg.SimNetParams, nil
	}
	return nil, fmt.Errorf("unknown bitcoin chain %q: want main, test, testnet4, signet, regtest or simnet", chain)
}
