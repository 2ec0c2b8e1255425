package ethereum_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
)

// encodingNode is a JSON-RPC node that answers eth_chainId and records the
// Accept-Encoding of every request.
func encodingNode(t *testing.T, ln net.Listener) (seen func() []string) {
	t.Helper()
	var mu sync.Mutex
	var encodings []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		encodings = append(encodings, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "0x1"})
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), encodings...)
	}
}

// A node on this machine is asked for uncompressed answers (gzip only costs
// both sides CPU on loopback); a node elsewhere is asked to compress.
func TestOnlyANodeElsewhereIsAskedToCompress(t *testing.T) {
	ctx := testContext(t)
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	seen := encodingNode(t, ln)
	dial := func(host string) []string {
		before := len(seen())
		c, err := ethereum.Dial(ctx, "http://"+net.JoinHostPort(host, port), ethereum.Options{Logger: quietLogger(t)})
		if err != nil {
			t.Fatalf("dial %s: %v", host, err)
		}
		c.Close()
		got := seen()[before:]
		if len(got) == 0 {
			t.Fatalf("dialling %s sent no request", host)
		}
		return got
	}
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if host == "::1" && !hasIPv6Loopback() {
			continue
		}
		for _, enc := range dial(host) {
			if enc != "" {
				t.Errorf("the node at %s was asked for Accept-Encoding %q, want uncompressed answers", host, enc)
			}
		}
	}
	other := nonLoopbackAddress()
	if other == "" {
		t.Log("no address but loopback on this machine: the remote case is not checked")
		return
	}
	for _, enc := range dial(other) {
		if enc != "gzip" {
			t.Errorf("the node at %s was asked for Accept-Encoding %q, want gzip", other, enc)
		}
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// nonLoopbackAddress is an IPv4 address of this machine that is not
// loopback, or "".
func nonLoopbackAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return ""
}
