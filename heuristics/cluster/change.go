package cluster

import "fmt"

// ChangeParams configure the one-time change heuristic: a payment's change goes to a fresh address of
// the payer's wallet, so when exactly one output could be change, that output's address belongs to the
// inputs' owner (Androulaki et al., "Evaluating User Privacy in Bitcoin", FC 2013; Meiklejohn et al. 2013;
// the conservative variant of DESIGN.md §5, as in BlockSci's change heuristics).
//
// The rule: 2 to 10 outputs; exactly one output whose address is new (never seen before this
// transaction), of the same script type as every input, below the smallest input value, and not a round
// amount (a multiple of RoundUnit satoshi); no output pays back to an input address (then that output is
// the change, and the fresh one a payment). Inputs must all have known values and addresses; CoinJoins are
// excluded. Evidence links the first input address to the change address with confidence Confidence; it
// merges clusters only when the change heuristic is enabled (it is not by default).
type ChangeParams struct {
	// Confidence of a change link. Default 0.5.
	Confidence float64 `json:"confidence"`
	// MinOutputs, MaxOutputs bound the number of outputs. Defaults 2 and 10.
	MinOutputs int `json:"min_outputs"`
	MaxOutputs int `json:"max_outputs"`
	// RoundUnit: an amount that is a multiple of it is a payment, not change. Default 10,000 sat (0.0001 BTC).
	RoundUnit uint64 `json:"round_unit"`
}

// DefaultChangeParams are the documented defaults.
func DefaultChangeParams() ChangeParams {
	return ChangeParams{Confidence: 0.5, MinOutputs: 2, MaxOutputs: 10, RoundUnit: 10_000}
}

// ChangeEvidence returns the change link of tx, or nil.
func (p ChangeParams) ChangeEvidence(tx *BTCTx) *Evidence {
	n := len(tx.Outputs)
	if n < p.MinOutputs || n > p.MaxOutputs || len(tx.Inputs) == 0 {
		return nil
	}
	scriptType := tx.Inputs[0].ScriptType
	minIn := tx.Inputs[0].Value
	for _, in := range tx.Inputs {
		if !in.ValueKnown || in.Address == "" || in.ScriptType != scriptType {
			return nil
		}
		minIn = min(minIn, in.Value)
	}
	inputs := map[string]bool{}
	for _, in := range tx.Inputs {
		inputs[in.Address] = true
	}
	var change *BTCOutput
	for i := range tx.Outputs {
		o := &tx.Outputs[i]
		if inputs[o.Address] { // change back to an input address: the fresh output is a payment
			return nil
		}
		if !o.New || o.Address == "" {
			continue
		}
		if change != nil { // two fresh outputs: which one is change is unknown
			return nil
		}
		change = o
	}
	if change == nil || change.ScriptType != scriptType || change.Value >= minIn ||
		(p.RoundUnit > 0 && change.Value%p.RoundUnit == 0) {
		return nil
	}
	return &Evidence{Heuristic: Change, Tx: tx.TxID, Height: tx.Height, Position: Position(tx.Height, tx.Index),
		Confidence: p.Confidence, A: tx.Inputs[0].Address, B: change.Address,
		Detail: fmt.Sprintf(`{"outputs":%d,"value":%d,"script_type":%q}`, n, change.Value, scriptType)}
}
