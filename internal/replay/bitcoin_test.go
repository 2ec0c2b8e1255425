package replay

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

const (
	hash50001 = "000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141"
	hash50002 = "000000002066d7f9b134c30b5005b7bf5fbfa52f279883f1fde793dcdc964266"
	hash50000 = "000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d84a4278a"
	hashTip   = "00000000000000000024fb37364cbf81fd49cc2d51c09c75c35433c3a1945d04" // 500000, recorded without its block
	genesis   = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	hash1     = "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"
)

func newServer(t *testing.T) *BitcoinServer {
	t.Helper()
	s, err := NewBitcoin(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// post sends body with the server's credentials and returns status and body.
func post(t *testing.T, s *BitcoinServer, body string, auth bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+s.Host(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(DefaultUser, DefaultPass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestTheReplayAnswersLikeBitcoind(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name       string
		body       string
		auth       bool
		wantStatus int
		want       string // a substring of the reply
	}{
		{"getblockcount answers the highest known height", `{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}`, true, 200, `"result":702861`},
		{"getblockchaininfo says mainnet", `{"jsonrpc":"1.0","id":"a","method":"getblockchaininfo","params":[]}`, true, 200, `"chain":"main"`},
		{"getblockhash serves bitcoin-etl's recording", `{"jsonrpc":"1.0","id":2,"method":"getblockhash","params":[50001]}`, true, 200, `"result":"` + hash50001 + `"`},
		{"getblockhash serves the block index", `{"jsonrpc":"1.0","id":3,"method":"getblockhash","params":[277647]}`, true, 200, `"result":"0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8"`},
		{"getblockhash serves the recorded tip hash", `{"jsonrpc":"1.0","id":4,"method":"getblockhash","params":[500000]}`, true, 200, hashTip},
		{"a JSON-RPC 2.0 request gets a 2.0 reply", `{"jsonrpc":"2.0","id":5,"method":"getblockhash","params":[0]}`, true, 200, `{"jsonrpc":"2.0","result":"` + genesis + `","id":5}`},
		{"a height out of range is error -8 with status 500", `{"jsonrpc":"1.0","id":6,"method":"getblockhash","params":[123456]}`, true, 500, `"code":-8`},
		{"an unknown method is -32601 with status 404", `{"jsonrpc":"1.0","id":7,"method":"getmininginfo","params":[]}`, true, 404, `"code":-32601`},
		{"an unknown block is -5", `{"jsonrpc":"1.0","id":8,"method":"getblock","params":["` + strings.Repeat("0", 64) + `",0]}`, true, 500, `"code":-5`},
		{"the relabelled tip recording is not served as a block", `{"jsonrpc":"1.0","id":9,"method":"getblock","params":["` + hashTip + `",0]}`, true, 500, `"code":-5`},
		{"an unknown transaction is -5", `{"jsonrpc":"1.0","id":10,"method":"getrawtransaction","params":["` + strings.Repeat("ab", 32) + `"]}`, true, 500, `"code":-5`},
		{"a verbosity never recorded is -8", `{"jsonrpc":"1.0","id":11,"method":"getblock","params":["` + "0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8" + `",2]}`, true, 500, `"code":-8`},
		{"a batch gets one reply per request, errors included",
			`[{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[50001]},{"jsonrpc":"2.0","id":2,"method":"getblockhash","params":[1000]},{"jsonrpc":"2.0","id":3,"method":"nope","params":[]}]`,
			true, 200, `[{"jsonrpc":"2.0","result":"` + hash50001 + `","id":1},{"jsonrpc":"2.0","error":{"code":-8,"message":"Block height out of range"},"id":2},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}]`},
		{"an empty batch is an invalid request", `[]`, true, 200, `"code":-32600`},
		{"a request without credentials is refused", `{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}`, false, 401, ``},
		{"a body that is not JSON is a parse error", `{"jsonrpc":`, true, 500, `"code":-32700`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, s, tt.body, tt.auth)
			if status != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Fatalf("status %d body %s; want %d containing %s", status, body, tt.wantStatus, tt.want)
			}
		})
	}
	t.Run("a GET is refused", func(t *testing.T) {
		resp, err := http.Get("http://" + s.Host())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func TestBlocksRebuiltFromVerboseRecordingsHashToTheirRecordedHashes(t *testing.T) {
	s := newServer(t)
	blocks, err := realdata.OpenBlocks(realdata.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, hash := range []string{genesis, hash1, hash50000, hash50001, hash50002} {
		t.Run(hash, func(t *testing.T) {
			b := s.byHash[hash]
			if b == nil || b.raw == nil || b.verbose2 == nil {
				t.Fatalf("block %s was not rebuilt from a recording", hash)
			}
			var msg wire.MsgBlock
			if err := msg.Deserialize(bytes.NewReader(b.raw)); err != nil {
				t.Fatal(err)
			}
			if msg.BlockHash().String() != hash {
				t.Fatalf("rebuilt block hashes to %s", msg.BlockHash())
			}
			var vb struct {
				Size int `json:"size"`
			}
			json.Unmarshal(b.verbose2, &vb)
			if len(b.raw) != vb.Size {
				t.Fatalf("rebuilt %d bytes, recording says size %d", len(b.raw), vb.Size)
			}
			if indexed, err := blocks.RawByHash(hash); err == nil && !bytes.Equal(indexed, b.raw) {
				t.Fatal("the rebuilt block differs from the same block in the index")
			}
		})
	}
}

func TestBtcdRPCClientTalksToTheReplay(t *testing.T) {
	s := newServer(t)
	cfg := &rpcclient.ConnConfig{Host: s.Host(), User: DefaultUser, Pass: DefaultPass, HTTPPostMode: true, DisableTLS: true}
	c, err := rpcclient.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()

	t.Run("single calls", func(t *testing.T) {
		n, err := c.GetBlockCount()
		if err != nil || n != 702861 {
			t.Fatalf("GetBlockCount = %d, %v", n, err)
		}
		h, err := c.GetBlockHash(50002)
		if err != nil || h.String() != hash50002 {
			t.Fatalf("GetBlockHash = %v, %v", h, err)
		}
		blk, err := c.GetBlock(h)
		if err != nil || blk.BlockHash().String() != hash50002 || len(blk.Transactions) != 1 {
			t.Fatalf("GetBlock = %v, %v", blk, err)
		}
		hdr, err := c.GetBlockHeaderVerbose(h)
		if err != nil || hdr.Height != 50002 || hdr.PreviousHash != hash50001 || hdr.Bits != "1c2a1115" {
			t.Fatalf("GetBlockHeaderVerbose = %+v, %v", hdr, err)
		}
		tx, err := c.GetRawTransaction(&blk.Transactions[0].TxIn[0].PreviousOutPoint.Hash)
		if err == nil {
			t.Fatalf("the coinbase's null prevout was served: %v", tx)
		}
		var rpcErr *btcjson.RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != -5 {
			t.Fatalf("error %v, want RPC error -5", err)
		}
	})
	t.Run("a batch of getblockhash calls is one HTTP request", func(t *testing.T) {
		batch, err := rpcclient.NewBatch(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer batch.Shutdown()
		before := s.Requests()
		var futures []rpcclient.FutureGetBlockHashResult
		for h := int64(0); h <= 438; h++ {
			futures = append(futures, batch.GetBlockHashAsync(h))
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
		for i, f := range futures {
			h, err := f.Receive()
			if err != nil || h == nil {
				t.Fatalf("height %d: %v", i, err)
			}
		}
		if got := s.Requests() - before; got != 1 {
			t.Fatalf("%d HTTP requests for one batch", got)
		}
	})
	t.Run("a transaction of an indexed raw block is served", func(t *testing.T) {
		raw, err := c.RawRequest("getblock", []json.RawMessage{json.RawMessage(`"0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8"`), json.RawMessage("0")})
		if err != nil {
			t.Fatal(err)
		}
		var hx string
		json.Unmarshal(raw, &hx)
		b, _ := hex.DecodeString(hx)
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		want := msg.Transactions[100].TxHash()
		tx, err := c.GetRawTransaction(&want)
		if err != nil || tx.Hash().String() != want.String() {
			t.Fatalf("GetRawTransaction(%s) = %v, %v", want, tx, err)
		}
	})
	t.Run("a recorded verbose transaction is served as recorded", func(t *testing.T) {
		raw, err := c.RawRequest("getrawtransaction", []json.RawMessage{json.RawMessage(`"0dd0394c6240355f4e4b3c88028f678ed746cebee3b3e8509620733f018914c9"`), json.RawMessage("true")})
		if err != nil || !strings.Contains(string(raw), `"1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9"`) || !strings.Contains(string(raw), "50.00000000") {
			t.Fatalf("verbose answer %s, %v", raw, err)
		}
	})
	t.Run("getblock verbosity 1 lists txids", func(t *testing.T) {
		raw, err := c.RawRequest("getblock", []json.RawMessage{json.RawMessage(`"` + hash50001 + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Tx []string `json:"tx"`
		}
		if err := json.Unmarshal(raw, &v); err != nil || len(v.Tx) != 3 {
			t.Fatalf("verbosity 1 answer %s: %v", raw, err)
		}
	})
}
