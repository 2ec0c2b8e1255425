package btc

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// BenchmarkBuildRows turns a recorded mainnet block (574,200: 2,000-odd
// transactions) into the rows of every table, its spent outputs unknown
// (inferred from the inputs, as for a block ingested alone).
func BenchmarkBuildRows(b *testing.B) {
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(realdata.RawBlock(b, 574200))); err != nil {
		b.Fatal(err)
	}
	blk := []Block{{bitcoin.DecodeBlock(&msg, 574200, &chaincfg.MainNetParams)}}
	s := &Sink{cache: newOutputCache(1_000_000)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := s.buildRows(blk, nil); len(r.txs.txid) != len(blk[0].Txs) {
			b.Fatalf("%d transaction rows for %d transactions", len(r.txs.txid), len(blk[0].Txs))
		}
	}
}
