package devnet

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// startChain starts an in-memory chain with manual sealing, closed when the test ends.
func startChain(t testing.TB, cfg Config) *Chain {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start devnet: %v", err)
	}
	t.Cleanup(func() {
		if err := chain.Close(); err != nil {
			t.Errorf("close devnet: %v", err)
		}
	})
	return chain
}

// dial connects over HTTP, closed when the test ends.
func dial(t testing.TB, chain *Chain) (*ethclient.Client, *rpc.Client) {
	t.Helper()
	raw, err := rpc.Dial(chain.URL())
	if err != nil {
		t.Fatalf("dial %s: %v", chain.URL(), err)
	}
	t.Cleanup(raw.Close)
	return ethclient.NewClient(raw), raw
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func commit(t testing.TB, chain *Chain) common.Hash {
	t.Helper()
	hash, err := chain.Commit()
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return hash
}

func newSender(t testing.TB, ctx context.Context, client *ethclient.Client, from Account) *Sender {
	t.Helper()
	s, err := NewSender(ctx, client, from)
	if err != nil {
		t.Fatalf("sender for %s: %v", from.Address, err)
	}
	return s
}

// must(f())(t) is f's value, failing the test on f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// must3 is must for functions that return two values and an error.
func must3[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// ether is n/d ETH in wei.
func ether(n, d int64) *big.Int {
	v := new(big.Int).Mul(big.NewInt(n), Ether)
	return v.Div(v, big.NewInt(d))
}

// callFrame is one frame of callTracer's output.
type callFrame struct {
	Type         string          `json:"type"`
	From         common.Address  `json:"from"`
	To           common.Address  `json:"to"`
	Value        *hexutil.Big    `json:"value"`
	Gas          hexutil.Uint64  `json:"gas"`
	GasUsed      hexutil.Uint64  `json:"gasUsed"`
	Input        hexutil.Bytes   `json:"input"`
	Output       hexutil.Bytes   `json:"output"`
	Error        string          `json:"error"`
	RevertReason string          `json:"revertReason"`
	Calls        []callFrame     `json:"calls"`
	Logs         json.RawMessage `json:"logs"`
}

func (f callFrame) value() *big.Int {
	if f.Value == nil {
		return new(big.Int)
	}
	return f.Value.ToInt()
}

type blockTrace struct {
	TxHash common.Hash `json:"txHash"`
	Result callFrame   `json:"result"`
}

var callTracer = map[string]any{"tracer": "callTracer"}

func traceBlock(t testing.TB, ctx context.Context, raw *rpc.Client, number uint64) []blockTrace {
	t.Helper()
	var traces []blockTrace
	if err := raw.CallContext(ctx, &traces, "debug_traceBlockByNumber", hexutil.Uint64(number), callTracer); err != nil {
		t.Fatalf("debug_traceBlockByNumber %d: %v", number, err)
	}
	return traces
}

func traceTx(t testing.TB, ctx context.Context, raw *rpc.Client, hash common.Hash) callFrame {
	t.Helper()
	var frame callFrame
	if err := raw.CallContext(ctx, &frame, "debug_traceTransaction", hash, callTracer); err != nil {
		t.Fatalf("debug_traceTransaction %s: %v", hash, err)
	}
	return frame
}

func blockReceipts(t testing.TB, ctx context.Context, raw *rpc.Client, number uint64) []*types.Receipt {
	t.Helper()
	var receipts []*types.Receipt
	if err := raw.CallContext(ctx, &receipts, "eth_getBlockReceipts", hexutil.Uint64(number)); err != nil {
		t.Fatalf("eth_getBlockReceipts %d: %v", number, err)
	}
	return receipts
}

// topicOf pads an address into a log topic.
func topicOf(a common.Address) common.Hash { return common.BytesToHash(a.Bytes()) }

// word is v as one 32-byte ABI word.
func word(v *big.Int) []byte { return common.BigToHash(v).Bytes() }

func eventID(t testing.TB, contract, event string) common.Hash {
	t.Helper()
	a := must(ContractABI(contract))(t)
	e, ok := a.Events[event]
	if !ok {
		t.Fatalf("%s has no event %s", contract, event)
	}
	return e.ID
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
