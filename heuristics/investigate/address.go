package investigate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
)

// Errors callers branch on: ErrMalformed and ErrWrongNetwork are the caller's
// mistakes (usage errors); ErrNotFound means the store does not hold it.
var (
	ErrMalformed    = errors.New("malformed")
	ErrWrongNetwork = errors.New("wrong network")
	ErrNotFound     = errors.New("not found")
)

// Chains are the chains an address can be on.
var Chains = []string{chain.Bitcoin, chain.Ethereum}

// btcNets are the Bitcoin networks an address is recognised on.
var btcNets = []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.TestNet3Params, &chaincfg.RegressionNetParams, &chaincfg.SigNetParams}

// ChainOf is the chain of an address from its form: 0x-hex is Ethereum,
// anything else Bitcoin.
func ChainOf(addr string) string {
	if len(addr) >= 2 && (addr[:2] == "0x" || addr[:2] == "0X") {
		return chain.Ethereum
	}
	return chain.Bitcoin
}

// Normalize checks an address of a chain ("" for the chain of its form) and
// returns the chain and the address as the ingest stores it (Ethereum in
// lower case, Bitcoin as btcd encodes it). A malformed address wraps
// ErrMalformed and says what is wrong with it.
func Normalize(chainName, addr string) (string, string, error) {
	addr = strings.TrimSpace(addr)
	if chainName == "" {
		chainName = ChainOf(addr)
	}
	switch chainName {
	case chain.Ethereum:
		norm, err := offchain.Addresser{}.Normalize(chainName, addr)
		if err != nil {
			return "", "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return chainName, norm, nil
	case chain.Bitcoin:
		var firstErr error
		for _, p := range btcNets {
			norm, err := offchain.Addresser{BTC: p}.Normalize(chainName, addr)
			if err == nil {
				return chainName, norm, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return "", "", fmt.Errorf("%w: %w", ErrMalformed, firstErr)
	}
	return "", "", fmt.Errorf("chain %s: %w: use btc or eth", strconv.Quote(chainName), ErrMalformed)
}

// btcNetworks are the names of the networks a Bitcoin address decodes on
// (base58 addresses of testnet, regtest and signet share prefixes).
func btcNetworks(addr string) []string {
	var out []string
	for _, p := range btcNets {
		if a, err := address.DecodeAddress(addr, p); err == nil && a.IsForNet(p) {
			out = append(out, p.Name)
		}
	}
	return out
}

// sameNetwork tells whether two Bitcoin addresses can be on one network.
func sameNetwork(a, b string) bool {
	for _, x := range btcNetworks(a) {
		for _, y := range btcNetworks(b) {
			if x == y {
				return true
			}
		}
	}
	return false
}

// ParseCluster reads a cluster id argument (a decimal number).
func ParseCluster(s string) (uint32, bool) {
	id, err := strconv.ParseUint(s, 10, 32)
	return uint32(id), err == nil
}
