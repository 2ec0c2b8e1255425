package bitcoin_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
)

// etlTx is the part of a bitcoin-etl transaction record we reproduce.
type etlTx struct {
	Hash           string      `json:"hash"`
	Size           int         `json:"size"`
	VirtualSize    int         `json:"virtual_size"`
	Version        int32       `json:"version"`
	LockTime       uint32      `json:"lock_time"`
	BlockNumber    int64       `json:"block_number"`
	BlockHash      string      `json:"block_hash"`
	BlockTimestamp int64       `json:"block_timestamp"`
	IsCoinbase     bool        `json:"is_coinbase"`
	Index          int         `json:"index"`
	Inputs         []etlInput  `json:"inputs"`
	Outputs        []etlOutput `json:"outputs"`
	InputCount     int         `json:"input_count"`
	OutputCount    int         `json:"output_count"`
	InputValue     int64       `json:"input_value"`
	OutputValue    int64       `json:"output_value"`
	Fee            int64       `json:"fee"`
}

type etlInput struct {
	Index              int      `json:"index"`
	SpentTxHash        string   `json:"spent_transaction_hash"`
	SpentOutputIndex   uint32   `json:"spent_output_index"`
	ScriptHex          string   `json:"script_hex"`
	Sequence           uint32   `json:"sequence"`
	RequiredSignatures int      `json:"required_signatures"`
	Type               string   `json:"type"`
	Addresses          []string `json:"addresses"`
	Value              int64    `json:"value"`
}

type etlOutput struct {
	Index              int      `json:"index"`
	ScriptHex          string   `json:"script_hex"`
	RequiredSignatures int      `json:"required_signatures"`
	Type               string   `json:"type"`
	Addresses          []string `json:"addresses"`
	Value              int64    `json:"value"`
}

type etlBlock struct {
	Hash             string `json:"hash"`
	Size             int    `json:"size"`
	StrippedSize     int    `json:"stripped_size"`
	Weight           int    `json:"weight"`
	Number           int64  `json:"number"`
	Version          int32  `json:"version"`
	MerkleRoot       string `json:"merkle_root"`
	Timestamp        int64  `json:"timestamp"`
	Nonce            string `json:"nonce"`
	Bits             string `json:"bits"`
	CoinbaseParam    string `json:"coinbase_param"`
	TransactionCount int    `json:"transaction_count"`
}

// etlAddresses is how bitcoin-etl lists the addresses of an output: one for
// single-key types, every key's for multisig, none for the rest.
func etlAddresses(typ bitcoin.ScriptType, addr string) []string {
	if _, _, keys, ok := bitcoin.IsMultisigAddress(addr); ok {
		return keys
	}
	if addr == "" {
		return []string{}
	}
	return []string{addr}
}

func requiredSigs(typ bitcoin.ScriptType, addr string) int {
	if m, _, _, ok := bitcoin.IsMultisigAddress(addr); ok {
		return m
	}
	switch typ {
	case bitcoin.NullData, bitcoin.NonStandard, bitcoin.WitnessUnknown, bitcoin.Anchor, bitcoin.Unknown:
		return 0
	}
	return 1
}

func readJSONLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func startReplay(t *testing.T) (*replay.BitcoinServer, *bitcoin.Client) {
	t.Helper()
	srv, err := replay.NewBitcoin(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := bitcoin.Dial(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return srv, c
}

func TestTheClientReproducesBitcoinETLsExportOfBlocks50001And50002(t *testing.T) {
	dir := realdata.Dir(t)
	_, c := startReplay(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if c.Chain() != "main" {
		t.Fatalf("chain %q", c.Chain())
	}

	var gotTxs []etlTx
	var gotBlocks []etlBlock
	for _, height := range []int64{50001, 50002} {
		b, err := c.FetchBlock(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		gotBlocks = append(gotBlocks, etlBlock{
			Hash: b.Hash, Size: b.Size, StrippedSize: b.StrippedSize, Weight: b.Weight, Number: b.Height,
			Version: b.Version, MerkleRoot: b.MerkleRoot, Timestamp: b.Time.Unix(),
			Nonce: fmt.Sprintf("%x", b.Nonce), Bits: fmt.Sprintf("%x", b.Bits),
			CoinbaseParam: hex.EncodeToString(b.Txs[0].Inputs[0].ScriptSig), TransactionCount: len(b.Txs),
		})
		for _, tx := range b.Txs {
			et := etlTx{
				Hash: tx.TxID, Size: tx.Size, VirtualSize: tx.VSize, Version: tx.Version, LockTime: tx.LockTime,
				BlockNumber: b.Height, BlockHash: b.Hash, BlockTimestamp: b.Time.Unix(),
				IsCoinbase: tx.Coinbase, Index: tx.Index, Inputs: []etlInput{}, Outputs: []etlOutput{},
				OutputCount: len(tx.Outputs),
			}
			for _, out := range tx.Outputs {
				et.Outputs = append(et.Outputs, etlOutput{
					Index: out.Index, ScriptHex: hex.EncodeToString(out.Script), RequiredSignatures: requiredSigs(out.Type, out.Address),
					Type: etlType(out.Type), Addresses: etlAddresses(out.Type, out.Address), Value: out.Value,
				})
				et.OutputValue += out.Value
			}
			if !tx.Coinbase {
				et.InputCount = len(tx.Inputs)
				for _, in := range tx.Inputs {
					prev, err := c.Transaction(ctx, in.PrevTxID)
					if err != nil {
						t.Fatal(err)
					}
					spent := prev.TxOut[in.PrevVout]
					typ, addr := bitcoin.ClassifyOutput(spent.PkScript, c.Params())
					et.Inputs = append(et.Inputs, etlInput{
						Index: in.Index, SpentTxHash: in.PrevTxID, SpentOutputIndex: in.PrevVout,
						ScriptHex: hex.EncodeToString(in.ScriptSig), Sequence: in.Sequence,
						RequiredSignatures: requiredSigs(typ, addr), Type: etlType(typ),
						Addresses: etlAddresses(typ, addr), Value: spent.Value,
					})
					et.InputValue += spent.Value
					// These spend P2PK outputs: a scriptSig of one
					// signature does not reveal the key.
					if in.InferredType != bitcoin.Unknown {
						t.Errorf("input %s:%d of a P2PK output was inferred as %s", tx.TxID, in.Index, in.InferredType)
					}
				}
				et.Fee = et.InputValue - et.OutputValue
			}
			gotTxs = append(gotTxs, et)
		}
	}

	caseDir := filepath.Join(dir, replay.ETLBitcoinDir, "stream_50001_50002")
	wantTxs := readJSONLines[etlTx](t, filepath.Join(caseDir, "expected_transactions.json"))
	wantBlocks := readJSONLines[etlBlock](t, filepath.Join(caseDir, "expected_blocks.json"))
	if len(wantTxs) != 4 || len(wantTxs[1].Inputs) != 2 || wantTxs[1].Inputs[0].Value != 50_0000_0000 || wantTxs[1].Inputs[0].Type != "pubkey" {
		t.Fatalf("expected_transactions.json did not parse as expected: %+v", wantTxs)
	}
	compare(t, "blocks", gotBlocks, wantBlocks)
	if len(gotTxs) != len(wantTxs) {
		t.Fatalf("%d transactions, bitcoin-etl has %d", len(gotTxs), len(wantTxs))
	}
	for i := range wantTxs {
		compare(t, "transaction "+wantTxs[i].Hash, gotTxs[i], wantTxs[i])
	}
}

func compare(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("%s differs from bitcoin-etl's\n got: %s\nwant: %s", what, g, w)
	}
}

func TestTheClientReadsRealMainnetBlocksFromTheReplay(t *testing.T) {
	srv, c := startReplay(t)
	ctx := context.Background()
	blocks, err := realdata.OpenBlocks(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("BlockHashes of 439 heights is one HTTP request", func(t *testing.T) {
		before := srv.Requests()
		hashes, err := c.BlockHashes(ctx, 0, 438)
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.Requests() - before; n != 1 {
			t.Errorf("%d HTTP requests", n)
		}
		for i, h := range hashes {
			if ref, _ := blocks.ByHeight(int64(i)); ref.Hash != h {
				t.Fatalf("height %d: %s, index says %s", i, h, ref.Hash)
			}
		}
	})
	t.Run("BlockHashes splits a long range into batches", func(t *testing.T) {
		small, err := bitcoin.DialOptions(ctx, srv.URL(), bitcoin.Options{MaxBatch: 100})
		if err != nil {
			t.Fatal(err)
		}
		defer small.Close()
		before := srv.Requests()
		hashes, err := small.BlockHashes(ctx, 0, 438)
		if err != nil || len(hashes) != 439 {
			t.Fatalf("%d hashes, %v", len(hashes), err)
		}
		if n := srv.Requests() - before; n != 5 {
			t.Errorf("%d HTTP requests for 439 heights in batches of 100, want 5", n)
		}
	})
	t.Run("BlockHashes over a missing height fails naming the range", func(t *testing.T) {
		_, err := c.BlockHashes(ctx, 437, 440)
		if err == nil || !strings.Contains(err.Error(), "437..440") || !strings.Contains(err.Error(), "block 439") {
			t.Fatalf("error %v", err)
		}
	})
	for _, height := range []int64{170, 277647, 481829, 702861} {
		t.Run(fmt.Sprintf("FetchBlock %d matches the block decoded from disk", height), func(t *testing.T) {
			got, err := c.FetchBlock(ctx, height)
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := blocks.ByHeight(height)
			if got.Hash != ref.Hash || got.Height != height || len(got.Txs) != ref.NTx || got.Size != ref.Size {
				t.Fatalf("block %s height %d with %d txs, %d bytes", got.Hash, got.Height, len(got.Txs), got.Size)
			}
		})
	}
	t.Run("Transaction of a tx in a raw block resolves a prevout spent in the same block", func(t *testing.T) {
		b, err := c.FetchBlock(ctx, 277647)
		if err != nil {
			t.Fatal(err)
		}
		inBlock := map[string]bool{}
		for _, tx := range b.Txs {
			inBlock[tx.TxID] = true
		}
		for _, tx := range b.Txs {
			for _, in := range tx.Inputs {
				if !inBlock[in.PrevTxID] {
					continue
				}
				prev, err := c.Transaction(ctx, in.PrevTxID)
				if err != nil {
					t.Fatal(err)
				}
				_, addr := bitcoin.ClassifyOutput(prev.TxOut[in.PrevVout].PkScript, c.Params())
				if addr != in.InferredAddress {
					t.Fatalf("spent output pays %s, input inferred %s", addr, in.InferredAddress)
				}
				return
			}
		}
		t.Fatal("no input of block 277647 spends an output of the same block")
	})
	t.Run("Transaction of a tx the replay lacks is ErrNoTxIndex", func(t *testing.T) {
		_, err := c.Transaction(ctx, strings.Repeat("cd", 32))
		if !errors.Is(err, bitcoin.ErrNoTxIndex) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a wrong password is ErrUnauthorized with bitcoind's empty 401", func(t *testing.T) {
		bad := strings.Replace(srv.URL(), replay.DefaultPass, "not-the-pass", 1)
		_, err := bitcoin.Dial(ctx, bad)
		if !errors.Is(err, bitcoin.ErrUnauthorized) || strings.Contains(err.Error(), "not-the-pass") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestEveryCallReturnsWhenItsContextEnds(t *testing.T) {
	h, err := replay.LoadBitcoin(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	var slow atomic.Bool
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	u := strings.Replace(srv.URL, "http://", "http://"+replay.DefaultUser+":"+replay.DefaultPass+"@", 1)
	c, err := bitcoin.Dial(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	slow.Store(true)

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"TipHeight", func(ctx context.Context) error { _, err := c.TipHeight(ctx); return err }},
		{"BlockHash", func(ctx context.Context) error { _, err := c.BlockHash(ctx, 1); return err }},
		{"BlockHashes", func(ctx context.Context) error { _, err := c.BlockHashes(ctx, 0, 3); return err }},
		{"FetchBlock", func(ctx context.Context) error { _, err := c.FetchBlock(ctx, 1); return err }},
		{"FetchRawBlock", func(ctx context.Context) error {
			_, err := c.FetchRawBlock(ctx, "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048")
			return err
		}},
		{"Transaction", func(ctx context.Context) error {
			_, err := c.Transaction(ctx, "0dd0394c6240355f4e4b3c88028f678ed746cebee3b3e8509620733f018914c9")
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name+" gives up at the deadline", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tt.call(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want a deadline error", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("returned after %v", d)
			}
		})
	}
}
