package btc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Config of a Sink.
type Config struct {
	// CacheEntries bounds the recent-output cache. Default 1,000,000
	// (roughly 150 MB).
	CacheEntries int
	// PrevoutsFromNode asks the node (getrawtransaction, needs -txindex) for
	// spent outputs that are neither in the batch, the cache nor ClickHouse:
	// history before the ingested range. Turned off by itself when the node
	// has no transaction index.
	PrevoutsFromNode bool
	Logger           *slog.Logger
}

// Sink writes Bitcoin blocks into ClickHouse.
type Sink struct {
	st       *store.Store
	node     *bitcoin.Client
	params   *chaincfg.Params
	cache    *outputCache
	log      *slog.Logger
	fromNode bool
	keeper   *checkpoint.Keeper
	// Stats of the prevout resolution, for logs and the benchmark.
	Stats ResolveStats
}

// ResolveStats counts where spent outputs were found.
type ResolveStats struct {
	// Lookup counts outputs found in ClickHouse or at the node.
	Batch, Cache, Lookup, Inferred, Unknown uint64
}

// NewSink writes to st; node serves the network parameters and, optionally,
// prevouts of history before the ingested range.
func NewSink(st *store.Store, node *bitcoin.Client, cfg Config) *Sink {
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = 1_000_000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sink{st: st, node: node, params: node.Params(), cache: newOutputCache(cfg.CacheEntries),
		log: cfg.Logger, fromNode: cfg.PrevoutsFromNode,
		keeper: checkpoint.New(st, chain.Bitcoin, "btc_blocks", Tables, cfg.Logger)}
}

// Tables are the Bitcoin tables holding rows per block height.
var Tables = []checkpoint.Table{
	{Name: "btc_blocks"},
	{Name: "btc_txs"},
	{Name: "btc_inputs"},
	{Name: "btc_outputs"},
	{Name: "transfers", Filter: "chain = 'btc'"},
	{Name: "transfers_by_address", Filter: "chain = 'btc'"},
}

// Checkpoint implements pipeline.Sink.
func (s *Sink) Checkpoint(ctx context.Context) (int64, string, error) {
	return s.keeper.Checkpoint(ctx)
}

// StoredHash implements pipeline.Sink.
func (s *Sink) StoredHash(ctx context.Context, h int64) (string, bool, error) {
	return s.keeper.StoredHash(ctx, h)
}

// Rollback implements pipeline.Sink: it deletes every row at height >= from
// and moves the checkpoint to from. Cached outputs may belong to the deleted
// blocks, so the cache is dropped when anything was deleted.
func (s *Sink) Rollback(ctx context.Context, from int64) error {
	deleted, err := s.keeper.Rollback(ctx, from)
	if deleted {
		s.cache.clear()
	}
	return err
}

// Commit implements pipeline.Sink.
func (s *Sink) Commit(ctx context.Context, blocks []Block) error {
	if len(blocks) == 0 {
		return nil
	}
	t0 := time.Now()
	found, err := s.resolve(ctx, blocks)
	if err != nil {
		return err
	}
	t1 := time.Now()
	rows := s.buildRows(blocks, found)
	first, last := uint64(blocks[0].Height), uint64(blocks[len(blocks)-1].Height)
	times, err := s.keeper.Commit(ctx, rows.batches(), first, last, blocks[len(blocks)-1].Height+1, blocks[len(blocks)-1].Hash)
	if err != nil {
		return err
	}
	s.log.Debug("batch committed", "chain", chain.Bitcoin, "from", first, "to", last,
		"resolve", t1.Sub(t0), "insert", times.Insert, "verify", times.Verify, "checkpoint", times.Checkpoint)
	// Only now are the batch's outputs stored: remember them, forget spent ones.
	for _, b := range blocks {
		for ti := range b.Txs {
			tx := &b.Txs[ti]
			for _, o := range tx.Outputs {
				op, err := newOutpoint(tx.TxID, uint32(o.Index))
				if err != nil {
					return err
				}
				s.cache.put(op, spent{o.Value, o.Type, o.Address})
			}
		}
	}
	for _, b := range blocks {
		for ti := range b.Txs {
			for _, in := range b.Txs[ti].Inputs {
				if op, err := newOutpoint(in.PrevTxID, in.PrevVout); err == nil {
					s.cache.remove(op)
				}
			}
		}
	}
	return nil
}

// resolve finds the spent output of every input that is not in the batch or
// the cache: first in ClickHouse, then (optionally) at the node.
func (s *Sink) resolve(ctx context.Context, blocks []Block) (map[outpoint]spent, error) {
	local := map[outpoint]bool{}
	for _, b := range blocks {
		for ti := range b.Txs {
			tx := &b.Txs[ti]
			for _, o := range tx.Outputs {
				op, err := newOutpoint(tx.TxID, uint32(o.Index))
				if err != nil {
					return nil, err
				}
				local[op] = true
			}
		}
	}
	missing := map[string][]uint32{}
	for _, b := range blocks {
		for ti := range b.Txs {
			tx := &b.Txs[ti]
			if tx.Coinbase {
				continue
			}
			for _, in := range tx.Inputs {
				op, err := newOutpoint(in.PrevTxID, in.PrevVout)
				if err != nil {
					return nil, fmt.Errorf("tx %s input %d: %w", tx.TxID, in.Index, err)
				}
				if local[op] {
					continue
				}
				if _, ok := s.cache.cur[op]; ok {
					continue
				}
				if _, ok := s.cache.old[op]; ok {
					continue
				}
				missing[in.PrevTxID] = append(missing[in.PrevTxID], in.PrevVout)
			}
		}
	}
	found := map[outpoint]spent{}
	if len(missing) == 0 {
		return found, nil
	}
	if err := s.lookupStore(ctx, missing, found); err != nil {
		return nil, err
	}
	if s.fromNode {
		if err := s.lookupNode(ctx, missing, found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

const lookupChunk = 2000

// LookupOutputsQuery reads the stored outputs of a set of transactions (bound
// as a clickhouse.GroupSet of txids) to resolve the inputs spending them.
const LookupOutputsQuery = "SELECT txid, vout, value, script_type, address FROM btc_outputs WHERE txid IN ?"

func (s *Sink) lookupStore(ctx context.Context, missing map[string][]uint32, found map[outpoint]spent) error {
	txids := make([]any, 0, len(missing))
	for id := range missing {
		txids = append(txids, id)
	}
	for i := 0; i < len(txids); i += lookupChunk {
		chunk := txids[i:min(i+lookupChunk, len(txids))]
		err := s.st.Query(ctx, "look up spent outputs", LookupOutputsQuery, []any{ch.GroupSet{Value: chunk}}, nil,
			func(r driver.Rows) error {
				var txid, typ, addr string
				var vout uint32
				var value uint64
				if err := r.Scan(&txid, &vout, &value, &typ, &addr); err != nil {
					return err
				}
				op, err := newOutpoint(txid, vout)
				if err != nil {
					return err
				}
				found[op] = spent{int64(value), bitcoin.ScriptType(typ), addr}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Sink) lookupNode(ctx context.Context, missing map[string][]uint32, found map[outpoint]spent) error {
	for txid, vouts := range missing {
		need := false
		for _, v := range vouts {
			op, _ := newOutpoint(txid, v)
			if _, ok := found[op]; !ok {
				need = true
			}
		}
		if !need {
			continue
		}
		tx, err := s.node.Transaction(ctx, txid)
		if errors.Is(err, bitcoin.ErrNoTxIndex) {
			s.log.Warn("the node has no transaction index: inputs spending outputs from before the ingested range get addresses inferred from their scripts and unknown values (restart the node with -txindex to resolve them)")
			s.fromNode = false
			return nil
		}
		if err != nil {
			return fmt.Errorf("fetch spent transaction %s from the node: %w", txid, err)
		}
		for _, v := range vouts {
			if int(v) >= len(tx.TxOut) {
				return fmt.Errorf("input spends output %s:%d but that transaction has %d outputs", txid, v, len(tx.TxOut))
			}
			out := tx.TxOut[v]
			typ, addr := bitcoin.ClassifyOutput(out.PkScript, s.params)
			op, _ := newOutpoint(txid, v)
			found[op] = spent{out.Value, typ, addr}
		}
	}
	return nil
}

// lookup finds an input's spent output among the batch's outputs, the cache
// and what resolve found.
func (s *Sink) lookup(op outpoint, local, found map[outpoint]spent) (spent, string, bool) {
	if v, ok := local[op]; ok {
		s.Stats.Batch++
		return v, "prevout", true
	}
	if v, ok := s.cache.get(op); ok {
		s.Stats.Cache++
		return v, "prevout", true
	}
	if v, ok := found[op]; ok {
		s.Stats.Lookup++
		return v, "prevout", true
	}
	return spent{}, "", false
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
