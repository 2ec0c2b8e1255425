package eth

import (
	"context"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Stats are exact, deduplicated counts of what is stored.
type Stats struct {
	Blocks         uint64 `json:"blocks"`
	Txs            uint64 `json:"txs"`
	Logs           uint64 `json:"logs"`
	TokenTransfers uint64 `json:"token_transfers"`
	Traces         uint64 `json:"traces"`
	MaxHeight      int64  `json:"max_height"` // -1 when nothing is stored
}

// StatsQuery reads Stats; FINAL collapses rows a retried insert wrote twice.
const StatsQuery = `SELECT
    (SELECT count() FROM eth_blocks FINAL) AS blocks,
    (SELECT count() FROM eth_txs FINAL) AS txs,
    (SELECT count() FROM eth_logs FINAL) AS logs,
    (SELECT count() FROM eth_token_transfers FINAL) AS token_transfers,
    (SELECT count() FROM eth_traces FINAL) AS traces,
    (SELECT if(count() = 0, -1, toInt64(max(height))) FROM eth_blocks) AS max_height`

// ReadStats reads Stats from the store.
func ReadStats(ctx context.Context, st *store.Store) (Stats, error) {
	var s Stats
	err := st.QueryRow(ctx, "eth stats", StatsQuery, nil, &s.Blocks, &s.Txs, &s.Logs, &s.TokenTransfers, &s.Traces, &s.MaxHeight)
	return s, err
}
