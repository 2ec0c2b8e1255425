package eth

import (
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement the Ethereum ingest and stats send, for `chainsleuth sql
// dump` and the dialect test (tests/dialect).
func init() {
	store.Register(checkpoint.Statements(chain.Ethereum, "eth_blocks", Tables)...)
	// Inserts: rows made by the real row builder, so the column lists and
	// value types are the ones Commit sends.
	for _, b := range sampleRows().batches() {
		store.Register(store.InsertStatement("eth.insert."+b.Table, b))
	}
	store.Register(
		store.Statement{Name: "eth.stats", SQL: StatsQuery},
		store.Statement{Name: "eth.backfill.missing_traces", SQL: MissingTracesQuery, Args: []any{uint64(100)}},
		store.Statement{Name: "eth.read_tokens", SQL: TokensQuery,
			Args: []any{ch.GroupSet{Value: []any{sampleAddress(1), sampleAddress(2)}}}},
		store.Statement{Name: "eth.verify.blocks", SQL: VerifyBlocksQuery, Args: []any{uint64(0), uint64(100)}},
		store.Statement{Name: "eth.verify.duplicate_txs", SQL: VerifyDuplicateTxsQuery, Args: []any{uint64(0), uint64(100)}},
	)
	for _, c := range verifySpec.Counts {
		store.Register(store.Statement{Name: "eth.verify.table_counts." + c.Table, SQL: c.SQL, Args: []any{uint64(0), uint64(100)}})
	}
}

func sampleAddress(n int) string { return fmt.Sprintf("0x%040x", n) }

func sampleHash(n int) string { return fmt.Sprintf("0x%064x", n) }

// sampleRows are the rows of two small blocks with every kind of row: a
// payment, a token transfer with its log, an internal transfer seen in a
// trace, a contract creation and a new token.
func sampleRows() *tableRows {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	gwei := big.NewInt(1_000_000_000)
	eth := new(big.Int).Mul(gwei, gwei)
	tokenAddr := sampleAddress(0x70)
	amount := new(big.Int).Mul(big.NewInt(25), eth)
	word := func(b []byte) string { return fmt.Sprintf("0x%064x", new(big.Int).SetBytes(b)) }
	transfer := ethereum.Log{Index: 0, TxIndex: 1, TxHash: sampleHash(2), Address: tokenAddr,
		Topics: []string{ethereum.TransferTopic, word([]byte{0x11}), word([]byte{0x22})},
		Data:   amount.FillBytes(make([]byte, 32))}
	pay := ethereum.Tx{Hash: sampleHash(1), Index: 0, From: sampleAddress(0x11), To: sampleAddress(0x22),
		Value: eth, Nonce: 7, Gas: 21000, GasPrice: gwei, MaxFee: gwei, MaxPriorityFee: big.NewInt(1), Type: 2,
		Status: ethereum.StatusSuccess, GasUsed: 21000, CumulativeGasUsed: 21000, EffectiveGasPrice: gwei}
	call := ethereum.Tx{Hash: sampleHash(2), Index: 1, From: sampleAddress(0x11), To: tokenAddr, Value: new(big.Int),
		Nonce: 8, Gas: 90000, GasPrice: gwei, Input: []byte{0xa9, 0x05, 0x9c, 0xbb, 0x01}, Status: ethereum.StatusSuccess,
		GasUsed: 51000, CumulativeGasUsed: 72000, EffectiveGasPrice: gwei, Logs: []ethereum.Log{transfer}}
	create := ethereum.Tx{Hash: sampleHash(3), Index: 0, From: sampleAddress(0x11), Value: new(big.Int), Nonce: 9,
		Gas: 900000, GasPrice: gwei, Input: []byte{0x60, 0x80}, Status: ethereum.StatusSuccess, GasUsed: 500000,
		CumulativeGasUsed: 500000, EffectiveGasPrice: gwei, ContractAddress: sampleAddress(0x80)}
	blocks := []Block{
		{&ethereum.Block{Number: 1, Hash: sampleHash(0x101), ParentHash: sampleHash(0x100), Miner: sampleAddress(0xee),
			Time: t0, GasUsed: 72000, GasLimit: 30_000_000, BaseFee: gwei, Size: 900, Txs: []ethereum.Tx{pay, call},
			Traces: []ethereum.Trace{
				{TxHash: pay.Hash, Type: "call", CallType: "call", From: pay.From, To: pay.To, Value: eth, Gas: 21000, Status: ethereum.StatusSuccess},
				{TxHash: call.Hash, TxIndex: 1, Type: "call", CallType: "call", From: call.From, To: tokenAddr, Value: new(big.Int), Gas: 90000, GasUsed: 51000, Status: ethereum.StatusSuccess, Subtraces: 1},
				{TxHash: call.Hash, TxIndex: 1, TraceAddress: []int{0}, Type: "call", CallType: "call", From: tokenAddr, To: sampleAddress(0x33), Value: gwei, Gas: 2300, Status: ethereum.StatusSuccess},
			}}},
		{&ethereum.Block{Number: 2, Hash: sampleHash(0x102), ParentHash: sampleHash(0x101), Miner: sampleAddress(0xee),
			Time: t0.Add(12 * time.Second), GasUsed: 500000, GasLimit: 30_000_000, BaseFee: gwei, Size: 700,
			Txs: []ethereum.Tx{create}, TracesMissing: true}},
	}
	s := &Sink{tokens: map[string]tokenMeta{}, unresolved: map[string]bool{}, log: slog.Default()}
	tok := newToken{ethereum.Token{Address: tokenAddr, Name: "Sample", Symbol: "SMP", Decimals: 18,
		TotalSupply: new(big.Int).Mul(big.NewInt(1_000_000), eth)}, 1, ethereum.ERC20}
	contracts := []contract{{ethereum.Contract{Address: sampleAddress(0x80), Creator: create.From, TxHash: create.Hash,
		IsERC20: true, Selectors: strings.Fields("0x095ea7b3 0x18160ddd 0xa9059cbb")}, 2, t0.Add(12 * time.Second)}}
	return s.buildRows(blocks, []newToken{tok}, contracts)
}
