package bitcoin_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
)

// An https node is verified against the system's CAs or the CA file given;
// a certificate nothing vouches for is an error naming the node and the
// setting, never the password.
func TestHTTPSNodesAreVerifiedAgainstTheGivenCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "error": nil,
			"result": map[string]any{"chain": "regtest", "blocks": 7}})
	}))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "node-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	nodeURL := "https://user:" + btcdPass + "@" + host
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c, err := bitcoin.DialOptions(ctx, nodeURL, bitcoin.Options{CAFile: caFile})
	if err != nil {
		t.Fatalf("with the node's CA: %v", err)
	}
	if c.Chain() != "regtest" {
		t.Errorf("chain %q", c.Chain())
	}
	c.Close()

	start := time.Now()
	_, err = bitcoin.DialOptions(ctx, nodeURL, bitcoin.Options{})
	t.Logf("untrusted certificate after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), bitcoin.EnvCAFile) || strings.Contains(err.Error(), btcdPass) {
		t.Errorf("without the CA: %v; want an error naming %s and %s, without the password", err, host, bitcoin.EnvCAFile)
	}
	if _, err := bitcoin.DialOptions(ctx, nodeURL, bitcoin.Options{CAFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.Contains(err.Error(), bitcoin.EnvCAFile) {
		t.Errorf("a missing CA file: %v", err)
	}
}
