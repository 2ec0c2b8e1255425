package btc

import (
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement the Bitcoin ingest, stats and verify send, for
// `chainsleuth sql dump` and the dialect test (tests/dialect).
func init() {
	store.Register(checkpoint.Statements(chain.Bitcoin, "btc_blocks", Tables)...)
	// Inserts: a few rows made by the real row builder, so the column lists
	// and value types are the ones Commit sends.
	for _, b := range sampleRows().batches() {
		store.Register(store.InsertStatement("btc.insert."+b.Table, b))
	}
	from, to := uint64(0), uint64(100)
	store.Register(
		store.Statement{Name: "btc.stats", SQL: StatsQuery},
		store.Statement{Name: "btc.lookup_spent_outputs", SQL: LookupOutputsQuery,
			Args: []any{ch.GroupSet{Value: []any{sampleTxID(0, 0), sampleTxID(1, 1)}}}},
		store.Statement{Name: "btc.verify.blocks", SQL: VerifyBlocksQuery, Args: []any{from, to}},
		store.Statement{Name: "btc.verify.duplicate_txs", SQL: VerifyDuplicateTxsQuery, Args: []any{from, to}},
	)
	for _, c := range verifySpec.Counts {
		store.Register(store.Statement{Name: "btc.verify.table_counts." + c.Table, SQL: c.SQL, Args: []any{from, to}})
	}
}

func sampleTxID(height, index int) string {
	return fmt.Sprintf("%02x%02x", height, index) + strings.Repeat("ab", 30)
}

// sampleRows are the rows of two small blocks: coinbases paying P2PKH and
// OP_RETURN outputs, and a transaction spending an output of the first block
// into two outputs.
func sampleRows() *tableRows {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	coinbase := func(h int) bitcoin.Tx {
		id := sampleTxID(h, 0)
		return bitcoin.Tx{TxID: id, WTxID: id, Version: 1, Size: 120, VSize: 120, Weight: 480, Coinbase: true,
			Inputs: []bitcoin.Input{{PrevVout: 0xffffffff, Sequence: 0xffffffff}},
			Outputs: []bitcoin.Output{
				{Index: 0, Value: 5_000_000_000, Type: bitcoin.P2PKH, Address: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
				{Index: 1, Value: 0, Type: bitcoin.NullData, Script: []byte{0x6a, 0x02, 0xca, 0xfe}},
			}}
	}
	spend := bitcoin.Tx{TxID: sampleTxID(1, 1), WTxID: sampleTxID(1, 1), Index: 1, Version: 2, Size: 225, VSize: 144,
		Weight: 573, HasWitness: true,
		Inputs: []bitcoin.Input{{PrevTxID: sampleTxID(0, 0), PrevVout: 0, Sequence: 0xfffffffd}},
		Outputs: []bitcoin.Output{
			{Index: 0, Value: 4_000_000_000, Type: bitcoin.P2WPKH, Address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
			{Index: 1, Value: 999_990_000, Type: bitcoin.P2SH, Address: "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
		}}
	blocks := []Block{
		{&bitcoin.Block{Height: 0, Hash: strings.Repeat("0", 62) + "01", Time: t0, Version: 1, Bits: 0x1d00ffff,
			Size: 285, StrippedSize: 285, Weight: 1140, Txs: []bitcoin.Tx{coinbase(0)}}},
		{&bitcoin.Block{Height: 1, Hash: strings.Repeat("0", 62) + "02", PrevHash: strings.Repeat("0", 62) + "01",
			Time: t0.Add(10 * time.Minute), Version: 0x20000000, Bits: 0x1d00ffff, Size: 500, StrippedSize: 400,
			Weight: 1700, Txs: []bitcoin.Tx{coinbase(1), spend}}},
	}
	return (&Sink{cache: newOutputCache(16)}).buildRows(blocks, nil)
}
