package testworld

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// World is a simulated world, ingested and clustered.
type World struct {
	Seed   uint64
	Result *simulate.Result
	Truth  *simulate.Truth
	Store  *store.Store
	DSN    string // the world's database
	BTCURL string
	ETHURL string
}

// Quiet is a logger for warnings and errors only.
func Quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Nodes are the fresh regtest btcd and dev chain a world was simulated on.
type Nodes struct{ BTCURL, ETHURL string }

// Simulate runs the simulator for a small world of seed on fresh nodes,
// stopped when the test ends.
func Simulate(t testing.TB, seed uint64) (*simulate.Result, Nodes) {
	t.Helper()
	p, err := simulate.ParamsFor(simulate.Small)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	btcd := testenv.StartBtcd(t, simulate.MiningAddress(seed))
	chain, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		t.Fatalf("start the dev chain: %v", err)
	}
	t.Cleanup(func() { chain.Close() })
	res, err := simulate.Run(ctx, simulate.Config{Seed: seed, Params: p, BTCRPC: btcd.URL, ETHRPC: chain.URL(), Logger: Quiet()})
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	return res, Nodes{BTCURL: btcd.URL, ETHURL: chain.URL()}
}

// Build simulates a small world of seed on fresh nodes, ingests both chains
// into a fresh database and clusters them with the default heuristics.
func Build(t testing.TB, seed uint64) *World {
	t.Helper()
	res, nodes := Simulate(t, seed)
	st, dsn := testenv.Store(t)
	w := &World{Seed: seed, Result: res, Truth: res.Truth, Store: st, DSN: dsn, BTCURL: nodes.BTCURL, ETHURL: nodes.ETHURL}
	IngestBTC(t, st, nodes.BTCURL, pipeline.Options{From: 0, To: res.BTC.LastHeight})
	IngestETH(t, st, nodes.ETHURL, pipeline.Options{From: 0, To: int64(res.ETH.LastBlock)})
	for _, c := range cluster.Chains() {
		cfg := cluster.DefaultConfig()
		cfg.Logger = Quiet()
		if _, err := cluster.Run(context.Background(), st, runs.NewRecorder(st), c, cfg); err != nil {
			t.Fatalf("cluster %s: %v", c, err)
		}
	}
	return w
}

// IngestBTC ingests blocks from a Bitcoin node (or replay server), the range
// of o, with two workers.
func IngestBTC(t testing.TB, st *store.Store, url string, o pipeline.Options) {
	t.Helper()
	ctx := context.Background()
	node, err := bitcoin.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	sink := btc.NewSink(st, node, btc.Config{PrevoutsFromNode: true, Logger: Quiet()})
	o.Workers, o.Logger = 2, Quiet()
	if err := pipeline.Run[btc.Block](ctx, btc.Source{Client: node}, sink, o); err != nil {
		t.Fatalf("ingest btc: %v", err)
	}
}

// IngestETH ingests blocks with their traces from an Ethereum node, the
// range of o, with two workers.
func IngestETH(t testing.TB, st *store.Store, url string, o pipeline.Options) {
	t.Helper()
	ctx := context.Background()
	node, err := ethereum.Dial(ctx, url, ethereum.Options{Traces: ethereum.TracesDebug, Logger: Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	o.Workers, o.Logger = 2, Quiet()
	if err := pipeline.Run[eth.Block](ctx, eth.Source{Client: node}, eth.NewSink(st, node, eth.Config{Logger: Quiet()}), o); err != nil {
		t.Fatalf("ingest eth: %v", err)
	}
}

// Clusters is a chain's address → cluster id, from the cluster job's export.
func (w *World) Clusters(t testing.TB, chainName string) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	err := cluster.Export(context.Background(), w.Store, chainName, func(a string, c uint32) error {
		out[a] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
