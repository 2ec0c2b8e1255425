package btc

import (
	"context"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Stats are exact, deduplicated counts of what is stored.
type Stats struct {
	Blocks    uint64 `json:"blocks"`
	Txs       uint64 `json:"txs"`
	Inputs    uint64 `json:"inputs"` // coinbase inputs are not stored
	Outputs   uint64 `json:"outputs"`
	MaxHeight int64  `json:"max_height"` // -1 when nothing is stored
}

// StatsQuery reads Stats; FINAL collapses rows a retried insert wrote twice.
const StatsQuery = `SELECT
    (SELECT count() FROM btc_blocks FINAL) AS blocks,
    (SELECT count() FROM btc_txs FINAL) AS txs,
    (SELECT count() FROM btc_inputs FINAL) AS inputs,
    (SELECT count() FROM btc_outputs FINAL) AS outputs,
    (SELECT if(count() = 0, -1, toInt64(max(height))) FROM btc_blocks) AS max_height`

// ReadStats reads Stats from the store.
func ReadStats(ctx context.Context, st *store.Store) (Stats, error) {
	var s Stats
	err := st.QueryRow(ctx, "btc stats", StatsQuery, nil, &s.Blocks, &s.Txs, &s.Inputs, &s.Outputs, &s.MaxHeight)
	return s, err
}
