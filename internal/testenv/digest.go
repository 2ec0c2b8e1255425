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
