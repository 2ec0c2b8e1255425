package eth_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// rowsOf runs a query whose columns are all strings and returns its rows
// keyed by column name, sorted by the given columns (numerically where they
// are numbers: the queries' aliases shadow the numeric columns, so they
// cannot order the rows themselves).
func rowsOf(t testing.TB, st *store.Store, query string, sortBy ...string) []map[string]string {
	t.Helper()
	var out []map[string]string
	err := st.Query(testContext(t), "test: rows", query, nil, func() { out = nil }, func(r driver.Rows) error {
		cols := r.Columns()
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return err
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = vals[i]
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	realdata.SortRows(out, sortBy...)
	return out
}

// The stored rows as ethereum-etl names and formats its columns.
const (
	etlBlocksQuery = `SELECT toString(height) AS number, hash, parent_hash, miner, toString(size) AS size,
    toString(gas_limit) AS gas_limit, toString(gas_used) AS gas_used, toString(toUInt32(time)) AS timestamp,
    toString(tx_count) AS transaction_count, base_fee AS base_fee_per_gas
FROM eth_blocks FINAL`
	etlTxsQuery = `SELECT hash, toString(nonce) AS nonce, toString(height) AS block_number, toString(tx_index) AS transaction_index,
    from_address, to_address, value, toString(gas) AS gas, gas_price, input, toString(toUInt32(time)) AS block_timestamp,
    max_fee_per_gas, max_priority_fee_per_gas, toString(tx_type) AS transaction_type,
    toString(cumulative_gas_used) AS receipt_cumulative_gas_used, toString(gas_used) AS receipt_gas_used,
    contract_address AS receipt_contract_address, if(status = 2, '', toString(status)) AS receipt_status,
    effective_gas_price AS receipt_effective_gas_price
FROM eth_txs FINAL`
	etlLogsQuery = `SELECT toString(log_index) AS log_index, tx_hash AS transaction_hash, toString(tx_index) AS transaction_index,
    toString(height) AS block_number, address, data,
    arrayStringConcat(arrayFilter(x -> x != '', [topic0, topic1, topic2, topic3]), ',') AS topics
FROM eth_logs FINAL`
	etlTokenTransfersQuery = `SELECT token AS token_address, from_address, to_address, value, tx_hash AS transaction_hash,
    toString(log_index) AS log_index, toString(height) AS block_number
FROM eth_token_transfers FINAL`
)

var (
	etlBlockCols = []string{"number", "hash", "parent_hash", "miner", "size", "gas_limit", "gas_used", "timestamp",
		"transaction_count", "base_fee_per_gas"}
	etlTxCols = []string{"hash", "nonce", "block_number", "transaction_index", "from_address", "to_address", "value",
		"gas", "gas_price", "input", "block_timestamp", "max_fee_per_gas", "max_priority_fee_per_gas", "transaction_type"}
	etlReceiptCols = []string{"receipt_cumulative_gas_used", "receipt_gas_used", "receipt_contract_address",
		"receipt_status", "receipt_effective_gas_price"}
	etlLogCols           = []string{"log_index", "transaction_hash", "transaction_index", "block_number", "address", "data", "topics"}
	etlTokenTransferCols = []string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number"}
)

// mergeReceipts renames the receipt columns of ethereum-etl's receipts export
// (cumulative_gas_used, …) to those of its streamed transactions
// (receipt_cumulative_gas_used, …), and merges them into the transactions.
func mergeReceipts(txs, receipts []map[string]string) {
	byHash := map[string]map[string]string{}
	for _, r := range receipts {
		byHash[r["transaction_hash"]] = r
	}
	for _, tx := range txs {
		r := byHash[tx["hash"]]
		for _, c := range etlReceiptCols {
			tx[c] = r[strings.TrimPrefix(c, "receipt_")]
		}
	}
}

// TestIngestOfRecordedMainnetBlocksReproducesEthereumETL ingests mainnet
// blocks from the replay of ethereum-etl's recordings (receipts one
// transaction at a time, as ethereum-etl recorded them) and compares what
// ClickHouse holds with ethereum-etl's expected exports, field by field.
func TestIngestOfRecordedMainnetBlocksReproducesEthereumETL(t *testing.T) {
	dir := realdata.Dir(t)
	etl := filepath.Join(dir, replay.ETLEthereumDir)
	node := must(replay.NewEthereum(dir))(t)
	t.Cleanup(node.Close)
	node.Disable("eth_getBlockReceipts")
	tests := []struct {
		name            string
		from, to        int64
		blocks, txs     string
		receipts        string // a separate receipts export, merged into txs
		logs, transfers string
	}{
		{
			name: "a 2015 block of token transfers, with pre-Byzantium receipts", from: 483920, to: 483920,
			blocks:    "test_export_blocks_job/block_with_logs/expected_blocks.csv",
			txs:       "test_export_blocks_job/block_with_logs/expected_transactions.csv",
			receipts:  "test_export_receipts_job/receipts_with_logs/expected_receipts.csv",
			logs:      "test_export_receipts_job/receipts_with_logs/expected_logs.csv",
			transfers: "test_export_token_transfers_job/block_with_transfers/expected_token_transfers.csv",
		},
		{
			name: "two 2016 blocks as ethereum-etl streams them", from: 1755634, to: 1755635,
			blocks:    "test_stream/blocks_1755634_1755635/expected_blocks.json",
			txs:       "test_stream/blocks_1755634_1755635/expected_transactions.json",
			logs:      "test_stream/blocks_1755634_1755635/expected_logs.json",
			transfers: "test_stream/blocks_1755634_1755635/expected_token_transfers.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := testenv.Store(t)
			ingestRange(t, st, node.URL(), tt.from, tt.to, ethereum.Options{Traces: ethereum.TracesOff})
			read := func(rel string) []map[string]string { return realdata.ETLRows(t, filepath.Join(etl, rel)) }

			realdata.CompareETLRows(t, "blocks", rowsOf(t, st, etlBlocksQuery, "number"), read(tt.blocks), etlBlockCols)
			wantTxs := read(tt.txs)
			if tt.receipts != "" {
				mergeReceipts(wantTxs, read(tt.receipts))
			}
			realdata.SortRows(wantTxs, "block_number", "transaction_index")
			realdata.CompareETLRows(t, "transactions", rowsOf(t, st, etlTxsQuery, "block_number", "transaction_index"), wantTxs, append(etlTxCols, etlReceiptCols...))
			wantLogs := read(tt.logs)
			realdata.SortRows(wantLogs, "block_number", "log_index")
			realdata.CompareETLRows(t, "logs", rowsOf(t, st, etlLogsQuery, "block_number", "log_index"), wantLogs, etlLogCols)
			wantTransfers := read(tt.transfers)
			realdata.SortRows(wantTransfers, "block_number", "log_index")
			realdata.CompareETLRows(t, "token transfers", rowsOf(t, st, etlTokenTransfersQuery, "block_number", "log_index"), wantTransfers, etlTokenTransferCols)

			// The shared transfers: one erc20 row per token transfer.
			s := must(eth.ReadStats(testContext(t), st))(t)
			if n := count(t, st, "transfers", "chain = 'eth' AND kind = 'erc20'"); n != uint64(len(wantTransfers)) || s.TokenTransfers != n {
				t.Errorf("%d erc20 transfers and %d token transfer rows, ethereum-etl has %d", n, s.TokenTransfers, len(wantTransfers))
			}
			if s.Blocks != uint64(tt.to-tt.from+1) || s.MaxHeight != tt.to || s.Txs != uint64(len(wantTxs)) || s.Logs != uint64(len(wantLogs)) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestIngestOfBlock18000000StoresEveryERC20TransferOfItsReceipts ingests
// erigon's recording of block 18,000,000 (body and eth_getBlockReceipts) and
// checks the stored ERC-20 transfers against the recorded receipts, decoded
// here on their own.
func TestIngestOfBlock18000000StoresEveryERC20TransferOfItsReceipts(t *testing.T) {
	dir := realdata.Dir(t)
	node := must(replay.NewEthereum(dir))(t)
	t.Cleanup(node.Close)
	st, _ := testenv.Store(t)
	ingestRange(t, st, node.URL(), 18_000_000, 18_000_000, ethereum.Options{Traces: ethereum.TracesOff})

	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockReceipts", "params": []any{"0x112a880"}})
	resp := must(http.Post(node.URL(), "application/json", bytes.NewReader(body)))(t)
	defer resp.Body.Close()
	var answer struct {
		Result []struct {
			TransactionHash string `json:"transactionHash"`
			Status          string `json:"status"`
			Logs            []struct {
				Address  string   `json:"address"`
				Topics   []string `json:"topics"`
				Data     string   `json:"data"`
				LogIndex string   `json:"logIndex"`
			} `json:"logs"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || len(answer.Result) == 0 {
		t.Fatalf("recorded receipts: %v (%d receipts)", err, len(answer.Result))
	}
	var want []map[string]string
	for _, r := range answer.Result {
		for _, l := range r.Logs {
			if len(l.Topics) != 3 || l.Topics[0] != ethereum.TransferTopic || len(l.Data) != 66 || r.Status != "0x1" {
				continue
			}
			value, _ := new(big.Int).SetString(l.Data[2:], 16)
			index, _ := new(big.Int).SetString(l.LogIndex[2:], 16)
			want = append(want, map[string]string{
				"token_address": strings.ToLower(l.Address), "from_address": "0x" + l.Topics[1][26:],
				"to_address": "0x" + l.Topics[2][26:], "value": value.String(), "transaction_hash": r.TransactionHash,
				"log_index": index.String(), "block_number": "18000000",
			})
		}
	}
	if len(want) < 50 {
		t.Fatalf("only %d ERC-20 transfers in the recorded receipts; the block has many more", len(want))
	}
	realdata.SortRows(want, "log_index")
	got := rowsOf(t, st, etlTokenTransfersQuery+" WHERE standard = 'erc20'", "block_number", "log_index")
	realdata.CompareETLRows(t, "ERC-20 transfers", got, want, etlTokenTransferCols)
	if n := count(t, st, "transfers", "chain = 'eth' AND kind = 'erc20'"); n != uint64(len(want)) {
		t.Errorf("%d erc20 rows in transfers, the receipts have %d", n, len(want))
	}
	s := must(eth.ReadStats(testContext(t), st))(t)
	if s.Blocks != 1 || s.Txs != 94 || s.Logs != 291 || s.MaxHeight != 18_000_000 {
		t.Errorf("stats %+v, want 1 block, 94 transactions, 291 logs", s)
	}
}
