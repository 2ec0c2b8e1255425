package bitcoin_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// prevout is one spent output of block 277647, decoded from btcd's utxo store.
type prevout struct {
	TxID      string   `json:"txid"`
	Vout      uint32   `json:"vout"`
	Value     int64    `json:"value_sat"`
	Script    string   `json:"scriptPubKey_hex"`
	Type      string   `json:"type"`
	Addresses []string `json:"addresses"`
	Height    int64    `json:"height"`
	Coinbase  bool     `json:"coinbase"`
}

type outpoint struct {
	txid string
	vout uint32
}

func TestBlock277647BalancesExactlyWithItsPrevouts(t *testing.T) {
	dir := realdata.Dir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "derived", "btcd-277647.prevouts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Prevouts []prevout `json:"prevouts"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	prevouts := map[outpoint]prevout{}
	for _, p := range file.Prevouts {
		prevouts[outpoint{p.TxID, p.Vout}] = p
	}

	var block *bitcoin.Block
	for _, d := range realBlocks(t) {
		if d.ref.Height == 277647 {
			block = d.block
		}
	}
	if block == nil {
		t.Fatal("block 277647 is not in the index")
	}

	const subsidy = 25_0000_0000
	var fees, coinbaseOut int64
	var resolved, inferredChecked int
	for _, tx := range block.Txs {
		var in, out int64
		for _, o := range tx.Outputs {
			out += o.Value
		}
		if tx.Coinbase {
			coinbaseOut = out
			continue
		}
		for _, input := range tx.Inputs {
			p, ok := prevouts[outpoint{input.PrevTxID, input.PrevVout}]
			if !ok {
				t.Fatalf("tx %s input %d spends %s:%d, which the utxo store lacks", tx.TxID, input.Index, input.PrevTxID, input.PrevVout)
			}
			resolved++
			in += p.Value
			script, err := hex.DecodeString(p.Script)
			if err != nil {
				t.Fatal(err)
			}
			typ, addr := bitcoin.ClassifyOutput(script, mainnet)
			if etlType(typ) != p.Type || len(p.Addresses) != 1 || addr != p.Addresses[0] {
				t.Errorf("prevout %s:%d classified (%s, %s), store says (%s, %v)", p.TxID, p.Vout, typ, addr, p.Type, p.Addresses)
			}
			if input.InferredAddress != "" {
				inferredChecked++
				if input.InferredAddress != addr || input.InferredType != typ {
					t.Errorf("tx %s input %d: inferred (%s, %s), spent output is (%s, %s)", tx.TxID, input.Index, input.InferredType, input.InferredAddress, typ, addr)
				}
			}
		}
		if in < out {
			t.Errorf("tx %s spends %d sat and pays %d", tx.TxID, in, out)
		}
		fees += in - out
	}
	if resolved != len(file.Prevouts) || resolved != 732 {
		t.Errorf("resolved %d inputs, store has %d prevouts, index says 732", resolved, len(file.Prevouts))
	}
	if fees+subsidy != coinbaseOut {
		t.Fatalf("fees %d + subsidy %d = %d, coinbase pays %d", fees, subsidy, fees+subsidy, coinbaseOut)
	}
	if coinbaseOut != 2504737355 {
		t.Errorf("coinbase pays %d, the store's note says 2504737355", coinbaseOut)
	}
	if inferredChecked != resolved {
		t.Errorf("only %d of %d inputs had an inferred address", inferredChecked, resolved)
	}

	spentAddrs := map[string]bool{}
	for _, p := range file.Prevouts {
		for _, a := range p.Addresses {
			spentAddrs[a] = true
		}
	}
	var sightings int
	for _, hit := range readLabelHits(t, dir) {
		for _, seen := range hit.SeenIn {
			if seen[0].(float64) == 277647 && seen[1].(string) == "input(prevout from utxostore)" {
				sightings++
				if !spentAddrs[hit.Address] {
					t.Errorf("label index saw %s spent in block 277647; no prevout pays it", hit.Address)
				}
			}
		}
	}
	if sightings == 0 {
		t.Error("no labelled address is spent in block 277647; the label index says some are")
	}
}

// etlType maps our script types to the names bitcoin-etl and Bitcoin Core's
// old verbose JSON use.
func etlType(t bitcoin.ScriptType) string {
	switch t {
	case bitcoin.P2PK:
		return "pubkey"
	case bitcoin.P2PKH:
		return "pubkeyhash"
	case bitcoin.P2SH:
		return "scripthash"
	case bitcoin.P2WPKH:
		return "witness_v0_keyhash"
	case bitcoin.P2WSH:
		return "witness_v0_scripthash"
	case bitcoin.P2TR:
		return "witness_v1_taproot"
	case bitcoin.Unknown:
		return ""
	}
	return string(t) // multisig, nulldata, nonstandard, witness_unknown, anchor
}
