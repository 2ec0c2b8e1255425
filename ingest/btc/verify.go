package btc

import (
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Problem is one inconsistency between the store and the node.
type Problem struct {
	Height int64  `json:"height"`
	Kind   string `json:"kind"` // missing, stale, duplicate (a tx at two heights), count
	Detail string `json:"detail"`
}

// VerifyReport is what Verify found over a range.
type VerifyReport struct {
	From     int64     `json:"from"`
	To       int64     `json:"to"`
	Blocks   int64     `json:"blocks_checked"`
	Problems []Problem `json:"problems"`
}

// VerifyBlocksQuery reads, per stored height in a range, the distinct hashes
// and the row counts each table holds for it (FINAL: what readers see).
const VerifyBlocksQuery = `SELECT height, groupArray(hash) AS hashes, any(tx_count), any(input_count), any(output_count)
FROM (SELECT DISTINCT height, hash, tx_count, input_count, output_count FROM btc_blocks FINAL WHERE height >= ? AND height <= ?)
GROUP BY height ORDER BY height`

// VerifyDuplicateTxsQuery finds transactions stored at more than one height
// in a range (the two BIP30 coinbase pairs of 2010 are real and excluded).
const VerifyDuplicateTxsQuery = `SELECT txid, groupArray(height) FROM (SELECT DISTINCT txid, height FROM btc_txs FINAL WHERE height >= ? AND height <= ?)
GROUP BY txid HAVING count() > 1 AND txid NOT IN ('d5d27987d2a3dfc724e359870c6644b40e497bdc0589a033220fe15429d88599', 'e3bf3d07d4b0375638d5f1db5255fe07ba2c4cb067cd81b84ee974b6585fb468')`

// VerifyTableCountsQuery counts a table's rows per height in a range; %s is
// one of the Bitcoin tables (not user input).
const VerifyTableCountsQuery = `SELECT height, count() FROM %s FINAL WHERE height >= ? AND height <= ? GROUP BY height`

// verifyCountTables are the tables whose rows per height Verify counts.
var verifyCountTables = []string{"btc_txs", "btc_inputs", "btc_outputs"}

// Verify compares the stored blocks in [from, to] with the node: every height
// must be stored once, with the node's hash, and with as many transactions,
// inputs and outputs as its block row says.
func Verify(ctx context.Context, st *store.Store, node *bitcoin.Client, from, to int64) (VerifyReport, error) {
	rep := VerifyReport{From: from, To: to, Problems: []Problem{}}
	type stored struct {
		hashes         []string
		txs, ins, outs uint32
	}
	blocks := map[int64]stored{}
	err := st.Query(ctx, "verify blocks", VerifyBlocksQuery, []any{uint64(from), uint64(to)},
		func() { blocks = map[int64]stored{} },
		func(r driver.Rows) error {
			var h uint64
			var s stored
			if err := r.Scan(&h, &s.hashes, &s.txs, &s.ins, &s.outs); err != nil {
				return err
			}
			blocks[int64(h)] = s
			return nil
		})
	if err != nil {
		return rep, err
	}
	counts := map[string]map[int64]uint64{}
	for _, table := range verifyCountTables {
		m := map[int64]uint64{}
		err := st.Query(ctx, "verify "+table, fmt.Sprintf(VerifyTableCountsQuery, table), []any{uint64(from), uint64(to)},
			func() { m = map[int64]uint64{} },
			func(r driver.Rows) error {
				var h, n uint64
				if err := r.Scan(&h, &n); err != nil {
					return err
				}
				m[int64(h)] = n
				return nil
			})
		if err != nil {
			return rep, err
		}
		counts[table] = m
	}
	err = st.Query(ctx, "verify duplicate txs", VerifyDuplicateTxsQuery, []any{uint64(from), uint64(to)}, nil,
		func(r driver.Rows) error {
			var txid string
			var heights []uint64
			if err := r.Scan(&txid, &heights); err != nil {
				return err
			}
			slices.Sort(heights)
			rep.Problems = append(rep.Problems, Problem{int64(heights[0]), "duplicate", fmt.Sprintf("transaction %s stored at heights %v", txid, heights)})
			return nil
		})
	if err != nil {
		return rep, err
	}
	tip, err := node.TipHeight(ctx)
	if err != nil {
		return rep, err
	}
	for h := max(from, tip+1); h <= to; h++ {
		if s, ok := blocks[h]; ok {
			rep.Blocks++
			rep.Problems = append(rep.Problems, Problem{h, "stale", fmt.Sprintf("stored %v above the node's tip %d (a reorg to a shorter chain: rerun ingest)", s.hashes, tip)})
		}
	}
	to = min(to, tip)
	const chunk = 2000
	for lo := from; lo <= to; lo += chunk {
		hi := min(lo+chunk-1, to)
		hashes, err := node.BlockHashes(ctx, lo, hi)
		if err != nil {
			return rep, err
		}
		for i, nodeHash := range hashes {
			h := lo + int64(i)
			rep.Blocks++
			s, ok := blocks[h]
			switch {
			case !ok:
				rep.Problems = append(rep.Problems, Problem{h, "missing", "no block stored at this height"})
				continue
			case len(s.hashes) > 1: // cannot survive FINAL on btc_blocks' key; kept as a guard
				rep.Problems = append(rep.Problems, Problem{h, "duplicate", fmt.Sprintf("%d different blocks stored: %v", len(s.hashes), s.hashes)})
				continue
			case s.hashes[0] != nodeHash:
				rep.Problems = append(rep.Problems, Problem{h, "stale", fmt.Sprintf("stored %s, node has %s (a reorg not yet rolled back: rerun ingest)", s.hashes[0], nodeHash)})
				continue
			}
			for _, c := range []struct {
				table string
				want  uint32
			}{{"btc_txs", s.txs}, {"btc_inputs", s.ins}, {"btc_outputs", s.outs}} {
				if got := counts[c.table][h]; got != uint64(c.want) {
					rep.Problems = append(rep.Problems, Problem{h, "count", fmt.Sprintf("%s holds %d rows, the block has %d", c.table, got, c.want)})
				}
			}
		}
	}
	return rep, nil
}
