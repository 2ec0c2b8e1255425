package cluster

// BTCTx is a non-coinbase Bitcoin transaction as the heuristics see it.
type BTCTx struct {
	TxID    string
	Height  uint64
	Index   uint32
	Inputs  []BTCInput
	Outputs []BTCOutput
}

// BTCInput is a spent output: its address ("" when unknown), script type and value.
type BTCInput struct {
	Address    string
	ScriptType string
	Value      uint64
	ValueKnown bool
}

// BTCOutput is an output; New says its address appears here for the first time on the chain (as far as
// the ingested history goes).
type BTCOutput struct {
	Address    string
	ScriptType string
	Value      uint64
	New        bool
}

// distinctInputAddresses in input order.
func (tx *BTCTx) distinctInputAddresses() []string {
	seen := make(map[string]bool, len(tx.Inputs))
	var out []string
	for _, in := range tx.Inputs {
		if in.Address != "" && !seen[in.Address] {
			seen[in.Address] = true
			out = append(out, in.Address)
		}
	}
	return out
}
