package ethereum

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/segmentio/encoding/json"
)

// Trace is one frame of a transaction's execution (a call, a contract
// creation, a self-destruct), or a block or uncle reward, in the flat shape
// of Parity's trace_block, which both node APIs are reduced to.
type Trace struct {
	TxHash string // "" for rewards, and for geth traces fetched without the block
	// TxIndex is the transaction's position in the block; -1 for rewards.
	TxIndex int
	// TraceAddress is the frame's path in the transaction's call tree: empty
	// for the transaction itself, [0] for its first call, [0 2] for the third
	// call of that one.
	TraceAddress []int
	Type         string // "call", "create", "suicide", "reward"
	// CallType is "call", "delegatecall", "staticcall" or "callcode" for a
	// call, "create" or "create2" for a creation, "" otherwise.
	CallType string
	// RewardType is "block" or "uncle" for a reward, "" otherwise.
	RewardType string
	From       string // caller; the self-destructing contract of a suicide; "" for rewards
	// To is the callee, the created contract, the beneficiary of a
	// self-destruct or the rewarded miner.
	To    string
	Value *big.Int // wei; never nil
	Gas   uint64
	// GasUsed is the gas the frame used (0 when the node reports none, as
	// for failed frames on Parity).
	GasUsed uint64
	Input   []byte // call data, or a creation's init code
	Output  []byte // return data, or a created contract's runtime code
	Error   string // why the frame failed, as the node says it; "" if it did not
	// Status is StatusFailed when this frame or one of its callers failed
	// (its effects, value included, were undone), else StatusSuccess.
	Status    uint8
	Subtraces int // number of direct child frames
}

// MovesValue says whether the frame moved Value wei from From to To: a
// successful call of type "call", creation, self-destruct or reward with a
// positive value. Delegatecall and callcode frames run another contract's
// code in the caller's context and move nothing, whatever value they report;
// staticcall cannot carry value.
func (t *Trace) MovesValue() bool {
	if t.Status != StatusSuccess || t.Value == nil || t.Value.Sign() <= 0 {
		return false
	}
	switch t.Type {
	case "call":
		return t.CallType == "call"
	case "create", "suicide", "reward":
		return true
	}
	return false
}

// AddressString formats TraceAddress as the comma-separated path used in
// the traces table ("" for the top frame, "0,2" for a nested one).
func (t *Trace) AddressString() string {
	var sb strings.Builder
	for i, n := range t.TraceAddress {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(n))
	}
	return sb.String()
}

// ---- geth's callTracer (debug_traceBlockByNumber) ----

type callFrame struct {
	Type    string      `json:"type"`
	From    hexID       `json:"from"`
	To      hexID       `json:"to"`
	Value   bigQuantity `json:"value"`
	Gas     quantity    `json:"gas"`
	GasUsed quantity    `json:"gasUsed"`
	Input   hexBytes    `json:"input"`
	Output  hexBytes    `json:"output"`
	Error   string      `json:"error"`
	Calls   []callFrame `json:"calls"`
}

type txCallTrace struct {
	TxHash hexID      `json:"txHash"`
	Result *callFrame `json:"result"`
	Error  string     `json:"error"`
}

// DecodeCallTraces decodes the answer of debug_traceBlockByNumber with
// {"tracer":"callTracer"}: one call tree per transaction, in block order,
// flattened into Traces. Transaction hashes come from the answer's txHash
// (geth 1.11 and later); older nodes give none and TxHash stays "" (FetchBlock
// fills it from the block).
//
// geth names types in upper case and self-destructs SELFDESTRUCT; they become
// Parity's lower-case types and "suicide". A failed frame keeps geth's error
// text ("execution reverted", "out of gas"). Older geth reports a
// self-destruct as a bare {"type":"SELFDESTRUCT"} with no addresses or value;
// they stay empty.
func DecodeCallTraces(raw json.RawMessage) ([]Trace, error) {
	var txs []txCallTrace
	if err := json.Unmarshal(raw, &txs); err != nil {
		return nil, fmt.Errorf("decode call traces: %w", err)
	}
	var out []Trace
	for i, tx := range txs {
		if tx.Error != "" {
			return nil, fmt.Errorf("the node could not trace transaction %d %s: %s", i, tx.TxHash, tx.Error)
		}
		if tx.Result == nil {
			return nil, fmt.Errorf("the trace of transaction %d %s is empty", i, tx.TxHash)
		}
		out = flattenFrame(out, tx.Result, string(tx.TxHash), i, nil, false)
	}
	return out, nil
}

func flattenFrame(out []Trace, f *callFrame, txHash string, txIndex int, addr []int, parentFailed bool) []Trace {
	t := Trace{
		TxHash:       txHash,
		TxIndex:      txIndex,
		TraceAddress: addr,
		From:         string(f.From),
		To:           string(f.To),
		Value:        orZero(f.Value.v),
		Gas:          uint64(f.Gas),
		GasUsed:      uint64(f.GasUsed),
		Input:        []byte(f.Input),
		Output:       []byte(f.Output),
		Error:        f.Error,
		Subtraces:    len(f.Calls),
		Status:       StatusSuccess,
	}
	typ := strings.ToLower(f.Type)
	switch typ {
	case "call", "delegatecall", "staticcall", "callcode":
		t.Type, t.CallType = "call", typ
	case "create", "create2":
		t.Type, t.CallType = "create", typ
	case "selfdestruct", "suicide":
		t.Type = "suicide"
	default:
		t.Type = typ
	}
	failed := parentFailed || f.Error != ""
	if failed {
		t.Status = StatusFailed
	}
	out = append(out, t)
	for i := range f.Calls {
		child := make([]int, len(addr)+1)
		copy(child, addr)
		child[len(addr)] = i
		out = flattenFrame(out, &f.Calls[i], txHash, txIndex, child, failed)
	}
	return out
}

// ---- Parity/OpenEthereum/Erigon/reth trace_block ----

type parityTrace struct {
	Action struct {
		From           hexID       `json:"from"`
		To             hexID       `json:"to"`
		Value          bigQuantity `json:"value"`
		Gas            quantity    `json:"gas"`
		Input          hexBytes    `json:"input"`
		Init           hexBytes    `json:"init"`
		CallType       string      `json:"callType"`
		CreationMethod string      `json:"creationMethod"`
		Address        hexID       `json:"address"`
		RefundAddress  hexID       `json:"refundAddress"`
		Balance        bigQuantity `json:"balance"`
		Author         hexID       `json:"author"`
		RewardType     string      `json:"rewardType"`
	} `json:"action"`
	Result *struct {
		GasUsed quantity `json:"gasUsed"`
		Output  hexBytes `json:"output"`
		Code    hexBytes `json:"code"`
		Address hexID    `json:"address"`
	} `json:"result"`
	Error               string `json:"error"`
	Subtraces           int    `json:"subtraces"`
	TraceAddress        []int  `json:"traceAddress"`
	TransactionHash     hexID  `json:"transactionHash"`
	TransactionPosition optInt `json:"transactionPosition"`
	Type                string `json:"type"`
}

// DecodeParityTraces decodes the answer of trace_block: flat traces with
// their trace addresses, as Parity, OpenEthereum, Erigon, Nethermind and reth
// send them. Rewards get TxIndex -1. Creations get CallType "create" (or the
// node's creationMethod, "create2"). Statuses are computed from the errors of
// each frame and its callers.
func DecodeParityTraces(raw json.RawMessage) ([]Trace, error) {
	var ps []parityTrace
	if err := json.Unmarshal(raw, &ps); err != nil {
		return nil, fmt.Errorf("decode trace_block answer: %w", err)
	}
	out := make([]Trace, 0, len(ps))
	for _, p := range ps {
		t := Trace{
			TxHash:       string(p.TransactionHash),
			TxIndex:      -1,
			TraceAddress: p.TraceAddress,
			Type:         p.Type,
			Error:        p.Error,
			Subtraces:    p.Subtraces,
		}
		if p.TransactionPosition.Valid {
			t.TxIndex = int(p.TransactionPosition.N)
		}
		if len(t.TraceAddress) == 0 {
			t.TraceAddress = nil
		}
		a := &p.Action
		switch p.Type {
		case "call":
			t.CallType = strings.ToLower(a.CallType)
			t.From, t.To, t.Value, t.Gas, t.Input = string(a.From), string(a.To), a.Value.v, uint64(a.Gas), []byte(a.Input)
			if p.Result != nil {
				t.GasUsed, t.Output = uint64(p.Result.GasUsed), []byte(p.Result.Output)
			}
		case "create":
			t.CallType = "create"
			if m := strings.ToLower(a.CreationMethod); m != "" {
				t.CallType = m
			}
			t.From, t.Value, t.Gas, t.Input = string(a.From), a.Value.v, uint64(a.Gas), []byte(a.Init)
			if p.Result != nil {
				t.To, t.GasUsed, t.Output = string(p.Result.Address), uint64(p.Result.GasUsed), []byte(p.Result.Code)
			}
		case "suicide", "selfdestruct":
			t.Type = "suicide"
			t.From, t.To, t.Value = string(a.Address), string(a.RefundAddress), a.Balance.v
		case "reward":
			t.RewardType = a.RewardType
			t.To, t.Value = string(a.Author), a.Value.v
		default:
			t.From, t.To, t.Value = string(a.From), string(a.To), a.Value.v
		}
		t.Value = orZero(t.Value)
		out = append(out, t)
	}
	setStatuses(out)
	return out, nil
}

// setStatuses marks every frame that failed or whose caller failed. Frames
// of one transaction are consecutive, callers before callees.
func setStatuses(ts []Trace) {
	failed := map[string]bool{}
	tx := ""
	for i := range ts {
		t := &ts[i]
		key := t.TxHash + "/" + strconv.Itoa(t.TxIndex)
		if key != tx {
			tx = key
			clear(failed)
		}
		t.Status = StatusSuccess
		if t.Error != "" {
			failed[pathKey(t.TraceAddress)] = true
		}
		for n := 0; n <= len(t.TraceAddress); n++ {
			if failed[pathKey(t.TraceAddress[:n])] {
				t.Status = StatusFailed
				break
			}
		}
	}
}

func pathKey(addr []int) string {
	var sb strings.Builder
	for _, n := range addr {
		sb.WriteString(strconv.Itoa(n))
		sb.WriteByte(',')
	}
	return sb.String()
}
