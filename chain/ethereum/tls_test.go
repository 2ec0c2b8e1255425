package ethereum_test

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
)

// tlsNode is an https JSON-RPC node with a self-signed certificate that
// answers eth_chainId and eth_blockNumber, and wants basic auth.
func tlsNode(t *testing.T) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		result := map[string]string{"eth_chainId": "0x1", "eth_blockNumber": "0x10"}[req.Method]
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "node-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

func TestHTTPSNodesAreVerifiedAgainstTheSystemRootsOrTheGivenCA(t *testing.T) {
	srv, caFile := tlsNode(t)
	host := strings.TrimPrefix(srv.URL, "https://")
	nodeURL := "https://user:s3cret@" + host + "/v3/APIKEY"
	ctx := testContext(t)

	t.Run("a certificate the system does not trust fails at once, naming the node and the CA setting", func(t *testing.T) {
		start := time.Now()
		_, err := ethereum.Dial(ctx, nodeURL, ethereum.Options{Logger: quietLogger(t)})
		if err == nil {
			t.Fatal("dialled a node whose certificate nothing vouches for")
		}
		msg := err.Error()
		t.Logf("untrusted certificate: %s", msg)
		if !strings.Contains(msg, host) || !strings.Contains(msg, ethereum.EnvCAFile) || strings.Contains(msg, "s3cret") || strings.Contains(msg, "APIKEY") {
			t.Errorf("error %q: want the host and %s, never the password or the path", msg, ethereum.EnvCAFile)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s: a certificate error is not worth retrying", d)
		}
	})
	t.Run("the node's CA from a file is trusted", func(t *testing.T) {
		c, err := ethereum.Dial(ctx, nodeURL, ethereum.Options{CAFile: caFile, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if tip, err := c.TipHeight(ctx); err != nil || tip != 16 || c.ChainID() != 1 {
			t.Errorf("tip %d, chain id %d, %v", tip, c.ChainID(), err)
		}
	})
	t.Run("verification can be switched off", func(t *testing.T) {
		c, err := ethereum.Dial(ctx, nodeURL, ethereum.Options{InsecureSkipVerify: true, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
	t.Run("a missing or empty CA file is named", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.pem")
		if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{filepath.Join(t.TempDir(), "missing.pem"), empty} {
			_, err := ethereum.Dial(ctx, nodeURL, ethereum.Options{CAFile: f, Logger: quietLogger(t)})
			if err == nil || !strings.Contains(err.Error(), ethereum.EnvCAFile) {
				t.Errorf("CA file %s: %v", f, err)
			}
		}
	})
}
