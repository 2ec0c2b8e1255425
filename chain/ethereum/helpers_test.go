package ethereum_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
)

// Two replays of the recorded mainnet answers, loaded once per test binary:
// one as a current archive node, one as a node without eth_getBlockReceipts
// (ethereum-etl recorded its receipts one transaction at a time, so its
// blocks can only be fetched through the per-transaction fallback).
var (
	replayOnce   sync.Once
	modernNode   *replay.EthereumServer
	oldNode      *replay.EthereumServer
	replayLoadEr error
)

func replays(t *testing.T) (modern, old *replay.EthereumServer) {
	t.Helper()
	dir := realdata.Dir(t)
	replayOnce.Do(func() {
		if modernNode, replayLoadEr = replay.NewEthereum(dir); replayLoadEr != nil {
			return
		}
		if oldNode, replayLoadEr = replay.NewEthereum(dir); replayLoadEr != nil {
			return
		}
		oldNode.Disable("eth_getBlockReceipts")
	})
	if replayLoadEr != nil {
		t.Fatal(replayLoadEr)
	}
	return modernNode, oldNode
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// quietLogger discards the client's notices unless the test fails.
func quietLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func dial(t *testing.T, url string, opts ethereum.Options) *ethereum.Client {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger(t)
	}
	c, err := ethereum.Dial(testContext(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// etlDir is ethereum-etl's test resources.
func etlDir(t *testing.T) string {
	return filepath.Join(realdata.Dir(t), replay.ETLEthereumDir)
}

func readCSV(t *testing.T, path string) []map[string]string { return realdata.ETLRows(t, path) }

func readJSONLines(t *testing.T, path string) []map[string]string { return realdata.ETLRows(t, path) }

func compareRows(t *testing.T, what string, got, want []map[string]string, cols []string) {
	t.Helper()
	realdata.CompareETLRows(t, what, got, want, cols)
}

func sortRows(rows []map[string]string, cols ...string) { realdata.SortRows(rows, cols...) }

// ---- the model as ethereum-etl's columns ----

func str(v *big.Int) string {
	if v == nil {
		return ""
	}
	return v.String()
}

func hexOf(b []byte) string { return "0x" + hex.EncodeToString(b) }

func blockRow(b *ethereum.Block) map[string]string {
	return map[string]string{
		"number":            strconv.FormatInt(b.Number, 10),
		"hash":              b.Hash,
		"parent_hash":       b.ParentHash,
		"miner":             b.Miner,
		"size":              strconv.FormatUint(b.Size, 10),
		"gas_limit":         strconv.FormatUint(b.GasLimit, 10),
		"gas_used":          strconv.FormatUint(b.GasUsed, 10),
		"timestamp":         strconv.FormatInt(b.Time.Unix(), 10),
		"transaction_count": strconv.Itoa(len(b.Txs)),
		"base_fee_per_gas":  str(b.BaseFee),
	}
}

var blockCols = []string{"number", "hash", "parent_hash", "miner", "size", "gas_limit", "gas_used", "timestamp", "transaction_count", "base_fee_per_gas"}

// etlStatus is a status as ethereum-etl writes it: "" where the receipt
// has none (before Byzantium), which the model calls StatusUnknown.
func etlStatus(s uint8) string {
	if s == ethereum.StatusUnknown {
		return ""
	}
	return strconv.Itoa(int(s))
}

func txRow(b *ethereum.Block, tx *ethereum.Tx) map[string]string {
	return map[string]string{
		"hash":                        tx.Hash,
		"nonce":                       strconv.FormatUint(tx.Nonce, 10),
		"block_hash":                  b.Hash,
		"block_number":                strconv.FormatInt(b.Number, 10),
		"transaction_index":           strconv.Itoa(tx.Index),
		"from_address":                tx.From,
		"to_address":                  tx.To,
		"value":                       str(tx.Value),
		"gas":                         strconv.FormatUint(tx.Gas, 10),
		"gas_price":                   str(tx.GasPrice),
		"input":                       hexOf(tx.Input),
		"block_timestamp":             strconv.FormatInt(b.Time.Unix(), 10),
		"max_fee_per_gas":             str(tx.MaxFee),
		"max_priority_fee_per_gas":    str(tx.MaxPriorityFee),
		"transaction_type":            strconv.Itoa(int(tx.Type)),
		"receipt_cumulative_gas_used": strconv.FormatUint(tx.CumulativeGasUsed, 10),
		"receipt_gas_used":            strconv.FormatUint(tx.GasUsed, 10),
		"receipt_contract_address":    tx.ContractAddress,
		"receipt_status":              etlStatus(tx.Status),
		"receipt_effective_gas_price": str(tx.EffectiveGasPrice),
		// ethereum-etl's receipts job names them without the prefix.
		"transaction_hash":    tx.Hash,
		"cumulative_gas_used": strconv.FormatUint(tx.CumulativeGasUsed, 10),
		"gas_used":            strconv.FormatUint(tx.GasUsed, 10),
		"contract_address":    tx.ContractAddress,
		"status":              etlStatus(tx.Status),
		"effective_gas_price": str(tx.EffectiveGasPrice),
	}
}

var txCols = []string{"hash", "nonce", "block_hash", "block_number", "transaction_index", "from_address", "to_address",
	"value", "gas", "gas_price", "input", "block_timestamp", "max_fee_per_gas", "max_priority_fee_per_gas", "transaction_type"}

var receiptCols = []string{"transaction_hash", "transaction_index", "block_hash", "block_number", "cumulative_gas_used",
	"gas_used", "contract_address", "status", "effective_gas_price"}

var txReceiptCols = []string{"receipt_cumulative_gas_used", "receipt_gas_used", "receipt_contract_address",
	"receipt_status", "receipt_effective_gas_price"}

func logRow(b *ethereum.Block, l *ethereum.Log) map[string]string {
	return map[string]string{
		"log_index":         strconv.Itoa(l.Index),
		"transaction_hash":  l.TxHash,
		"transaction_index": strconv.Itoa(l.TxIndex),
		"block_hash":        b.Hash,
		"block_number":      strconv.FormatInt(b.Number, 10),
		"address":           l.Address,
		"data":              hexOf(l.Data),
		"topics":            strings.Join(l.Topics, ","),
	}
}

var logCols = []string{"log_index", "transaction_hash", "transaction_index", "block_hash", "block_number", "address", "data", "topics"}

// tokenTransferRow: ethereum-etl puts an ERC-721 token id in value; the
// model keeps value 1 and the id in TokenID.
func tokenTransferRow(b *ethereum.Block, tt *ethereum.TokenTransfer) map[string]string {
	value := str(tt.Value)
	if tt.Standard == ethereum.ERC721 {
		value = str(tt.TokenID)
	}
	return map[string]string{
		"token_address":    tt.Token,
		"from_address":     tt.From,
		"to_address":       tt.To,
		"value":            value,
		"transaction_hash": tt.TxHash,
		"log_index":        strconv.Itoa(tt.LogIndex),
		"block_number":     strconv.FormatInt(b.Number, 10),
	}
}

var tokenTransferCols = []string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number"}

// traceRow writes a trace as ethereum-etl does. Where ethereum-etl leaves a
// column empty because the node sent nothing, the model has a zero value:
//   - rewards and self-destructs have no input, output, gas or gas used;
//   - Parity sends no result for a failed frame: no output, no gas used;
//   - old geth sends a bare SELFDESTRUCT frame: no addresses, no value;
//   - rewards have no transaction (the model's TxIndex -1).
func traceRow(block int64, tr *ethereum.Trace, parity bool) map[string]string {
	row := map[string]string{
		"block_number":      strconv.FormatInt(block, 10),
		"transaction_hash":  tr.TxHash,
		"transaction_index": strconv.Itoa(tr.TxIndex),
		"from_address":      tr.From,
		"to_address":        tr.To,
		"value":             str(tr.Value),
		"input":             hexOf(tr.Input),
		"output":            hexOf(tr.Output),
		"trace_type":        tr.Type,
		"call_type":         tr.CallType,
		"reward_type":       tr.RewardType,
		"gas":               strconv.FormatUint(tr.Gas, 10),
		"gas_used":          strconv.FormatUint(tr.GasUsed, 10),
		"subtraces":         strconv.Itoa(tr.Subtraces),
		"trace_address":     tr.AddressString(),
		"error":             tr.Error,
		"status":            strconv.Itoa(int(tr.Status)),
	}
	if tr.TxIndex < 0 {
		row["transaction_index"] = ""
	}
	switch tr.Type {
	case "reward", "suicide":
		row["input"], row["output"], row["gas"], row["gas_used"] = "", "", "", ""
		if tr.From == "" && tr.To == "" && tr.Type == "suicide" {
			row["value"] = ""
		}
	case "create":
		row["call_type"] = "" // ethereum-etl gives creations no call type
	}
	if tr.Error != "" {
		row["output"] = ""
		if parity {
			row["gas_used"] = ""
		}
	}
	return row
}

var traceCols = []string{"transaction_hash", "transaction_index", "from_address", "to_address", "value", "input", "output",
	"trace_type", "call_type", "reward_type", "gas", "gas_used", "subtraces", "trace_address", "error", "status"}

// rawCall posts one JSON-RPC call to a replay and returns its result.
func rawCall(t *testing.T, url, method string, params ...any) json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage    `json:"result"`
		Error  *ethereum.RPCError `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Error != nil {
		t.Fatalf("%s: %v", method, out.Error)
	}
	return out.Result
}
