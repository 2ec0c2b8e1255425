// Package scaledata generates large synthetic datasets straight into
// ClickHouse for the scale benchmarks (issue 8): transfers shaped like
// mainnet Bitcoin's — 3,000 per block, ten-minute blocks, addresses drawn
// from a pool of 50M — written with one INSERT … SELECT over numbers() so no
// client time is spent. The materialized view fills transfers_by_address as
// it would during ingest.
package scaledata

import (
	"context"
	"fmt"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// AddressPool is the number of distinct addresses transfers are drawn from.
const AddressPool = 50_000_000

// PerBlock is the number of transfers per generated block.
const PerBlock = 3000

// InsertTransfersSQL generates transfers number ∈ [first, first+count)
// (bound: first, count).
const InsertTransfersSQL = `INSERT INTO transfers (chain, height, time, txid, idx, from_address, to_address, asset, amount, value, kind)
SELECT 'btc', intDiv(number, 3000), toDateTime(1500000000 + intDiv(number, 3000) * 600),
    concat(lower(hex(cityHash64(intDiv(number, 3)))), lower(hex(cityHash64(intDiv(number, 3), 1))),
           lower(hex(cityHash64(intDiv(number, 3), 2))), lower(hex(cityHash64(intDiv(number, 3), 3)))),
    toUInt32(number % 3),
    concat('1addr', toString(cityHash64(number) % 50000000)),
    concat('1addr', toString(cityHash64(number, 1) % 50000000)),
    'BTC', toString(number % 100000000), (number % 100000000) / 1e8, 'utxo'
FROM numbers(?, ?)`

// Address is the name of generated address i.
func Address(i uint64) string { return fmt.Sprintf("1addr%d", i) }

// Generate writes transfers up to n in steps of step (resuming above what
// is there: a step is one INSERT), reporting each step.
func Generate(ctx context.Context, st *store.Store, n, step uint64, report func(done uint64, took time.Duration)) error {
	have, err := st.CountWhere(ctx, "transfers", false, "chain = 'btc'")
	if err != nil {
		return err
	}
	for from := have; from < n; from += step {
		to := min(from+step, n)
		start := time.Now()
		if err := st.Exec(ctx, fmt.Sprintf("generate transfers %d-%d", from, to), InsertTransfersSQL, from, to-from); err != nil {
			return err
		}
		if report != nil {
			report(to, time.Since(start))
		}
	}
	got, err := st.CountWhere(ctx, "transfers", false, "chain = 'btc'")
	if err != nil {
		return err
	}
	if got < n {
		return fmt.Errorf("generated %d transfers of %d: %w", got, n, store.ErrShortWrite)
	}
	return nil
}

func init() {
	store.Register(store.Statement{Name: "scaledata.generate_transfers", SQL: InsertTransfersSQL, Args: []any{uint64(0), uint64(3000)}})
}
