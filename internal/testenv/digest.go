package testenv

import (
	"context"
	"fmt"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// BitcoinTables lists the Bitcoin ingest tables with the columns that make
// up their content, for Digest.
var BitcoinTables = map[string]string{
	"btc_blocks":           "height, hash, prev_hash, time, tx_count, input_count, output_count, output_value, fees, fees_known",
	"btc_txs":              "txid, height, block_hash, tx_index, size, vsize, weight, coinbase, input_count, output_count, input_value, output_value, fee, fee_known",
	"btc_inputs":           "txid, vin, height, prev_txid, prev_vout, address, script_type, value, value_known, address_source",
	"btc_outputs":          "txid, vout, height, value, script_type, address, script_hex",
	"transfers":            "chain, height, txid, idx, from_address, to_address, asset, amount, kind",
	"transfers_by_address": "chain, address, height, txid, idx, direction, counterparty, amount",
}

// EthereumTables lists the Ethereum ingest tables with the columns that make
// up their content, for Digest. The shared transfers tables are included;
// a digest of a database holding one chain only compares that chain.
var EthereumTables = map[string]string{
	"eth_blocks":           "height, hash, parent_hash, time, miner, gas_used, base_fee, tx_count, log_count, trace_count, traces_missing",
	"eth_txs":              "hash, height, tx_index, from_address, to_address, value, nonce, gas_price, input, status, gas_used, effective_gas_price, contract_address",
	"eth_logs":             "height, tx_hash, log_index, address, topic0, topic1, topic2, topic3, data",
	"eth_token_transfers":  "height, tx_hash, log_index, token, standard, from_address, to_address, value, value_float, token_id",
	"eth_traces":           "height, tx_hash, trace_address, trace_type, call_type, from_address, to_address, value, gas_used, error, status",
	"eth_contracts":        "address, height, creator, tx_hash, is_erc20, is_erc721, selectors",
	"eth_tokens":           "address, height, standard, name, symbol, decimals, total_supply",
	"transfers":            "chain, height, txid, idx, from_address, to_address, asset, amount, kind",
	"transfers_by_address": "chain, address, height, txid, idx, direction, counterparty, amount",
}

// Digest fingerprints tables regardless of row order: per table, the rows as
// stored (duplicates not yet merged included) and, over the deduplicated
// rows (FINAL), their count and a sum of row hashes. Two databases with equal
// digests hold the same rows.
func Digest(t testing.TB, st *store.Store, tables map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for table, cols := range tables {
		var final, sum uint64
		q := fmt.Sprintf("SELECT count(), sum(cityHash64(%s)) FROM %s FINAL", cols, table)
		if err := st.QueryRow(context.Background(), "digest "+table, q, nil, &final, &sum); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("rows=%d hash=%x", final, sum)
	}
	return out
}
