package btc_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func ingest(t *testing.T, st *store.Store, url string, o pipeline.Options) *btc.Sink {
	t.Helper()
	ctx := context.Background()
	node, err := bitcoin.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	sink := btc.NewSink(st, node, btc.Config{PrevoutsFromNode: true, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if o.Workers == 0 {
		o.Workers = 3
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if err := pipeline.Run[btc.Block](ctx, btc.Source{Client: node}, sink, o); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sink
}

type inputRow struct {
	Address, Type, Source, PrevTxid string
	Value                           uint64
	Known                           uint8
	PrevVout                        uint32
}

type outputRow struct {
	Address, Type, Script string
	Value                 uint64
}

func queryInputs(t *testing.T, st *store.Store, txid string) []inputRow {
	t.Helper()
	var rows []inputRow
	err := st.Query(context.Background(), "inputs", "SELECT address, script_type, address_source, prev_txid, value, value_known, prev_vout FROM btc_inputs FINAL WHERE txid = ? ORDER BY vin", []any{txid},
		func() { rows = nil }, func(r driver.Rows) error {
			var x inputRow
			if err := r.Scan(&x.Address, &x.Type, &x.Source, &x.PrevTxid, &x.Value, &x.Known, &x.PrevVout); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func queryOutputs(t *testing.T, st *store.Store, txid string) []outputRow {
	t.Helper()
	var rows []outputRow
	err := st.Query(context.Background(), "outputs", "SELECT address, script_type, script_hex, value FROM btc_outputs FINAL WHERE txid = ? ORDER BY vout", []any{txid},
		func() { rows = nil }, func(r driver.Rows) error {
			var x outputRow
			if err := r.Scan(&x.Address, &x.Type, &x.Script, &x.Value); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var kindType = map[btcwallet.Kind]string{btcwallet.P2PKH: "p2pkh", btcwallet.P2WPKH: "p2wpkh", btcwallet.P2SHP2WPKH: "p2sh", btcwallet.P2TR: "p2tr"}

func TestIngestStoresEveryTransactionSentToARegtestNode(t *testing.T) {
	st, _ := testenv.Store(t)
	r := regtest.Start(t, "ingest-rows", 103)
	w := r.Wallet
	ctx := context.Background()

	// tx A: two coinbases (one address) fan out to every address type, an
	// OP_RETURN and change.
	cbs := w.UTXOs(r.Synced)[:2]
	a := r.Send(t, cbs, []btcwallet.Output{
		{Address: w.Address(1, btcwallet.P2PKH), Value: 10_0000_0000},
		{Address: w.Address(2, btcwallet.P2WPKH), Value: 7_0000_0000},
		{Address: w.Address(3, btcwallet.P2SHP2WPKH), Value: 5_0000_0000},
		{Address: w.Address(4, btcwallet.P2TR), Value: 3_0000_0000},
		{Data: []byte("chainsleuth regtest")},
	}, w.Address(0, btcwallet.P2WPKH))
	r.Mine(t, 1)
	// tx B: a multi-input spend from three addresses of three types, paying a
	// P2PKH, a P2TR and a P2SH address, with change to a fresh P2WPKH.
	ins := []btcwallet.UTXO{
		r.UTXOOf(t, a.TxID, w.Address(1, btcwallet.P2PKH)),
		r.UTXOOf(t, a.TxID, w.Address(2, btcwallet.P2WPKH)),
		r.UTXOOf(t, a.TxID, w.Address(4, btcwallet.P2TR)),
	}
	b := r.Send(t, ins, []btcwallet.Output{
		{Address: w.Address(10, btcwallet.P2PKH), Value: 12_0000_0000},
		{Address: w.Address(11, btcwallet.P2TR), Value: 1_5000_0000},
		{Address: w.Address(12, btcwallet.P2SHP2WPKH), Value: 5000_0000},
	}, w.Address(13, btcwallet.P2WPKH))
	// tx C in the same block, spending B's change (an in-block spend) and the nested-SegWit output of A.
	// Its outputs are built after B, so look B's change up through the wallet.
	c := r.Send(t, []btcwallet.UTXO{
		r.UTXOOf(t, b.TxID, w.Address(13, btcwallet.P2WPKH)),
		r.UTXOOf(t, a.TxID, w.Address(3, btcwallet.P2SHP2WPKH)),
	}, []btcwallet.Output{{Address: w.Address(20, btcwallet.P2PKH), Value: 6_0000_0000}}, w.Address(21, btcwallet.P2WPKH))
	r.Mine(t, 2)

	sink := ingest(t, st, r.Node.URL, pipeline.Options{From: -1, To: -1, Confirmations: 1, BatchBlocks: 40})
	if sink.Stats.Unknown != 0 || sink.Stats.Inferred != 0 {
		t.Fatalf("with the whole chain ingested every prevout must resolve: %+v", sink.Stats)
	}

	for _, tx := range []*btcwallet.Tx{a, b, c} {
		var fee, inValue, outValue uint64
		var feeKnown uint8
		var inCount uint32
		if err := st.QueryRow(ctx, "tx", "SELECT fee, fee_known, input_value, output_value, input_count FROM btc_txs FINAL WHERE txid = ?", []any{tx.TxID}, &fee, &feeKnown, &inValue, &outValue, &inCount); err != nil {
			t.Fatalf("tx %s: %v", tx.TxID, err)
		}
		if int64(fee) != tx.Fee || feeKnown != 1 || int(inCount) != len(tx.Inputs) {
			t.Errorf("tx %s: fee %d known %d inputs %d; sent fee %d with %d inputs", tx.TxID, fee, feeKnown, inCount, tx.Fee, len(tx.Inputs))
		}
		ins := queryInputs(t, st, tx.TxID)
		if len(ins) != len(tx.Inputs) {
			t.Fatalf("tx %s: %d input rows, sent %d", tx.TxID, len(ins), len(tx.Inputs))
		}
		for i, u := range tx.Inputs {
			got := ins[i]
			want := inputRow{Address: u.Address, Type: kindType[u.Kind], Source: "prevout", PrevTxid: u.OutPoint.Hash.String(), Value: uint64(u.Value), Known: 1, PrevVout: u.OutPoint.Index}
			if u.Coinbase {
				want.Type = "p2pkh"
			}
			if got != want {
				t.Errorf("tx %s input %d:\n got %+v\nwant %+v", tx.TxID, i, got, want)
			}
		}
		outs := queryOutputs(t, st, tx.TxID)
		if len(outs) != len(tx.Msg.TxOut) {
			t.Fatalf("tx %s: %d output rows, sent %d", tx.TxID, len(outs), len(tx.Msg.TxOut))
		}
		for i, o := range tx.Msg.TxOut {
			got := outs[i]
			if got.Value != uint64(o.Value) {
				t.Errorf("tx %s output %d: value %d, sent %d", tx.TxID, i, got.Value, o.Value)
			}
			if i < len(tx.Outputs) && tx.Outputs[i].Address == "" { // the OP_RETURN
				if got.Type != "nulldata" || got.Address != "" || got.Script != hex.EncodeToString(o.PkScript) {
					t.Errorf("tx %s output %d: OP_RETURN stored as %+v", tx.TxID, i, got)
				}
				continue
			}
			wantAddr := ""
			if i < len(tx.Outputs) {
				wantAddr = tx.Outputs[i].Address
			} else {
				wantAddr = "change"
			}
			if wantAddr != "change" && got.Address != wantAddr {
				t.Errorf("tx %s output %d: address %s, sent to %s", tx.TxID, i, got.Address, wantAddr)
			}
			if got.Script != "" {
				t.Errorf("tx %s output %d: script kept for an addressed output", tx.TxID, i)
			}
		}
	}
	// Output types of B: p2pkh, p2tr, p2sh, p2wpkh (change).
	var types []string
	for _, o := range queryOutputs(t, st, b.TxID) {
		types = append(types, o.Type)
	}
	if fmt.Sprint(types) != "[p2pkh p2tr p2sh p2wpkh]" {
		t.Errorf("tx B output types %v", types)
	}

	// Transfers of B: every input address sends to every output address in
	// proportion to its value; the sum over an output equals the output.
	type flow struct {
		from, to string
		amount   uint64
	}
	var flows []flow
	err := st.Query(ctx, "transfers", "SELECT from_address, to_address, toUInt64(amount) FROM transfers FINAL WHERE chain = 'btc' AND txid = ? ORDER BY idx", []any{b.TxID},
		func() { flows = nil }, func(rw driver.Rows) error {
			var f flow
			if err := rw.Scan(&f.from, &f.to, &f.amount); err != nil {
				return err
			}
			flows = append(flows, f)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	var inTotal uint64
	for _, u := range b.Inputs {
		inTotal += uint64(u.Value)
	}
	if len(flows) != len(b.Inputs)*len(b.Msg.TxOut) {
		t.Fatalf("tx B: %d transfers, want %d", len(flows), len(b.Inputs)*len(b.Msg.TxOut))
	}
	for _, f := range flows {
		var from, to uint64
		for _, u := range b.Inputs {
			if u.Address == f.from {
				from = uint64(u.Value)
			}
		}
		for i, o := range b.Msg.TxOut {
			if _, addrs := outputAddress(t, o); addrs == f.to {
				to = uint64(b.Msg.TxOut[i].Value)
			}
		}
		if want := to * from / inTotal; f.amount != want { // no overflow at these amounts
			t.Errorf("transfer %s -> %s: %d, want %d", f.from, f.to, f.amount, want)
		}
	}

	// Stats equal the node's own counts.
	s, err := btc.ReadStats(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	tip, _ := r.Node.Height(ctx)
	var txs, inputs, outputs uint64
	for h := int64(0); h <= tip; h++ {
		var hash string
		var blk struct {
			Tx []struct {
				Vin  []struct{ Coinbase string } `json:"vin"`
				Vout []struct{}                  `json:"vout"`
			} `json:"rawtx"`
		}
		if err := r.Node.Call(ctx, "getblockhash", []any{h}, &hash); err != nil {
			t.Fatal(err)
		}
		if err := r.Node.Call(ctx, "getblock", []any{hash, 2}, &blk); err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Tx {
			txs++
			outputs += uint64(len(tx.Vout))
			for _, in := range tx.Vin {
				if in.Coinbase == "" {
					inputs++
				}
			}
		}
	}
	want := btc.Stats{Blocks: uint64(tip + 1), Txs: txs, Inputs: inputs, Outputs: outputs, MaxHeight: tip}
	if s != want {
		t.Fatalf("stats %+v, node has %+v", s, want)
	}
}

func outputAddress(t *testing.T, o *wire.TxOut) (bitcoin.ScriptType, string) {
	t.Helper()
	return bitcoin.ClassifyOutput(o.PkScript, &chaincfg.RegressionNetParams)
}
