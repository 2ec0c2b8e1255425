package ethereum

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/segmentio/encoding/json"
)

// Block is one block with everything the ingest stores about it: header
// fields, transactions joined with their receipts and logs, withdrawals, and
// the call traces of its transactions.
type Block struct {
	Number     int64
	Hash       string // 0x, lower case
	ParentHash string
	Miner      string // fee recipient (coinbase)
	Time       time.Time
	GasUsed    uint64
	GasLimit   uint64
	BaseFee    *big.Int // wei; nil before London (block 12,965,000)
	Size       uint64   // bytes
	Txs        []Tx
	// Withdrawals are the beacon-chain withdrawals credited in the block
	// (after Shanghai).
	Withdrawals []Withdrawal
	// Traces are the block's call frames, flattened in execution order (a
	// frame before its children), then block and uncle rewards on nodes that
	// report them (trace_block before the merge).
	Traces []Trace
	// TracesMissing says the block's traces were not fetched: Options.Traces
	// is "off", or the node has no tracing API. A later run can backfill them
	// with FetchTraces.
	TracesMissing bool
}

// Tx statuses (Tx.Status, Trace.Status).
const (
	StatusFailed  uint8 = 0
	StatusSuccess uint8 = 1
	// StatusUnknown is the status of a transaction before Byzantium (block
	// 4,370,000), whose receipt has a state root instead of a status, when
	// no trace was fetched to tell.
	StatusUnknown uint8 = 2
)

// Tx is a transaction with its receipt.
type Tx struct {
	Hash  string
	Index int
	From  string
	To    string // "" for a contract creation
	Value *big.Int
	Nonce uint64
	Gas   uint64 // gas limit
	// GasPrice is the price per gas the node reports with the transaction:
	// the bid of a legacy transaction, the price paid for an EIP-1559 one.
	GasPrice       *big.Int
	MaxFee         *big.Int // EIP-1559 fee cap; nil for legacy and access-list transactions
	MaxPriorityFee *big.Int // EIP-1559 tip cap; nil likewise
	Type           uint8    // 0 legacy, 1 access list, 2 EIP-1559, 3 blob, 4 set-code
	Input          []byte

	// Receipt fields.
	Status            uint8 // StatusSuccess, StatusFailed or StatusUnknown
	GasUsed           uint64
	CumulativeGasUsed uint64
	// EffectiveGasPrice is the price per gas paid: the receipt's, or when a
	// node omits it (old nodes), the gas price of a legacy transaction and
	// min(MaxFee, BaseFee+MaxPriorityFee) of an EIP-1559 one.
	EffectiveGasPrice *big.Int
	ContractAddress   string // the contract a creation made; "" otherwise
	Logs              []Log
}

// Fee is the fee the sender paid in wei: GasUsed × EffectiveGasPrice.
func (tx *Tx) Fee() *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(tx.GasUsed), orZero(tx.EffectiveGasPrice))
}

// MethodID is the first four bytes of the input as 0x-hex (the called
// function's selector), or "" when the input is shorter.
func (tx *Tx) MethodID() string {
	if len(tx.Input) < 4 {
		return ""
	}
	return encodeHex(tx.Input[:4])
}

// Log is an event log of a transaction.
type Log struct {
	Index   int // position in the block
	TxIndex int
	TxHash  string
	Address string   // the contract that emitted it
	Topics  []string // 0x, 32 bytes each
	Data    []byte
	Removed bool
}

// Withdrawal is a beacon-chain withdrawal credited to an address.
type Withdrawal struct {
	Index          uint64
	ValidatorIndex uint64
	Address        string
	Amount         uint64 // gwei
}

// AmountWei is the withdrawn amount in wei.
func (w Withdrawal) AmountWei() *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(w.Amount), big.NewInt(1_000_000_000))
}

// ---- JSON as nodes send it ----

type rpcBlock struct {
	Number       quantity        `json:"number"`
	Hash         hexID           `json:"hash"`
	ParentHash   hexID           `json:"parentHash"`
	Miner        hexID           `json:"miner"`
	Timestamp    quantity        `json:"timestamp"`
	GasUsed      quantity        `json:"gasUsed"`
	GasLimit     quantity        `json:"gasLimit"`
	BaseFee      bigQuantity     `json:"baseFeePerGas"`
	Size         quantity        `json:"size"`
	Transactions json.RawMessage `json:"transactions"`
	Withdrawals  []struct {
		Index          quantity `json:"index"`
		ValidatorIndex quantity `json:"validatorIndex"`
		Address        hexID    `json:"address"`
		Amount         quantity `json:"amount"`
	} `json:"withdrawals"`
}

type rpcTx struct {
	Hash                 hexID       `json:"hash"`
	BlockHash            hexID       `json:"blockHash"`
	TransactionIndex     quantity    `json:"transactionIndex"`
	From                 hexID       `json:"from"`
	To                   hexID       `json:"to"`
	Value                bigQuantity `json:"value"`
	Nonce                quantity    `json:"nonce"`
	Gas                  quantity    `json:"gas"`
	GasPrice             bigQuantity `json:"gasPrice"`
	MaxFeePerGas         bigQuantity `json:"maxFeePerGas"`
	MaxPriorityFeePerGas bigQuantity `json:"maxPriorityFeePerGas"`
	Type                 quantity    `json:"type"`
	Input                hexBytes    `json:"input"`
}

type rpcReceipt struct {
	TransactionHash   hexID       `json:"transactionHash"`
	TransactionIndex  quantity    `json:"transactionIndex"`
	BlockHash         hexID       `json:"blockHash"`
	BlockNumber       quantity    `json:"blockNumber"`
	Status            *quantity   `json:"status"`
	Root              hexID       `json:"root"`
	GasUsed           quantity    `json:"gasUsed"`
	CumulativeGasUsed quantity    `json:"cumulativeGasUsed"`
	EffectiveGasPrice bigQuantity `json:"effectiveGasPrice"`
	ContractAddress   hexID       `json:"contractAddress"`
	Logs              []rpcLog    `json:"logs"`
}

type rpcLog struct {
	Address          hexID    `json:"address"`
	Topics           []hexID  `json:"topics"`
	Data             hexBytes `json:"data"`
	LogIndex         quantity `json:"logIndex"`
	TransactionIndex quantity `json:"transactionIndex"`
	TransactionHash  hexID    `json:"transactionHash"`
	Removed          bool     `json:"removed"`
}

// ErrBlockNotFound is returned for a block the node does not have (above
// its tip, or pruned).
var ErrBlockNotFound = errors.New("the node has no such block")

// ErrInconsistent is returned when the answers of one fetch disagree: the
// receipts or traces belong to another block than the body, as when the
// chain reorganised between two calls. Fetching again usually succeeds.
var ErrInconsistent = errors.New("the node's answers disagree (a reorg while fetching?)")

// DecodeBlock decodes the answer of eth_getBlockByNumber or
// eth_getBlockByHash with full transactions (the JSON "result" value).
// Receipt fields stay empty; see DecodeReceipts. A null result is
// ErrBlockNotFound.
func DecodeBlock(raw json.RawMessage) (*Block, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ErrBlockNotFound
	}
	var rb rpcBlock
	if err := json.Unmarshal(raw, &rb); err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	if rb.Number > 1<<62 {
		return nil, fmt.Errorf("decode block: number %d out of range", rb.Number)
	}
	var txs []rpcTx
	if len(rb.Transactions) > 0 && string(rb.Transactions) != "null" {
		if err := json.Unmarshal(rb.Transactions, &txs); err != nil {
			return nil, fmt.Errorf("decode block %d: transactions are not full objects (ask with full=true): %w", rb.Number, err)
		}
	}
	b := &Block{
		Number:     int64(rb.Number),
		Hash:       string(rb.Hash),
		ParentHash: string(rb.ParentHash),
		Miner:      string(rb.Miner),
		Time:       time.Unix(int64(min(rb.Timestamp, 1<<40)), 0).UTC(),
		GasUsed:    uint64(rb.GasUsed),
		GasLimit:   uint64(rb.GasLimit),
		BaseFee:    rb.BaseFee.v,
		Size:       uint64(rb.Size),
		Txs:        make([]Tx, len(txs)),
	}
	for i, t := range txs {
		if int(t.TransactionIndex) != i {
			return nil, fmt.Errorf("decode block %d: transaction %d has index %d", b.Number, i, t.TransactionIndex)
		}
		if t.BlockHash != "" && string(t.BlockHash) != b.Hash {
			return nil, fmt.Errorf("decode block %d: transaction %s says block %s", b.Number, t.Hash, t.BlockHash)
		}
		if t.Type > 255 {
			return nil, fmt.Errorf("decode block %d: transaction %s has type %d", b.Number, t.Hash, t.Type)
		}
		b.Txs[i] = Tx{
			Hash:           string(t.Hash),
			Index:          i,
			From:           string(t.From),
			To:             string(t.To),
			Value:          orZero(t.Value.v),
			Nonce:          uint64(t.Nonce),
			Gas:            uint64(t.Gas),
			GasPrice:       orZero(t.GasPrice.v),
			MaxFee:         t.MaxFeePerGas.v,
			MaxPriorityFee: t.MaxPriorityFeePerGas.v,
			Type:           uint8(t.Type),
			Input:          []byte(t.Input),
			Status:         StatusUnknown,
		}
	}
	for _, w := range rb.Withdrawals {
		b.Withdrawals = append(b.Withdrawals, Withdrawal{
			Index:          uint64(w.Index),
			ValidatorIndex: uint64(w.ValidatorIndex),
			Address:        string(w.Address),
			Amount:         uint64(w.Amount),
		})
	}
	return b, nil
}

// DecodeReceipts decodes the answer of eth_getBlockReceipts (a JSON array of
// receipts) and joins it to b's transactions. Every transaction must have
// exactly one receipt of the same block.
func DecodeReceipts(b *Block, raw json.RawMessage) error {
	var rs []json.RawMessage
	if err := json.Unmarshal(raw, &rs); err != nil {
		return fmt.Errorf("decode receipts: %w", err)
	}
	if len(rs) != len(b.Txs) {
		if len(rs) == 0 && string(raw) == "null" {
			return fmt.Errorf("the node has no receipts for block %s: %w", b.Hash, ErrInconsistent)
		}
		return fmt.Errorf("block %d has %d transactions but %d receipts: %w", b.Number, len(b.Txs), len(rs), ErrInconsistent)
	}
	seen := make([]bool, len(b.Txs))
	for _, r := range rs {
		i, err := attachReceipt(b, r)
		if err != nil {
			return err
		}
		if seen[i] {
			return fmt.Errorf("two receipts for transaction %s of block %d: %w", b.Txs[i].Hash, b.Number, ErrInconsistent)
		}
		seen[i] = true
	}
	return nil
}

// attachReceipt decodes one receipt (eth_getTransactionReceipt's answer) and
// sets the receipt fields of its transaction in b. It returns the
// transaction's index.
func attachReceipt(b *Block, raw json.RawMessage) (int, error) {
	if string(raw) == "null" {
		return 0, fmt.Errorf("the node has no receipt for a transaction of block %d: %w", b.Number, ErrInconsistent)
	}
	var r rpcReceipt
	if err := json.Unmarshal(raw, &r); err != nil {
		return 0, fmt.Errorf("decode receipt: %w", err)
	}
	i := int(r.TransactionIndex)
	if r.TransactionIndex >= quantity(len(b.Txs)) || b.Txs[i].Hash != string(r.TransactionHash) {
		return 0, fmt.Errorf("receipt of %s at index %d matches no transaction of block %d: %w", r.TransactionHash, r.TransactionIndex, b.Number, ErrInconsistent)
	}
	if r.BlockHash != "" && string(r.BlockHash) != b.Hash {
		return 0, fmt.Errorf("receipt of %s is for block %s, not %s: %w", r.TransactionHash, r.BlockHash, b.Hash, ErrInconsistent)
	}
	tx := &b.Txs[i]
	switch {
	case r.Status != nil && *r.Status <= 1:
		tx.Status = uint8(*r.Status)
	case r.Status != nil:
		return 0, fmt.Errorf("receipt of %s has status %d", tx.Hash, *r.Status)
	default:
		tx.Status = StatusUnknown // pre-Byzantium: a state root, no status
	}
	tx.GasUsed = uint64(r.GasUsed)
	tx.CumulativeGasUsed = uint64(r.CumulativeGasUsed)
	tx.EffectiveGasPrice = r.EffectiveGasPrice.v
	if tx.EffectiveGasPrice == nil {
		tx.EffectiveGasPrice = effectivePrice(tx, b.BaseFee)
	}
	tx.ContractAddress = string(r.ContractAddress)
	tx.Logs = make([]Log, len(r.Logs))
	for j, l := range r.Logs {
		if l.TransactionHash != "" && l.TransactionHash != r.TransactionHash {
			return 0, fmt.Errorf("log %d of receipt %s says transaction %s: %w", l.LogIndex, tx.Hash, l.TransactionHash, ErrInconsistent)
		}
		topics := make([]string, len(l.Topics))
		for k, t := range l.Topics {
			topics[k] = string(t)
		}
		if l.LogIndex > 1<<31 {
			return 0, fmt.Errorf("log index %d out of range", l.LogIndex)
		}
		tx.Logs[j] = Log{
			Index:   int(l.LogIndex),
			TxIndex: i,
			TxHash:  tx.Hash,
			Address: string(l.Address),
			Topics:  topics,
			Data:    []byte(l.Data),
			Removed: l.Removed,
		}
	}
	return i, nil
}

// effectivePrice is what a transaction paid per gas when the receipt does
// not say: its gas price, or for EIP-1559 min(fee cap, base fee + tip).
func effectivePrice(tx *Tx, baseFee *big.Int) *big.Int {
	if tx.MaxFee == nil || tx.MaxPriorityFee == nil || baseFee == nil {
		return new(big.Int).Set(orZero(tx.GasPrice))
	}
	p := new(big.Int).Add(baseFee, tx.MaxPriorityFee)
	if p.Cmp(tx.MaxFee) > 0 {
		p.Set(tx.MaxFee)
	}
	return p
}

// Logs returns every log of the block in block order.
func (b *Block) Logs() []Log {
	var n int
	for i := range b.Txs {
		n += len(b.Txs[i].Logs)
	}
	out := make([]Log, 0, n)
	for i := range b.Txs {
		out = append(out, b.Txs[i].Logs...)
	}
	return out
}
