package btc

import (
	"math/bits"
	"sort"
)

// MaxEdgesPerTx bounds the transfers one transaction writes. A transaction
// with more (input address × output address) pairs keeps its largest outputs
// only; the exact inputs and outputs stay in their tables.
const MaxEdgesPerTx = 100_000

// side is one address of a transaction with its summed amount.
type side struct {
	address string
	amount  uint64
}

// edge is one estimated address-to-address flow in satoshi.
type edge struct {
	from, to string
	amount   uint64
}

// sumByAddress merges the amounts of repeated addresses, keeping first-seen
// order so the output is deterministic.
func sumByAddress(addrs []string, amounts []uint64) []side {
	idx := map[string]int{}
	var out []side
	for i, a := range addrs {
		if j, ok := idx[a]; ok {
			out[j].amount += amounts[i]
			continue
		}
		idx[a] = len(out)
		out = append(out, side{a, amounts[i]})
	}
	return out
}

// apportion splits every output among the inputs in proportion to their
// weights: edge(a→b) = floor(value(b) · weight(a) / Σweight). Inputs with an
// empty address (unknown) take their share out of the graph; outputs with an
// empty address (OP_RETURN, non-standard) receive nothing. Edges from an
// address to itself (change) are dropped. When any input value is unknown,
// callers pass equal weights.
func apportion(ins []side, outs []side) []edge {
	var total uint64
	for _, in := range ins {
		total += in.amount
	}
	if total == 0 {
		return nil
	}
	var known []side
	for _, o := range outs {
		if o.address != "" && o.amount > 0 {
			known = append(known, o)
		}
	}
	var from []side
	for _, in := range ins {
		if in.address != "" && in.amount > 0 {
			from = append(from, in)
		}
	}
	if len(from) == 0 || len(known) == 0 {
		return nil
	}
	if len(from)*len(known) > MaxEdgesPerTx {
		sort.SliceStable(known, func(i, j int) bool { return known[i].amount > known[j].amount })
		known = known[:max(MaxEdgesPerTx/len(from), 1)]
	}
	edges := make([]edge, 0, len(from)*len(known))
	for _, in := range from {
		for _, o := range known {
			if in.address == o.address {
				continue
			}
			hi, lo := bits.Mul64(o.amount, in.amount)
			q, _ := bits.Div64(hi, lo, total) // hi < total since in.amount <= total
			if q == 0 {
				continue
			}
			edges = append(edges, edge{in.address, o.address, q})
		}
	}
	return edges
}
