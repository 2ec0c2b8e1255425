package bitcoin_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

var mainnet = &chaincfg.MainNetParams

// decodedBlocks decodes every block of the real-data index once per test
// binary; several tests look at the result.
var decodedBlocks = sync.OnceValues(func() ([]decoded, error) {
	dir, err := realdata.Find()
	if err != nil {
		return nil, err
	}
	blocks, err := realdata.OpenBlocks(dir)
	if err != nil {
		return nil, err
	}
	var out []decoded
	for _, ref := range blocks.Index() {
		raw, err := blocks.Raw(ref)
		if err != nil {
			return nil, err
		}
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
			return nil, err
		}
		out = append(out, decoded{ref: ref, block: bitcoin.DecodeBlock(&msg, ref.Height, mainnet)})
	}
	return out, nil
})

type decoded struct {
	ref   realdata.Block
	block *bitcoin.Block
}

func realBlocks(t *testing.T) []decoded {
	t.Helper()
	realdata.Dir(t)
	out, err := decodedBlocks()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryRealBlockDecodesToTheIndexedCounts(t *testing.T) {
	for _, d := range realBlocks(t) {
		ref, b := d.ref, d.block
		var inputs, outputs, multiInput, segwit int
		for i, tx := range b.Txs {
			if tx.Coinbase != (i == 0) {
				t.Errorf("block %d tx %d: coinbase=%v", ref.Height, i, tx.Coinbase)
			}
			if !tx.Coinbase {
				inputs += len(tx.Inputs)
				if len(tx.Inputs) > 1 {
					multiInput++
				}
			}
			outputs += len(tx.Outputs)
			if tx.HasWitness {
				segwit++
			}
		}
		got := []int{len(b.Txs), inputs, outputs, multiInput, segwit, b.Size}
		want := []int{ref.NTx, ref.NInputsNonCoinbase, ref.NOutputs, ref.NMultiInputTxs, ref.NSegwitTxs, ref.Size}
		if !equalInts(got, want) {
			t.Errorf("block %d (%s): txs, inputs, outputs, multi-input txs, segwit txs, size = %v, index says %v", ref.Height, ref.File, got, want)
		}
		if b.Hash != ref.Hash || b.PrevHash != ref.PrevHash || b.Time.Unix() != ref.Time || b.Version != ref.Version {
			t.Errorf("block %d: header %s prev %s time %d version %d, index says %s %s %d %d",
				ref.Height, b.Hash, b.PrevHash, b.Time.Unix(), b.Version, ref.Hash, ref.PrevHash, ref.Time, ref.Version)
		}
		if b.Weight != 3*b.StrippedSize+b.Size || (ref.NSegwitTxs == 0) != (b.StrippedSize == b.Size) {
			t.Errorf("block %d: size %d stripped %d weight %d do not fit together", ref.Height, b.Size, b.StrippedSize, b.Weight)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNearlyEveryRealInputHasAnInferredAddress(t *testing.T) {
	byType := map[bitcoin.ScriptType]int{}
	total := 0
	for _, d := range realBlocks(t) {
		if d.ref.Duplicate {
			continue
		}
		for _, tx := range d.block.Txs {
			if tx.Coinbase {
				for _, in := range tx.Inputs {
					if in.PrevTxID != "" || in.InferredType != bitcoin.Unknown {
						t.Errorf("block %d: coinbase input has prev %q type %q", d.ref.Height, in.PrevTxID, in.InferredType)
					}
				}
				continue
			}
			for _, in := range tx.Inputs {
				total++
				byType[in.InferredType]++
				if (in.InferredType == bitcoin.Unknown) != (in.InferredAddress == "") {
					t.Errorf("block %d tx %s input %d: type %q with address %q", d.ref.Height, tx.TxID, in.Index, in.InferredType, in.InferredAddress)
				}
			}
		}
	}
	t.Logf("inferred input types over %d non-coinbase inputs: %v", total, byType)
	// The README counts 38,404 inputs and 38.4k inferred; P2PK spends (a
	// signature only) cannot be.
	if total != 38404 {
		t.Errorf("%d non-coinbase inputs in distinct blocks, README says 38,404", total)
	}
	if unknown := byType[bitcoin.Unknown]; unknown*100 > total {
		t.Errorf("%d of %d inputs not inferred, want under 1%%", unknown, total)
	}
}

type labelHit struct {
	Address string          `json:"address"`
	SeenIn  [][2]any        `json:"seen_in"`
	Labels  json.RawMessage `json:"labels"`
}

func readLabelHits(t *testing.T, dir string) []labelHit {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "derived", "label-hits.btc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hits []labelHit
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var h labelHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatal(err)
		}
		hits = append(hits, h)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestLabelledAddressesAreFoundWhereTheLabelIndexSawThem(t *testing.T) {
	dir := realdata.Dir(t)
	inputs := map[int64]map[string]bool{}
	outputs := map[int64]map[string]bool{}
	for _, d := range realBlocks(t) {
		h := d.ref.Height
		if inputs[h] == nil {
			inputs[h], outputs[h] = map[string]bool{}, map[string]bool{}
		}
		for _, tx := range d.block.Txs {
			for _, in := range tx.Inputs {
				inputs[h][in.InferredAddress] = true
			}
			for _, out := range tx.Outputs {
				outputs[h][out.Address] = true
			}
		}
	}
	checked := map[string]int{}
	for _, hit := range readLabelHits(t, dir) {
		for _, seen := range hit.SeenIn {
			height := int64(seen[0].(float64))
			kind := seen[1].(string)
			var found bool
			switch {
			case kind == "output":
				found = outputs[height][hit.Address]
			case strings.HasPrefix(kind, "input(inferred"):
				found = inputs[height][hit.Address]
			default:
				continue // prevouts: TestBlock277647BalancesExactlyWithItsPrevouts checks them
			}
			checked[kind]++
			if !found {
				t.Errorf("%s: label index saw it as %q in block %d, we do not", hit.Address, kind, height)
			}
		}
	}
	t.Logf("checked label sightings: %v", checked)
	if checked["output"] == 0 || checked["input(inferred from scriptSig/witness)"] == 0 {
		t.Fatalf("checked no sightings of some kind: %v", checked)
	}
}

func TestTheMegaTransactionDecodes(t *testing.T) {
	dir := realdata.Dir(t)
	raw, err := realdata.ReadFile(dir, "btcd/wire/testdata/megatx.bin.bz2")
	if err != nil {
		t.Fatal(err)
	}
	var msg wire.MsgTx
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	tx := bitcoin.DecodeTx(&msg, 1, mainnet)
	if !strings.HasPrefix(tx.TxID, "bb41a757") || tx.Size != 999657 || len(tx.Inputs) != 5569 || len(tx.Outputs) != 1 {
		t.Fatalf("txid %s size %d inputs %d outputs %d; want bb41a757…, 999657, 5569, 1", tx.TxID, tx.Size, len(tx.Inputs), len(tx.Outputs))
	}
	if tx.Coinbase || tx.HasWitness || tx.VSize != tx.Size || tx.WTxID != tx.TxID {
		t.Errorf("coinbase %v witness %v vsize %d wtxid %s", tx.Coinbase, tx.HasWitness, tx.VSize, tx.WTxID)
	}
	types := map[bitcoin.ScriptType]int{}
	for _, in := range tx.Inputs {
		types[in.InferredType]++
	}
	t.Logf("megatx inputs by inferred type: %v; output %s %s", types, tx.Outputs[0].Type, tx.Outputs[0].Address)
}
