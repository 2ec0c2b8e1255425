package main

import (
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Passwords in the ClickHouse DSN and the node URL, and a hosted node's API
// key in its path, never appear in what ingest, import, verify and the other
// commands print: debug logs in text and JSON, progress, errors.
func TestPasswordsNeverReachLogsOrErrors(t *testing.T) {
	const (
		chPass   = "writer-Pa55-for-tests" // scripts/clickhouse/users.xml
		rpcPass  = "rpc-Pa55-7d41"
		apiKey   = "APIKEY0123456789abcdef"
		wrongCH  = "wrong-Pa55-9c2e"
		keptUser = "writer"
	)
	ch := testenv.StartPrivateClickHouse(t) // a fresh copy of the project's users.xml
	u, err := url.Parse(ch.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(keptUser, chPass)
	dsn := u.String()
	u.User = url.UserPassword(keptUser, wrongCH)
	wrongDSN := u.String()
	chain := filledDevnet(t, 3, 4)
	node := strings.TrimPrefix(chain.URL(), "http://")
	rpc := "http://rpcuser:" + rpcPass + "@" + node
	tags := writeFile(t, filepath.Join(t.TempDir(), "tags.csv"), "chain,address,label,category,source\n"+
		"eth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,Test,exchange,test\neth,0x12,Bad,exchange,test\n")
	secrets := []string{chPass, rpcPass, apiKey, wrongCH}
	dsnFile := writeFile(t, filepath.Join(t.TempDir(), "clickhouse.url"), dsn+"\n")
	rpcFile := writeFile(t, filepath.Join(t.TempDir(), "eth.url"), rpc+"\n")

	for _, tc := range []struct {
		name     string
		env      []string
		args     []string
		wantCode int
	}{
		{"migrate", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}, []string{"migrate"}, 0},
		{"ingest", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=" + rpc}, []string{"ingest", "eth", "--confirmations", "0", "--progress", "log"}, 0},
		{"ingest, json logs", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=" + rpc, "CHAINSLEUTH_LOG_FORMAT=json"}, []string{"ingest", "eth", "--confirmations", "0", "--progress", "log"}, 0},
		{"a hosted node's API key in the path (the dev chain answers 404)", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=" + rpc + "/v3/" + apiKey}, []string{"ingest", "eth"}, 1},
		{"import with a bad row", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}, []string{"import", "tags", tags}, 0},
		{"verify", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=" + rpc}, []string{"verify", "eth"}, 0},
		{"stats", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}, []string{"stats", "eth", "--format", "json"}, 0},
		{"cluster", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}, []string{"cluster", "--chain", "eth"}, 0},
		{"addresses read from _FILE variables", []string{"CHAINSLEUTH_CLICKHOUSE=", "CHAINSLEUTH_CLICKHOUSE_FILE=" + dsnFile, "CHAINSLEUTH_ETH_RPC=", "CHAINSLEUTH_ETH_RPC_FILE=" + rpcFile}, []string{"verify", "eth"}, 0},
		{"a variable and its _FILE both set", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_CLICKHOUSE_FILE=" + dsnFile}, []string{"stats", "eth"}, 2},
		{"a _FILE that is not there", []string{"CHAINSLEUTH_CLICKHOUSE=", "CHAINSLEUTH_CLICKHOUSE_FILE=" + dsnFile + ".missing"}, []string{"stats", "eth"}, 1},
		{"ingest with a wrong ClickHouse password", []string{"CHAINSLEUTH_CLICKHOUSE=" + wrongDSN, "CHAINSLEUTH_ETH_RPC=" + rpc}, []string{"ingest", "eth", "--confirmations", "0"}, 1},
		{"import with a wrong ClickHouse password", []string{"CHAINSLEUTH_CLICKHOUSE=" + wrongDSN}, []string{"import", "tags", tags}, 1},
		{"verify with a wrong ClickHouse password", []string{"CHAINSLEUTH_CLICKHOUSE=" + wrongDSN, "CHAINSLEUTH_ETH_RPC=" + rpc}, []string{"verify", "eth"}, 1},
		{"ingest from a node that is not there", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=https://rpcuser:" + rpcPass + "@127.0.0.1:1/v3/" + apiKey}, []string{"ingest", "eth"}, 1},
		{"verify against a node that is not there", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_BTC_RPC=http://u:" + rpcPass + "@127.0.0.1:1"}, []string{"verify", "btc"}, 1},
		{"a malformed node URL", []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_ETH_RPC=ht!tp://rpcuser:" + rpcPass + "@" + node}, []string{"ingest", "eth"}, 1},
		{"a malformed DSN", []string{"CHAINSLEUTH_CLICKHOUSE=clickhouse://writer:" + chPass + "@127.0.0.1:notaport/x"}, []string{"stats", "eth"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"CHAINSLEUTH_LOG_LEVEL=debug"}, tc.env...)
			out, stderr, code := runCLI(t, env, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.wantCode, out, stderr)
			}
			if code != 0 {
				t.Logf("error: %s", lastLine(stderr))
			}
			for _, s := range secrets {
				if strings.Contains(out+stderr, s) {
					t.Errorf("the output holds the secret %q:\n%s%s", s, out, stderr)
				}
			}
		})
	}
}

// An Ethereum node behind https with a private CA: commands trust it through
// --rpc-ca-file (CHAINSLEUTH_RPC_CA_FILE), refuse it without, and take it
// unverified with --rpc-insecure.
func TestEthereumNodeOverHTTPSWithAPrivateCA(t *testing.T) {
	chain := filledDevnet(t, 3, 4)
	target, err := url.Parse(chain.URL())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	defer srv.Close()
	ca := writeFile(t, filepath.Join(t.TempDir(), "ca.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	db := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + db, "CHAINSLEUTH_ETH_RPC=" + srv.URL}

	if out, stderr, code := runCLI(t, env, "ingest", "eth", "--confirmations", "0", "--progress", "log"); code != 1 ||
		!strings.Contains(lastLine(stderr), "CHAINSLEUTH_RPC_CA_FILE") {
		t.Errorf("ingest from a node whose CA is unknown: exit %d, want 1 naming CHAINSLEUTH_RPC_CA_FILE\n%s%s", code, out, stderr)
	}
	if out, stderr, code := runCLI(t, append(env, "CHAINSLEUTH_RPC_CA_FILE="+ca), "ingest", "eth", "--confirmations", "0", "--progress", "log"); code != 0 {
		t.Fatalf("ingest with the node's CA: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := runCLI(t, env, "verify", "eth", "--rpc-ca-file", ca); code != 0 || !strings.Contains(out, "0 problems") {
		t.Errorf("verify with --rpc-ca-file: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := runCLI(t, env, "verify", "eth", "--rpc-insecure"); code != 0 {
		t.Errorf("verify with --rpc-insecure: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := runCLI(t, env, "verify", "eth", "--rpc-ca-file", filepath.Join(t.TempDir(), "missing.pem")); code != 1 || !strings.Contains(stderr, "CA file") {
		t.Errorf("a missing CA file: exit %d\n%s", code, stderr)
	}
	_ = os.Remove(ca)
}
