package eth

import (
	"context"
	"log/slog"
	"math/big"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Tables are the Ethereum tables holding rows per block height.
var Tables = []checkpoint.Table{
	{Name: "eth_blocks"},
	{Name: "eth_txs"},
	{Name: "eth_logs"},
	{Name: "eth_token_transfers"},
	{Name: "eth_traces"},
	{Name: "eth_contracts"},
	{Name: "eth_tokens"},
	{Name: "transfers", Filter: "chain = 'eth'"},
	{Name: "transfers_by_address", Filter: "chain = 'eth'"},
}

// Config of a Sink.
type Config struct {
	Logger *slog.Logger
	// TokenCache bounds the token metadata kept in memory. Default 100,000.
	TokenCache int
}

// Sink writes Ethereum blocks into ClickHouse.
type Sink struct {
	st     *store.Store
	node   *ethereum.Client
	keeper *checkpoint.Keeper
	log    *slog.Logger
	tokens map[string]tokenMeta // address -> metadata, bounded
	// unresolved are tokens whose metadata the node could not give this run;
	// not asked again until the next run.
	unresolved map[string]bool
	warnings   int
	cfg        Config
}

type tokenMeta struct {
	decimals int // -1 unknown
	standard string
}

// NewSink writes to st; node serves token metadata and contract code.
func NewSink(st *store.Store, node *ethereum.Client, cfg Config) *Sink {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenCache <= 0 {
		cfg.TokenCache = 100_000
	}
	return &Sink{st: st, node: node, log: cfg.Logger, cfg: cfg, tokens: map[string]tokenMeta{}, unresolved: map[string]bool{},
		keeper: checkpoint.New(st, chain.Ethereum, "eth_blocks", Tables, cfg.Logger)}
}

// Checkpoint implements pipeline.Sink.
func (s *Sink) Checkpoint(ctx context.Context) (int64, string, error) {
	return s.keeper.Checkpoint(ctx)
}

// StoredHash implements pipeline.Sink.
func (s *Sink) StoredHash(ctx context.Context, h int64) (string, bool, error) {
	return s.keeper.StoredHash(ctx, h)
}

// Rollback implements pipeline.Sink. Token metadata first seen in the
// deleted blocks goes with them, so the cache is dropped.
func (s *Sink) Rollback(ctx context.Context, from int64) error {
	deleted, err := s.keeper.Rollback(ctx, from)
	if deleted {
		s.tokens = map[string]tokenMeta{}
	}
	return err
}

// Commit implements pipeline.Sink.
func (s *Sink) Commit(ctx context.Context, blocks []Block) error {
	if len(blocks) == 0 {
		return nil
	}
	t0 := time.Now()
	rows, newTokens, err := s.rows(ctx, blocks)
	if err != nil {
		return err
	}
	t1 := time.Now()
	first, last := uint64(blocks[0].Number), uint64(blocks[len(blocks)-1].Number)
	times, err := s.keeper.Commit(ctx, rows.batches(), first, last, blocks[len(blocks)-1].Number+1, blocks[len(blocks)-1].Hash)
	if err != nil {
		return err
	}
	s.log.Debug("batch committed", "chain", chain.Ethereum, "from", first, "to", last,
		"metadata", t1.Sub(t0), "insert", times.Insert, "verify", times.Verify, "checkpoint", times.Checkpoint)
	s.rememberTokens(newTokens)
	return nil
}

// rows builds the rows of blocks, with the metadata of tokens first seen in
// them and the contracts they create.
func (s *Sink) rows(ctx context.Context, blocks []Block) (*tableRows, []newToken, error) {
	newTokens, err := s.resolveTokens(ctx, blocks)
	if err != nil {
		return nil, nil, err
	}
	contracts, err := s.contracts(ctx, blocks)
	if err != nil {
		return nil, nil, err
	}
	return s.buildRows(blocks, newTokens, contracts), newTokens, nil
}

// rememberTokens keeps the metadata of tokens once their rows are stored.
func (s *Sink) rememberTokens(newTokens []newToken) {
	for _, t := range newTokens {
		s.remember(t.Address, tokenMeta{t.Decimals, t.standard})
	}
}

func (s *Sink) remember(addr string, m tokenMeta) {
	if len(s.tokens) >= s.cfg.TokenCache {
		s.tokens = map[string]tokenMeta{} // crude but bounded: refilled from eth_tokens
	}
	s.tokens[addr] = m
}

// newToken is a token first seen in this batch.
type newToken struct {
	ethereum.Token
	height   int64
	standard string
}

// TokensQuery reads stored token metadata for a set of addresses.
const TokensQuery = "SELECT address, argMax(decimals, height), argMax(standard, height) FROM eth_tokens WHERE address IN ? GROUP BY address"

// resolveTokens makes sure every token of the batch's transfers has known
// metadata: from memory, from eth_tokens, or read from the node (new tokens,
// returned to be stored with the batch).
func (s *Sink) resolveTokens(ctx context.Context, blocks []Block) ([]newToken, error) {
	first := map[string]int64{}
	standard := map[string]string{}
	var order []string
	for _, b := range blocks {
		for i := range b.Txs {
			for _, tt := range ethereum.DecodeTokenTransfers(b.Txs[i].Logs) {
				if _, ok := s.tokens[tt.Token]; ok || s.unresolved[tt.Token] {
					continue
				}
				if _, ok := first[tt.Token]; !ok {
					first[tt.Token] = b.Number
					standard[tt.Token] = tt.Standard
					order = append(order, tt.Token)
				}
			}
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	addrs := make([]any, len(order))
	for i, a := range order {
		addrs[i] = a
	}
	err := s.st.Query(ctx, "read token metadata", TokensQuery, []any{ch.GroupSet{Value: addrs}}, nil,
		func(r driver.Rows) error {
			var addr, std string
			var dec int16
			if err := r.Scan(&addr, &dec, &std); err != nil {
				return err
			}
			s.remember(addr, tokenMeta{int(dec), std})
			return nil
		})
	if err != nil {
		return nil, err
	}
	var out []newToken
	for _, a := range order {
		if _, ok := s.tokens[a]; ok {
			continue
		}
		tok, err := s.tokenAt(ctx, a, first[a])
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// Metadata is a convenience: a node that cannot answer (a pruned
			// node, a replay without the call) must not stop the ingest. The
			// token's transfers keep exact values and get value_float 0; a
			// later run asks again since nothing was stored.
			s.warnings++
			if s.warnings <= 10 {
				s.log.Warn("token metadata unavailable; transfers keep exact values, whole units 0", "chain", chain.Ethereum, "token", a, "err", err)
			}
			s.unresolved[a] = true
			continue
		}
		tok.Address = a
		out = append(out, newToken{tok, first[a], standard[a]})
	}
	return out, nil
}

// tokenAt reads a token's metadata at the block it was first seen in, or
// when the node has no state there (not an archive node), at the latest block.
func (s *Sink) tokenAt(ctx context.Context, addr string, height int64) (ethereum.Token, error) {
	tok, err := s.node.Token(ctx, addr, height)
	if err != nil && ctx.Err() == nil {
		tok, err = s.node.Token(ctx, addr, -1)
	}
	return tok, err
}

// contract is a created contract with its detected standards.
type contract struct {
	ethereum.Contract
	height int64
	time   time.Time
}

// contracts lists the batch's contract creations, reading runtime code from
// the node where the block did not carry it.
func (s *Sink) contracts(ctx context.Context, blocks []Block) ([]contract, error) {
	var out []contract
	for _, b := range blocks {
		for _, c := range ethereum.Contracts(b.Block) {
			if len(c.Bytecode) == 0 {
				code, err := s.node.Code(ctx, c.Address, b.Number)
				if err != nil && ctx.Err() == nil {
					code, err = s.node.Code(ctx, c.Address, -1)
				}
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					s.warnings++
					if s.warnings <= 10 {
						s.log.Warn("contract code unavailable; stored without ERC-20/721 detection", "chain", chain.Ethereum, "contract", c.Address, "err", err)
					}
				}
				c.Bytecode = code
			}
			c.IsERC20, c.IsERC721 = ethereum.DetectStandards(c.Bytecode)
			out = append(out, contract{c, b.Number, b.Time})
		}
	}
	return out, nil
}

var weiPerEth = new(big.Float).SetFloat64(1e18)

// wholeUnits converts an exact integer amount to whole units for sums and
// ranking; decimals < 0 (unknown) gives 0.
func wholeUnits(v *big.Int, decimals int) float64 {
	if v == nil || decimals < 0 {
		return 0
	}
	f := new(big.Float).SetInt(v)
	if decimals == 18 {
		f.Quo(f, weiPerEth)
	} else if decimals > 0 {
		f.Quo(f, new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)))
	}
	out, _ := f.Float64()
	return out
}

func decimal(v *big.Int) string {
	if v == nil {
		return "0"
	}
	return v.String()
}
