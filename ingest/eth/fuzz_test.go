package eth

import (
	"log/slog"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// FuzzBuildRows: whatever blocks and receipts decode, the sink builds rows
// that insert whole (every column of a batch as long as the batch), one
// eth_txs row per transaction and one eth_logs row per log, exact decimal
// amounts, and finite whole-unit values whatever the tokens' decimals.
func FuzzBuildRows(f *testing.F) {
	for _, pair := range realdata.ETLBlocksWithReceipts() {
		f.Add([]byte(pair[0]), []byte(pair[1]), uint8(18))
	}
	f.Add([]byte(`{"number":"0x1","hash":"0x01","timestamp":"0x5","transactions":[{"hash":"0xaa","transactionIndex":"0x0","from":"0x01","value":"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}]}`),
		[]byte(`[{"transactionHash":"0xaa","transactionIndex":"0x0","status":"0x1","contractAddress":"0x02","logs":[{"logIndex":"0x0","address":"0x03","topics":["`+
			ethereum.TransferTopic+`","0x0000000000000000000000000000000000000000000000000000000000000001","0x0000000000000000000000000000000000000000000000000000000000000002"],`+
			`"data":"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}]}]`), uint8(0))
	f.Fuzz(func(t *testing.T, blockJSON, receiptsJSON []byte, dec uint8) {
		b, err := ethereum.DecodeBlock(blockJSON)
		if err != nil {
			return
		}
		if err := ethereum.DecodeReceipts(b, receiptsJSON); err != nil {
			return
		}
		s := &Sink{tokens: map[string]tokenMeta{}, unresolved: map[string]bool{}, log: slog.New(slog.DiscardHandler)}
		for _, tt := range ethereum.DecodeTokenTransfers(b.Logs()) {
			s.tokens[tt.Token] = tokenMeta{decimals: int(dec%80) - 1, standard: tt.Standard}
		}
		var contracts []contract
		for _, c := range ethereum.Contracts(b) {
			contracts = append(contracts, contract{c, b.Number, b.Time})
		}
		rows := s.buildRows([]Block{{b}}, nil, contracts)
		logs := len(b.Logs())
		for _, bt := range rows.batches() {
			n := bt.Len()
			for i, d := range bt.Data {
				if v := reflect.ValueOf(d); v.Len() != n {
					t.Fatalf("%s: column %s has %d rows, the batch %d", bt.Table, bt.Columns[i], v.Len(), n)
				}
			}
			switch bt.Table {
			case "eth_txs":
				if n != len(b.Txs) {
					t.Fatalf("%d eth_txs rows for %d transactions", n, len(b.Txs))
				}
			case "eth_logs":
				if n != logs {
					t.Fatalf("%d eth_logs rows for %d logs", n, logs)
				}
			case "eth_blocks":
				if n != 1 {
					t.Fatalf("%d eth_blocks rows", n)
				}
			}
			for i, col := range bt.Columns {
				switch vals := bt.Data[i].(type) {
				case []float64:
					for _, v := range vals {
						if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
							t.Fatalf("%s.%s = %v", bt.Table, col, v)
						}
					}
				case []string:
					if col != "value" && col != "amount" {
						continue
					}
					for _, v := range vals {
						if x, ok := new(big.Int).SetString(v, 10); !ok || x.Sign() < 0 {
							t.Fatalf("%s.%s = %q: not an exact non-negative amount", bt.Table, col, v)
						}
					}
				}
			}
		}
	})
}
