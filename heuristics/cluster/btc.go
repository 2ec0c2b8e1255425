package cluster

import (
	"context"
	"sort"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// btcEvidence reads the non-coinbase transactions of a range and runs the Bitcoin heuristics on each:
// CoinJoin detection first (a CoinJoin gets no links), then co-spend (when enabled) and one-time change
// (always: its evidence is recorded, and merges only when change is enabled).
func btcEvidence(ctx context.Context, j *job, lo, hi uint64, c *chunk) ([]Evidence, []CoinJoin, error) {
	var ev []Evidence
	var cjs []CoinJoin
	err := j.st.Query(ctx, "read bitcoin transactions", btcTxsSQL, []any{lo, hi, lo, hi},
		func() { ev, cjs = ev[:0], cjs[:0] },
		func(r driver.Rows) error {
			tx, err := scanBTCTx(r, c)
			if err != nil {
				return err
			}
			if cj := j.cfg.CoinJoin.DetectCoinJoin(tx); cj != nil {
				cjs = append(cjs, *cj)
				return nil
			}
			if j.enabled[CoSpend] {
				ev = append(ev, j.cfg.CoSpend.CoSpendEvidence(tx)...)
			}
			if e := j.cfg.Change.ChangeEvidence(tx); e != nil {
				ev = append(ev, *e)
			}
			return nil
		})
	return ev, cjs, err
}

func scanBTCTx(r driver.Rows, c *chunk) (*BTCTx, error) {
	var (
		tx                  BTCTx
		vins, vouts         []uint32
		inAddrs, inTypes    []string
		outAddrs, outTypes  []string
		inValues, outValues []uint64
		inKnown             []uint8
	)
	if err := r.Scan(&tx.TxID, &tx.Height, &tx.Index, &vins, &inAddrs, &inTypes, &inValues, &inKnown,
		&vouts, &outAddrs, &outTypes, &outValues); err != nil {
		return nil, err
	}
	pos := Position(tx.Height, tx.Index)
	tx.Inputs = make([]BTCInput, len(vins))
	for i := range vins {
		tx.Inputs[i] = BTCInput{Address: inAddrs[i], ScriptType: inTypes[i], Value: inValues[i], ValueKnown: inKnown[i] == 1}
	}
	sort.Sort(byIndex[BTCInput]{vins, tx.Inputs})
	tx.Outputs = make([]BTCOutput, len(vouts))
	for i := range vouts {
		a := outAddrs[i]
		tx.Outputs[i] = BTCOutput{Address: a, ScriptType: outTypes[i], Value: outValues[i], New: a != "" && c.New(a, pos)}
	}
	sort.Sort(byIndex[BTCOutput]{vouts, tx.Outputs})
	return &tx, nil
}

// byIndex sorts items by their vin or vout.
type byIndex[T any] struct {
	idx   []uint32
	items []T
}

func (s byIndex[T]) Len() int           { return len(s.idx) }
func (s byIndex[T]) Less(a, b int) bool { return s.idx[a] < s.idx[b] }
func (s byIndex[T]) Swap(a, b int) {
	s.idx[a], s.idx[b] = s.idx[b], s.idx[a]
	s.items[a], s.items[b] = s.items[b], s.items[a]
}
