package btcwallet

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

func TestEstimateVSizeIsAnUpperBoundOfTheSignedSize(t *testing.T) {
	w := New(&chaincfg.RegressionNetParams, "estimate-test", nil)
	kinds := []Kind{P2PKH, P2WPKH, P2SHP2WPKH, P2TR}
	utxo := func(i int, kind Kind) UTXO {
		addr := w.Address(i, kind)
		script, err := w.PkScript(addr)
		if err != nil {
			t.Fatal(err)
		}
		var h chainhash.Hash
		h[0], h[1] = byte(i), byte(len(kind))
		return UTXO{OutPoint: wire.OutPoint{Hash: h, Index: uint32(i)}, Value: 1_000_000, Address: addr, Kind: kind, PkScript: script}
	}
	tests := []struct {
		name   string
		inputs []Kind
		outs   []Kind
		data   bool
	}{
		{"a legacy spend to legacy", []Kind{P2PKH}, []Kind{P2PKH}, false},
		{"a segwit spend with change", []Kind{P2WPKH}, []Kind{P2WPKH, P2TR}, false},
		{"a nested segwit spend", []Kind{P2SHP2WPKH, P2SHP2WPKH}, []Kind{P2SHP2WPKH}, true},
		{"a taproot spend", []Kind{P2TR, P2TR, P2TR}, []Kind{P2TR, P2WPKH}, false},
		{"every kind mixed", kinds, kinds, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ins []UTXO
			for i, k := range tc.inputs {
				ins = append(ins, utxo(1+i, k))
			}
			var outs []Output
			for i, k := range tc.outs {
				outs = append(outs, Output{Address: w.Address(10+i, k), Value: 100_000})
			}
			if tc.data {
				outs = append(outs, Output{Data: []byte("estimate")})
			}
			est, err := w.EstimateVSize(ins, outs, "")
			if err != nil {
				t.Fatal(err)
			}
			for try := 0; try < 20; try++ { // signatures vary in length with the message
				outs[0].Value = int64(100_000 + try)
				tx, err := w.Build(ins, outs, "")
				if err != nil {
					t.Fatal(err)
				}
				vsize := (int64(tx.Msg.SerializeSizeStripped())*3 + int64(tx.Msg.SerializeSize()) + 3) / 4
				if vsize > est {
					t.Fatalf("signed vsize %d is above the estimate %d", vsize, est)
				}
				if est-vsize > 2+int64(len(ins)) {
					t.Fatalf("estimate %d is far above the signed vsize %d", est, vsize)
				}
			}
		})
	}
}
