package eth_test

import (
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestBackfillOfTracesEqualsAnIngestWithTraces(t *testing.T) {
	ctx := testContext(t)
	chain := must(devnet.Start(ctx, devnet.Config{}))(t)
	t.Cleanup(func() { chain.Close() })
	fill := must(devnet.FillBlocks(ctx, chain, 30, 12))(t)
	if fill.Purchases == 0 {
		t.Fatal("the filled blocks hold no crowdsale purchase, so no internal transfer to backfill")
	}

	without, _ := testenv.Store(t)
	ingestRange(t, without, chain.URL(), -1, -1, ethereum.Options{Traces: ethereum.TracesOff})
	if n := count(t, without, "eth_blocks", "traces_missing = 0"); n != 0 {
		t.Fatalf("%d blocks ingested without traces are not marked traces_missing", n)
	}
	if n := count(t, without, "transfers", "kind = 'internal'") + count(t, without, "eth_traces", ""); n != 0 {
		t.Fatalf("%d internal transfers and traces without traces", n)
	}

	node := must(ethereum.Dial(ctx, chain.URL(), ethereum.Options{Traces: ethereum.TracesDebug, Logger: quiet()}))(t)
	t.Cleanup(node.Close)
	sink := eth.NewSink(without, node, eth.Config{Logger: quiet()})
	var reports []eth.BackfillProgress
	done := must(sink.Backfill(ctx, eth.Source{Client: node}, 7, func(p eth.BackfillProgress) { reports = append(reports, p) }))(t)
	head := int(chain.Head())
	if done != head+1 || len(reports) != (head+1+6)/7 || reports[len(reports)-1] != (eth.BackfillProgress{Done: head + 1, Total: head + 1}) {
		t.Errorf("backfilled %d blocks in %d chunks (%v); want %d blocks in chunks of 7", done, len(reports), reports, head+1)
	}

	with, _ := testenv.Store(t)
	ingestRange(t, with, chain.URL(), -1, -1, ethereum.Options{Traces: ethereum.TracesDebug})
	want := testenv.Digest(t, with, testenv.EthereumTables)
	got := testenv.Digest(t, without, testenv.EthereumTables)
	for table := range testenv.EthereumTables {
		if got[table] != want[table] {
			t.Errorf("%s after the backfill: %s; an ingest with traces: %s", table, got[table], want[table])
		}
	}
	if n := count(t, without, "transfers", "kind = 'internal'"); n != uint64(fill.Purchases) {
		t.Errorf("%d internal transfers after the backfill, want one per purchase (%d)", n, fill.Purchases)
	}
	if again := must(sink.Backfill(ctx, eth.Source{Client: node}, 7, nil))(t); again != 0 {
		t.Errorf("a second backfill rewrote %d blocks, want none", again)
	}
}
