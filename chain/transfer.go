package chain

import "time"

// Kind says what moved value in a Transfer.
type Kind string

// Transfer kinds, one per way value moves on the supported chains.
const (
	KindUTXO     Kind = "utxo"     // Bitcoin: inputs to outputs, apportioned by value
	KindNative   Kind = "native"   // Ethereum: the value of a top-level transaction
	KindInternal Kind = "internal" // Ethereum: value moved by a call inside a transaction
	KindERC20    Kind = "erc20"    // Ethereum: an ERC-20 Transfer event
	KindERC721   Kind = "erc721"   // Ethereum: an ERC-721 Transfer event (amount is 1)
)

// Chain names as stored in every table.
const (
	Bitcoin  = "btc"
	Ethereum = "eth"
)

// Transfer is one address-to-address movement of value, the shared edge of the
// fund-flow graph. For Bitcoin the edges of a transaction are estimated by
// apportioning every input to the outputs by value; the exact inputs and
// outputs stay in the Bitcoin tables.
type Transfer struct {
	Chain  string
	Height uint64
	Time   time.Time
	TxID   string
	// Index orders the transfers of one transaction; (Chain, TxID, Index) is
	// the natural key.
	Index uint32
	From  string
	To    string
	// Asset is "BTC", "ETH" or a token contract address.
	Asset string
	// Amount is the exact integer amount in base units (satoshi, wei, token
	// units; 1 for ERC-721, whose token id stays in eth_token_transfers) as a
	// decimal string.
	Amount string
	// Value is Amount in whole units (BTC, ETH, tokens) when the decimals are
	// known, else 0. For sums and ranking only.
	Value float64
	Kind  Kind
}
