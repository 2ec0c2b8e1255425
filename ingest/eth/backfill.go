package eth

import (
	"context"
	"errors"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// MissingTracesQuery lists the stored blocks, below the checkpoint, that
// were ingested without traces.
const MissingTracesQuery = "SELECT height, hash FROM eth_blocks FINAL WHERE traces_missing = 1 AND height < ? ORDER BY height"

// ErrBlockChanged is returned by Backfill when the node's block at a height
// is no longer the stored one (a reorg the ingest has not followed yet).
var ErrBlockChanged = errors.New("the node's block differs from the stored one")

// BackfillProgress reports a backfill after each chunk of blocks.
type BackfillProgress struct{ Done, Total int }

// Backfill rewrites the stored blocks that were ingested without traces
// (eth_blocks.traces_missing = 1, below the checkpoint) with their traces:
// their internal transfers, trace rows and contracts created by contracts
// appear; every other row is written again with the same key and replaces
// itself. It works in runs of consecutive heights of at most chunk blocks.
// Within a run, every table but eth_blocks is written and verified first and
// the eth_blocks rows, which clear traces_missing, last: a crash leaves the
// run marked and a later backfill writes it again. The checkpoint does not
// move. src must fetch traces (its client's trace mode not "off").
func (s *Sink) Backfill(ctx context.Context, src Source, chunk int, progress func(BackfillProgress)) (int, error) {
	if chunk <= 0 {
		chunk = 100
	}
	next, _, err := s.keeper.Checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	type stored struct {
		height int64
		hash   string
	}
	var missing []stored
	err = s.st.Query(ctx, "list blocks without traces", MissingTracesQuery, []any{uint64(next)},
		func() { missing = nil },
		func(r driver.Rows) error {
			var h uint64
			var hash string
			if err := r.Scan(&h, &hash); err != nil {
				return err
			}
			missing = append(missing, stored{int64(h), hash})
			return nil
		})
	if err != nil || len(missing) == 0 {
		return 0, err
	}
	s.log.Info("backfilling traces", "chain", chain.Ethereum, "blocks", len(missing), "from", missing[0].height, "to", missing[len(missing)-1].height)
	done := 0
	for start := 0; start < len(missing); {
		end := start + 1
		for end < len(missing) && end-start < chunk && missing[end].height == missing[end-1].height+1 {
			end++
		}
		blocks := make([]Block, 0, end-start)
		for _, m := range missing[start:end] {
			b, err := src.Fetch(ctx, m.height)
			if err != nil {
				return done, err
			}
			if b.Hash != m.hash {
				return done, fmt.Errorf("backfill block %d: stored %s, node has %s: %w; run `chainsleuth ingest eth` first to follow the reorg",
					m.height, m.hash, b.Hash, ErrBlockChanged)
			}
			if b.TracesMissing {
				return done, fmt.Errorf("backfill block %d: %w", m.height, ethereum.ErrTracesOff)
			}
			blocks = append(blocks, b)
		}
		if err := s.rewrite(ctx, blocks); err != nil {
			return done, err
		}
		done += len(blocks)
		if progress != nil {
			progress(BackfillProgress{done, len(missing)})
		}
		start = end
	}
	return done, nil
}

// rewrite writes blocks of consecutive heights again, eth_blocks last.
func (s *Sink) rewrite(ctx context.Context, blocks []Block) error {
	rows, newTokens, err := s.rows(ctx, blocks)
	if err != nil {
		return err
	}
	var rest, last []store.Batch
	for _, b := range rows.batches() {
		switch b.Table {
		case "eth_blocks":
			last = append(last, b)
		case "eth_tokens":
			// Only tokens never resolved before are sent; the range holds
			// the others already, so its count cannot be compared.
			if b.Len() > 0 {
				if err := s.st.Insert(ctx, b); err != nil {
					return err
				}
			}
		default:
			rest = append(rest, b)
		}
	}
	first, end := uint64(blocks[0].Number), uint64(blocks[len(blocks)-1].Number)
	for _, batches := range [][]store.Batch{rest, last} {
		if _, err := s.keeper.Write(ctx, batches, first, end); err != nil {
			return fmt.Errorf("backfill blocks %d-%d: %w", first, end, err)
		}
	}
	s.rememberTokens(newTokens)
	return nil
}
