package transfers

import (
	"time"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Table is the shared transfers table.
const Table = "transfers"

// Rows are transfers in columns, appended in order.
type Rows struct {
	chain, txid, from, to, asset, amount, kind []string
	height                                     []uint64
	time                                       []time.Time
	idx                                        []uint32
	value                                      []float64
}

// Add appends one transfer.
func (r *Rows) Add(t chain.Transfer) {
	r.chain = append(r.chain, t.Chain)
	r.height = append(r.height, t.Height)
	r.time = append(r.time, t.Time)
	r.txid = append(r.txid, t.TxID)
	r.idx = append(r.idx, t.Index)
	r.from = append(r.from, t.From)
	r.to = append(r.to, t.To)
	r.asset = append(r.asset, t.Asset)
	r.amount = append(r.amount, t.Amount)
	r.value = append(r.value, t.Value)
	r.kind = append(r.kind, string(t.Kind))
}

// Len is the number of rows.
func (r *Rows) Len() int { return len(r.txid) }

// Batch is the insert of the rows.
func (r *Rows) Batch() store.Batch {
	return store.Batch{Table: Table,
		Columns: []string{"chain", "height", "time", "txid", "idx", "from_address", "to_address", "asset", "amount", "value", "kind"},
		Data:    []any{r.chain, r.height, r.time, r.txid, r.idx, r.from, r.to, r.asset, r.amount, r.value, r.kind}}
}
