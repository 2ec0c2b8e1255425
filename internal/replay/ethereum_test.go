package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

var (
	ethOnce   sync.Once
	ethShared *EthereumServer
	ethErr    error
)

// sharedEthereum is one replay for the tests that only read from it (loading
// takes about a second).
func sharedEthereum(t *testing.T) *EthereumServer {
	t.Helper()
	dir := realdata.Dir(t)
	ethOnce.Do(func() { ethShared, ethErr = NewEthereum(dir) })
	if ethErr != nil {
		t.Fatal(ethErr)
	}
	return ethShared
}

func postJSON(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

const (
	hash483920   = "0x246edb4b351d93c27926f4649bcf6c24366e2a7c7c718dc9158eea20c03bc6ae"
	hash18000000 = "0x95b198e154acbfc64109dfd22d8224fe927fd8dfdedfae01587674482ba4baf3"
)

func TestTheEthereumReplayAnswersLikeANode(t *testing.T) {
	s := sharedEthereum(t)
	tests := []struct {
		name string
		body string
		want []string // substrings of the answer
		not  []string // and what must not be in it
	}{
		{"eth_chainId is mainnet's, not ethereum-etl's placeholder",
			`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`, []string{`"result":"0x1"`}, []string{"1234"}},
		{"eth_blockNumber is the highest recorded block, 19900000",
			`{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber","params":[]}`, []string{`"result":"0x12fa660"`}, nil},
		{"a block recorded by ethereum-etl is served by its file name",
			`{"jsonrpc":"2.0","id":3,"method":"eth_getBlockByNumber","params":["0x76250",true]}`, []string{hash483920, `"id":3`}, nil},
		{"an erigon block is found whatever the case of its hex number",
			`{"jsonrpc":"2.0","id":4,"method":"eth_getBlockByNumber","params":["0x112A880",true]}`, []string{hash18000000}, nil},
		{"a block without full transactions is made from the full recording",
			`{"jsonrpc":"2.0","id":5,"method":"eth_getBlockByNumber","params":["0x76250",false]}`,
			[]string{`"transactions":["0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8"`}, []string{`"nonce":"0xc"`}},
		{"a block is found by its hash",
			`{"jsonrpc":"2.0","id":6,"method":"eth_getBlockByHash","params":["` + strings.ToUpper(hash483920[2:4]) + hash483920[4:] + `",true]}`, nil, nil},
		{"block receipts come from erigon",
			`{"jsonrpc":"2.0","id":7,"method":"eth_getBlockReceipts","params":["0x112a880"]}`, []string{`"transactionHash":"0x16e199673891df518e25db2ef5320155da82a3dd71a677e7d84363251885d133"`}, nil},
		{"a receipt recorded by ethereum-etl is served",
			`{"jsonrpc":"2.0","id":8,"method":"eth_getTransactionReceipt","params":["0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8"]}`, []string{`"root":"0x2ec017656e20275e92cbd1cdee9aeb43c1a090a5e217797da7c58dbf5be50e5b"`}, nil},
		{"a receipt is found inside recorded block receipts",
			`{"jsonrpc":"2.0","id":9,"method":"eth_getTransactionReceipt","params":["0x16e199673891df518e25db2ef5320155da82a3dd71a677e7d84363251885d133"]}`, []string{`"blockNumber":"0x112a880"`}, nil},
		{"a geth callTracer recording is served for its block",
			`{"jsonrpc":"2.0","id":10,"method":"debug_traceBlockByNumber","params":["0xf4240",{"tracer":"callTracer"}]}`, []string{`"type":"CALLCODE"`}, nil},
		{"a mev-inspect block is served as trace_block with camelCase keys",
			`{"jsonrpc":"2.0","id":11,"method":"trace_block","params":["0xbd673c"]}`, []string{`"traceAddress"`, `"transactionPosition"`}, []string{"trace_address", "transaction_hash"}},
		{"an eth_call recorded by ethereum-etl matches a checksummed address",
			`{"jsonrpc":"2.0","id":12,"method":"eth_call","params":[{"to":"0x86Fa049857E0209aa7D9e616F7eb3b3B78ECfdb0","data":"0x95d89b41"},"latest"]}`, []string{`"result":"0x454f53`}, nil},
		{"an unknown method is -32601, as on a node",
			`{"jsonrpc":"2.0","id":13,"method":"eth_mining","params":[]}`, []string{`"code":-32601`}, nil},
		{"a known method with unrecorded parameters is -32000",
			`{"jsonrpc":"2.0","id":14,"method":"eth_getBlockReceipts","params":["0x76250"]}`, []string{`"code":-32000`, "no recording"}, nil},
		{"a recorded error is served as the error",
			`{"jsonrpc":"2.0","id":15,"method":"eth_call","params":[{"from":"0x7b98421B9314E3Ffc0B7a593DBa2FBBd3b789c7D","to":"0xFA103c21ea2DF71DFb92B0652F8B1D795e51cdEf","gas":"0x407E3","gasPrice":"0x512C2C504","data":"0x1cff79cd0000000000000000000000004f91ad1a0397b763fc653b4cfe4f836915bfcd8400000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000064f5537ede0000000000000000000000007fc66500c84a76ad7e9c93437bfc5ac33e2ddae9000000000000000000000000a69babef1ca67a37ffaf7a485dfff3382056e78c0000000000000000000000000000000000000000000000179f3efc4c2c77000000000000000000000000000000000000000000000000000000000000"},"0x112A880"]}`,
			[]string{`"error":{"code":`}, []string{`"result"`}},
		{"a batch gets one answer per call, errors included",
			`[{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]},{"jsonrpc":"2.0","id":2,"method":"nope","params":[]},{"jsonrpc":"2.0","id":3,"method":"trace_block","params":["0xf4240"]}]`,
			[]string{`{"jsonrpc":"2.0","result":"0x1","id":1}`, `"id":2`, `"code":-32601`, `"id":3`, `"rewardType":"block"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := postJSON(t, s.URL(), tt.body)
			if !strings.Contains(got, `"result"`) && !strings.Contains(got, `"error"`) {
				t.Fatalf("answer has neither result nor error: %.300s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer lacks %s: %.400s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("answer has %s: %.400s", n, got)
				}
			}
		})
	}
}

func TestADisabledMethodIsMissingAsOnAnOlderNode(t *testing.T) {
	s, err := NewEthereum(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockReceipts","params":["0x112a880"]}`
	if got := postJSON(t, s.URL(), body); !strings.Contains(got, `"result":[`) {
		t.Fatalf("before Disable: %.200s", got)
	}
	s.Disable("eth_getBlockReceipts")
	if got := postJSON(t, s.URL(), body); !strings.Contains(got, `"code":-32601`) || !strings.Contains(got, "does not exist/is not available") {
		t.Fatalf("after Disable: %.200s, want geth's -32601", got)
	}
	if s.Calls()["eth_getBlockReceipts"] != 2 {
		t.Errorf("Calls() = %v", s.Calls())
	}
}

// erigonRow is a line of derived/erigon-rpc-tests.index.jsonl.
type erigonRow struct {
	File       string  `json:"file"`
	TarMember  *string `json:"tar_member"`
	Item       int     `json:"item"`
	BatchIndex *int    `json:"batch_index"`
	Method     *string `json:"method"`
	Response   *string `json:"response"`
}

// TestEveryRecordedErigonAnswerIsServedAsRecorded walks the index of erigon's
// rpc-tests, sends each recorded request to the replay and compares the
// answer with the recording: the result, or the error code.
func TestEveryRecordedErigonAnswerIsServedAsRecorded(t *testing.T) {
	dir := realdata.Dir(t)
	s := sharedEthereum(t)
	f, err := os.Open(filepath.Join(dir, "derived/erigon-rpc-tests.index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]struct {
		Request  json.RawMessage `json:"request"`
		Response json.RawMessage `json:"response"`
	}{}
	var served, skipped int
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row erigonRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if row.Method == nil || *row.Method == "" || row.Response == nil || *row.Method == "eth_blockNumber" {
			skipped++ // malformed requests, answers recorded without a result, the moving tip
			continue
		}
		tests, ok := files[row.File]
		if !ok {
			data, err := readErigonFile(filepath.Join(dir, "erigon-rpc-tests", row.File))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &tests); err != nil {
				t.Fatalf("%s: %v", row.File, err)
			}
			files[row.File] = tests
		}
		req, resp := tests[row.Item].Request, tests[row.Item].Response
		if row.BatchIndex != nil {
			var reqs, resps []json.RawMessage
			if json.Unmarshal(req, &reqs) != nil || json.Unmarshal(resp, &resps) != nil {
				t.Fatalf("%s item %d: not a batch", row.File, row.Item)
			}
			req, resp = reqs[*row.BatchIndex], resps[*row.BatchIndex]
		}
		got := postJSON(t, s.URL(), string(req))
		var want, have struct {
			Result json.RawMessage `json:"result"`
			Error  *RPCError       `json:"error"`
		}
		if err := json.Unmarshal(resp, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got), &have); err != nil {
			t.Fatalf("%s: %v", row.File, err)
		}
		switch {
		case want.Error == nil && want.Result == nil:
			skipped++ // "error": null and no result: nothing was recorded
			continue
		case want.Error != nil:
			if have.Error == nil || have.Error.Code != want.Error.Code {
				t.Errorf("%s %s: got %.200s, want error %d", row.File, *row.Method, got, want.Error.Code)
			}
		case !jsonEqual(t, have.Result, want.Result):
			t.Errorf("%s %s: result differs from the recording: %.200s", row.File, *row.Method, got)
		}
		served++
	}
	if served < 450 {
		t.Errorf("served %d recorded answers (skipped %d), want the ~470 with a result or error", served, skipped)
	}
	pairs, conflicts := s.Pairs()
	t.Logf("%d answers checked, %d rows skipped; %d pairs loaded, %d conflicts", served, skipped, pairs, conflicts)
	if conflicts != 0 {
		t.Errorf("%d recordings shadowed by another answer to the same call", conflicts)
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestMEVInspectBlocksAreServedAsTraceBlockWithEveryTrace(t *testing.T) {
	dir := realdata.Dir(t)
	s := sharedEthereum(t)
	entries, err := os.ReadDir(filepath.Join(dir, MEVInspectDir))
	if err != nil {
		t.Fatal(err)
	}
	var total int
	for _, e := range entries {
		var file struct {
			BlockNumber uint64            `json:"block_number"`
			Traces      []json.RawMessage `json:"traces"`
		}
		data, err := os.ReadFile(filepath.Join(dir, MEVInspectDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &file); err != nil {
			t.Fatal(err)
		}
		if e.Name() == "10921990.json" {
			continue // the copy of 10921991 without its reward
		}
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"trace_block","params":["0x%x"]}`, file.BlockNumber)
		var got struct {
			Result []map[string]json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal([]byte(postJSON(t, s.URL(), body)), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Result) != len(file.Traces) {
			t.Errorf("block %d: %d traces served, the file has %d", file.BlockNumber, len(got.Result), len(file.Traces))
		}
		for _, tr := range got.Result {
			if _, ok := tr["traceAddress"]; !ok {
				t.Fatalf("block %d: a trace without traceAddress", file.BlockNumber)
			}
		}
		total += len(got.Result)
	}
	// The 27 files hold 26,310 traces; without the near-copy's 990 that is
	// the README's 25,320 distinct ones.
	if total != 25320 {
		t.Errorf("%d traces served in all, want the 25,320 distinct ones", total)
	}
}

func TestEthereumReplayWithCredentialsRefusesRequestsWithoutThem(t *testing.T) {
	s, err := NewEthereum(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetAuth("user", "secret")
	resp, err := http.Post("http://"+s.Host(), "application/json", bytes.NewReader([]byte(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: HTTP %d, want 401", resp.StatusCode)
	}
	if got := postJSON(t, s.URL(), `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`); !strings.Contains(got, `"0x1"`) {
		t.Errorf("with credentials: %s", got)
	}
}
