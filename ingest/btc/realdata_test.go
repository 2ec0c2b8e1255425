package btc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// bitcoin-etl's script type names for ours.
var etlType = map[string]string{"p2pk": "pubkey", "p2pkh": "pubkeyhash", "p2sh": "scripthash", "multisig": "multisig",
	"nulldata": "nulldata", "nonstandard": "nonstandard", "p2wpkh": "witness_v0_keyhash", "p2wsh": "witness_v0_scripthash", "p2tr": "witness_v1_taproot"}

type etlTx struct {
	Hash        string `json:"hash"`
	BlockNumber int64  `json:"block_number"`
	Index       uint32 `json:"index"`
	IsCoinbase  bool   `json:"is_coinbase"`
	InputValue  uint64 `json:"input_value"`
	OutputValue uint64 `json:"output_value"`
	Fee         uint64 `json:"fee"`
	Size        uint32 `json:"size"`
	VirtualSize uint32 `json:"virtual_size"`
	Inputs      []struct {
		SpentTx   string   `json:"spent_transaction_hash"`
		SpentVout uint32   `json:"spent_output_index"`
		Type      string   `json:"type"`
		Addresses []string `json:"addresses"`
		Value     uint64   `json:"value"`
	} `json:"inputs"`
	Outputs []struct {
		Type      string   `json:"type"`
		Addresses []string `json:"addresses"`
		Value     uint64   `json:"value"`
	} `json:"outputs"`
}

// Ingesting mainnet blocks 50001-50002 from bitcoind's recorded answers, with
// spent outputs fetched from the node (the range starts late), reproduces
// bitcoin-etl's export: every input's address, type and value, every output,
// and every fee.
func TestIngestOfRecordedMainnetBlocksReproducesBitcoinETL(t *testing.T) {
	dir := realdata.Dir(t)
	srv, err := replay.NewBitcoin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, _ := testenv.Store(t)
	sink := ingest(t, st, srv.URL(), pipeline.Options{From: 50001, To: 50002})
	if sink.Stats.Lookup == 0 || sink.Stats.Unknown != 0 || sink.Stats.Inferred != 0 {
		t.Fatalf("spent outputs should all come from the node: %+v", sink.Stats)
	}

	f, err := os.Open(filepath.Join(dir, replay.ETLBitcoinDir, "stream_50001_50002", "expected_transactions.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		var want etlTx
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		n++
		var height uint64
		var index, size, vsize uint32
		var coinbase, feeKnown uint8
		var inValue, outValue, fee uint64
		err := st.QueryRow(ctx, "tx", "SELECT height, tx_index, size, vsize, coinbase, input_value, output_value, fee, fee_known FROM btc_txs FINAL WHERE txid = ?",
			[]any{want.Hash}, &height, &index, &size, &vsize, &coinbase, &inValue, &outValue, &fee, &feeKnown)
		if err != nil {
			t.Fatalf("tx %s: %v", want.Hash, err)
		}
		if int64(height) != want.BlockNumber || index != want.Index || size != want.Size || vsize != want.VirtualSize ||
			(coinbase == 1) != want.IsCoinbase || inValue != want.InputValue || outValue != want.OutputValue || fee != want.Fee || feeKnown != 1 {
			t.Errorf("tx %s: height %d index %d size %d vsize %d coinbase %d in %d out %d fee %d (known %d); bitcoin-etl: %+v",
				want.Hash, height, index, size, vsize, coinbase, inValue, outValue, fee, feeKnown, want)
		}
		ins := queryInputs(t, st, want.Hash)
		if len(ins) != len(want.Inputs) {
			t.Fatalf("tx %s: %d inputs, bitcoin-etl has %d", want.Hash, len(ins), len(want.Inputs))
		}
		for i, w := range want.Inputs {
			g := ins[i]
			if g.PrevTxid != w.SpentTx || g.PrevVout != w.SpentVout || etlType[g.Type] != w.Type || []string{g.Address}[0] != w.Addresses[0] || g.Value != w.Value || g.Known != 1 {
				t.Errorf("tx %s input %d: %+v; bitcoin-etl %+v", want.Hash, i, g, w)
			}
		}
		outs := queryOutputs(t, st, want.Hash)
		if len(outs) != len(want.Outputs) {
			t.Fatalf("tx %s: %d outputs, bitcoin-etl has %d", want.Hash, len(outs), len(want.Outputs))
		}
		for i, w := range want.Outputs {
			g := outs[i]
			if etlType[g.Type] != w.Type || g.Address != w.Addresses[0] || g.Value != w.Value {
				t.Errorf("tx %s output %d: %+v; bitcoin-etl %+v", want.Hash, i, g, w)
			}
		}
	}
	if n != 4 {
		t.Fatalf("compared %d transactions, the export has 4", n)
	}
	s, err := btc.ReadStats(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if s.Blocks != 2 || s.Txs != 4 || s.MaxHeight != 50002 {
		t.Fatalf("stats %+v", s)
	}
}

// A mainnet block ingested alone (no history, no transaction index) still
// stores every transaction, input and output; input addresses come from the
// scriptSig/witness with values marked unknown, and the counts match the
// block's index entry.
func TestIngestOfALoneMainnetBlockInfersInputAddresses(t *testing.T) {
	dir := realdata.Dir(t)
	blocks, err := realdata.OpenBlocks(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := replay.NewBitcoin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, height := range []int64{363703, 574200} {
		blk, ok := blocks.ByHeight(height)
		if !ok {
			t.Fatalf("block %d not in the index", height)
		}
		st, _ := testenv.Store(t)
		sink := ingest(t, st, srv.URL(), pipeline.Options{From: height, To: height})
		s, err := btc.ReadStats(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		if s.Blocks != 1 || s.Txs != uint64(blk.NTx) || s.Inputs != uint64(blk.NInputsNonCoinbase) || s.Outputs != uint64(blk.NOutputs) {
			t.Errorf("block %d: stats %+v; index says %d txs, %d inputs, %d outputs", height, s, blk.NTx, blk.NInputsNonCoinbase, blk.NOutputs)
		}
		// Inputs that spend an output of the same block resolve exactly; all
		// others fall back to inference, and nearly all of them (P2PKH, P2SH,
		// SegWit spends) reveal their address.
		var inferred, prevout, unknownValue, inBlock uint64
		err = st.Query(context.Background(), "sources", `SELECT countIf(address_source = 'inferred'), countIf(address_source = 'prevout'), countIf(value_known = 0),
			countIf(prev_txid IN (SELECT txid FROM btc_txs)) FROM btc_inputs FINAL`, nil, nil,
			func(r driver.Rows) error { return r.Scan(&inferred, &prevout, &unknownValue, &inBlock) })
		if err != nil {
			t.Fatal(err)
		}
		if prevout != inBlock || unknownValue != s.Inputs-inBlock || float64(inferred) < 0.95*float64(s.Inputs-inBlock) {
			t.Errorf("block %d: %d inputs: %d spend the same block, %d resolved, %d inferred, %d with unknown value", height, s.Inputs, inBlock, prevout, inferred, unknownValue)
		}
		t.Logf("block %d: %d inputs: %d resolved in-block, %d inferred from scripts", height, s.Inputs, prevout, inferred)
		if sink.Stats.Inferred != inferred {
			t.Errorf("block %d: sink counted %d inferred, table has %d", height, sink.Stats.Inferred, inferred)
		}
	}
}
