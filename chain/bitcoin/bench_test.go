package bitcoin_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// BenchmarkDecodeBlock measures wire deserialization plus DecodeBlock of a
// 1.4 MB segwit-era mainnet block (2,500 txs, 6,517 inputs).
func BenchmarkDecodeBlock(b *testing.B) {
	raw := realdata.RawBlock(b, 702861)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
		bitcoin.DecodeBlock(&msg, 702861, mainnet)
	}
}

// BenchmarkInferInput measures input inference over every input of the same
// block.
func BenchmarkInferInput(b *testing.B) {
	raw := realdata.RawBlock(b, 702861)
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		b.Fatal(err)
	}
	var ins []*wire.TxIn
	for _, tx := range msg.Transactions[1:] {
		ins = append(ins, tx.TxIn...)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range ins {
			bitcoin.InferInput(in.SignatureScript, in.Witness, mainnet)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ins)), "ns/input")
}
