package cluster

import "fmt"

// CoSpendParams configure the multi-input (co-spend) heuristic: all input addresses of a non-coinbase
// transaction belong to one owner, since spending needs every input's key (Nakamoto 2008, §10; Meiklejohn
// et al., "A Fistful of Bitcoins", IMC 2013; BlockSci's clustering). CoinJoins (see CoinJoinParams) are
// the exception and are skipped.
//
// Evidence: one link per distinct input address after the first, from the first input address (a star),
// with confidence Confidence; the detail names the input count.
type CoSpendParams struct {
	// Confidence of a co-spend link. Default 1.
	Confidence float64 `json:"confidence"`
	// MaxInputs skips transactions with more distinct input addresses than this (0: no limit). Default 0.
	MaxInputs int `json:"max_inputs"`
}

// DefaultCoSpendParams are the documented defaults.
func DefaultCoSpendParams() CoSpendParams { return CoSpendParams{Confidence: 1} }

// CoSpendEvidence links the input addresses of tx; CoinJoins must be filtered out before.
func (p CoSpendParams) CoSpendEvidence(tx *BTCTx) []Evidence {
	addrs := tx.distinctInputAddresses()
	if len(addrs) < 2 || (p.MaxInputs > 0 && len(addrs) > p.MaxInputs) {
		return nil
	}
	out := make([]Evidence, 0, len(addrs)-1)
	detail := fmt.Sprintf(`{"inputs":%d,"addresses":%d}`, len(tx.Inputs), len(addrs))
	for _, b := range addrs[1:] {
		out = append(out, Evidence{Heuristic: CoSpend, Tx: tx.TxID, Height: tx.Height, Position: Position(tx.Height, tx.Index),
			Confidence: p.Confidence, A: addrs[0], B: b, Detail: detail})
	}
	return out
}
