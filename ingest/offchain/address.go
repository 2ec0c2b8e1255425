package offchain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/chain"
)

// ErrSkip marks a row that is well formed but not for this engine (an
// address on a chain chainsleuth does not ingest): it is counted as skipped,
// with its reason, not as rejected.
var ErrSkip = errors.New("skipped")

// Addresser validates and normalises addresses for the chains chainsleuth
// ingests.
type Addresser struct {
	// BTC is the Bitcoin network addresses must belong to (mainnet unless
	// set: the simulator's worlds are on regtest).
	BTC *chaincfg.Params
}

func (a Addresser) btcParams() *chaincfg.Params {
	if a.BTC == nil {
		return &chaincfg.MainNetParams
	}
	return a.BTC
}

// Normalize checks addr on chain ("btc" or "eth") and returns it as the
// ingest stores it: Bitcoin as btcd encodes it (bech32 in lower case),
// Ethereum as 0x and 40 lower-case hex digits.
func (a Addresser) Normalize(chainName, addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("empty address")
	}
	switch chainName {
	case chain.Bitcoin:
		return a.normalizeBTC(addr)
	case chain.Ethereum:
		return normalizeETH(addr)
	}
	return "", fmt.Errorf("unknown chain %q: want btc or eth", chainName)
}

func (a Addresser) normalizeBTC(s string) (string, error) {
	params := a.btcParams()
	// A raw public key in hex decodes as an address too; it is not one.
	if (len(s) == 66 || len(s) == 130) && isHex(s) {
		return "", fmt.Errorf("btc address %q is a raw public key, not an address", s)
	}
	addr, err := address.DecodeAddress(s, params)
	if err == nil && addr.IsForNet(params) {
		return addr.EncodeAddress(), nil
	}
	// Say which network it is for, when it is for another one.
	for _, other := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.TestNet3Params, &chaincfg.RegressionNetParams, &chaincfg.SigNetParams} {
		if other.Name == params.Name {
			continue
		}
		if o, oerr := address.DecodeAddress(s, other); oerr == nil && o.IsForNet(other) {
			name := other.Name
			if _, segwit := o.(interface{ WitnessVersion() byte }); !segwit && other != &chaincfg.MainNetParams {
				name = "testnet, regtest or signet" // they share base58 prefixes
			}
			return "", fmt.Errorf("btc address %q is a %s address, not %s (see --btc-network)", s, name, params.Name)
		}
	}
	if err != nil {
		return "", fmt.Errorf("btc address %q: %w", s, err)
	}
	return "", fmt.Errorf("btc address %q is not a %s address", s, params.Name)
}

func normalizeETH(s string) (string, error) {
	if len(s) != 42 || (s[:2] != "0x" && s[:2] != "0X") || !isHex(s[2:]) {
		return "", fmt.Errorf("eth address %q: want 0x and 40 hex digits", s)
	}
	return "0x" + strings.ToLower(s[2:]), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func looksEVM(addr string) bool {
	_, err := normalizeETH(strings.TrimSpace(addr))
	return err == nil
}

// ChainForCurrency maps a currency or asset code, as TagPacks (BTC, ETH, USDT
// …) and the OFAC lists (XBT, ETH, USDT …) write it, to the chain its address
// lives on. BTC and XBT are btc; ETH is eth; the stablecoins USDT and USDC are
// issued on several chains, so their 0x addresses are eth and their others
// (Tron's T…, …) are skipped. Every other currency is skipped with a reason
// (wrapping ErrSkip): chainsleuth ingests Bitcoin and Ethereum only.
func ChainForCurrency(currency, addr string) (string, error) {
	switch c := strings.ToUpper(strings.TrimSpace(currency)); c {
	case "BTC", "XBT":
		return chain.Bitcoin, nil
	case "ETH":
		return chain.Ethereum, nil
	case "USDT", "USDC":
		if looksEVM(addr) {
			return chain.Ethereum, nil
		}
		return "", fmt.Errorf("%w: %s address not on Ethereum", ErrSkip, c)
	case "":
		return "", errors.New("no currency")
	default:
		return "", fmt.Errorf("%w: currency %s is not ingested (btc and eth only)", ErrSkip, c)
	}
}

// ChainOf reads a chain column of a CSV file: btc or eth, or their currency
// codes (BTC, XBT, ETH), in any case.
func ChainOf(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "btc", "xbt", "bitcoin":
		return chain.Bitcoin, nil
	case "eth", "ethereum":
		return chain.Ethereum, nil
	case "":
		return "", errors.New("empty chain")
	}
	return "", fmt.Errorf("unknown chain %q: want btc or eth", s)
}
