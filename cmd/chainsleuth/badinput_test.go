package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Bad input anywhere ends with a message that says what is wrong and what
// to do, and the right exit code: 2 for the caller's mistakes (unknown
// chain, malformed address or flag), 1 for what could not be used (a node
// URL, a file that does not parse); importers keep a file's good rows.
func TestBadInputGetsAClearMessage(t *testing.T) {
	_, dsn := testenv.Store(t)
	dir := t.TempDir()
	file := func(name, body string) string { return writeFile(t, filepath.Join(dir, name), body) }
	pack := "title: Test pack\ncreator: Tester\ncurrency: BTC\ncategory: exchange\nlabel: x\ntags:\n" +
		"- address: 3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE\n- address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n"
	files := map[string]string{
		"truncated pack":     file("cut.yaml", pack),
		"truncated json":     file("cut.json", `[{"company_id":"C1","name":"A"`),
		"truncated csv":      file("cut.csv", "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\nC1,Good Ltd,1,GB,active,,,\nC2,\"Cut"),
		"empty csv":          file("empty.csv", ""),
		"only broken rows":   file("broken.csv", "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\nC1,,1,GB,active,,,btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb\n"),
		"csv without chain":  file("nochain.csv", "foo,address,label\n1,2,3\n"),
		"wrong-network tags": file("tags.csv", "chain,address,label\nbtc,mzYzZXvZw7rzy8kTqRUKBZAHcxKFTtmujQ,testnet\nbtc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,main\ndoge,DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L,doge\n"),
	}
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // in stdout or stderr
	}{
		{"an unknown chain to ingest", []string{"ingest", "doge"}, 2, []string{`unknown command or chain "doge"`, "btc and eth"}},
		{"an unknown chain to verify", []string{"verify", "ltc"}, 2, []string{`unknown command or chain "ltc"`}},
		{"an unknown chain to cluster", []string{"cluster", "--chain", "ltc"}, 2, []string{`--chain "ltc"`}},
		{"an Ethereum URL of another scheme", []string{"ingest", "eth", "--eth-rpc", "ftp://127.0.0.1:1"}, 1, []string{`scheme "ftp"`, "CHAINSLEUTH_ETH_RPC"}},
		{"an Ethereum URL without host", []string{"verify", "eth", "--eth-rpc", "http://"}, 1, []string{"no host", "CHAINSLEUTH_ETH_RPC"}},
		{"an Ethereum node that is not there", []string{"ingest", "eth", "--eth-rpc", "http://127.0.0.1:1"}, 1, []string{"127.0.0.1:1", "is the node running?"}},
		{"a Bitcoin URL without port", []string{"ingest", "btc", "--btc-rpc", "http://u:p@127.0.0.1"}, 1, []string{"needs a host and a port", "CHAINSLEUTH_BTC_RPC"}},
		{"a Bitcoin node that is not there", []string{"verify", "btc", "--btc-rpc", "http://u:p@127.0.0.1:1"}, 1, []string{"127.0.0.1:1", "is the node running?"}},
		{"a CA file that is not there", []string{"verify", "eth", "--eth-rpc", "https://127.0.0.1:1", "--rpc-ca-file", filepath.Join(dir, "none.pem")}, 1, []string{"CA file", "CHAINSLEUTH_RPC_CA_FILE"}},
		{"an HTTP ClickHouse address", []string{"--clickhouse", "http://127.0.0.1:8123/db", "stats", "eth"}, 1, []string{`scheme "http"`, "clickhouse://host:9000/database"}},
		{"a Bitcoin address with a bad checksum", []string{"address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"}, 2, []string{"checksum mismatch"}},
		{"a short Ethereum address", []string{"address", "0x1234", "--chain", "eth"}, 2, []string{"40 hex digits"}},
		{"a negative range", []string{"verify", "eth", "--from", "9", "--to", "3"}, 2, []string{"not a range of heights"}},
		{"a TagPack cut in a quoted string", []string{"import", "tags", files["truncated pack"]}, 1, []string{"cut.yaml", "line", "loaded nothing"}},
		{"a JSON registry cut short", []string{"import", "companies", files["truncated json"]}, 1, []string{"cut.json", "not valid JSON", "loaded nothing"}},
		{"a CSV registry cut in its last row keeps the whole rows", []string{"import", "companies", files["truncated csv"]}, 0, []string{"cut.csv:3", `extraneous or missing "`}},
		{"a CSV registry of malformed rows only loads nothing and fails", []string{"import", "companies", files["only broken rows"]}, 1,
			[]string{"broken.csv:2", "none of its 1 rows is well formed", "earlier import", "loaded nothing"}},
		{"an empty CSV", []string{"import", "companies", files["empty csv"]}, 1, []string{"empty file: want a header row"}},
		{"a CSV without a required column", []string{"import", "tags", files["csv without chain"]}, 1, []string{"no chain column"}},
		{"a file that is not there", []string{"import", "tags", filepath.Join(dir, "none.csv")}, 1, []string{"no such file"}},
		{"wrong-network and other-chain rows are named and the good row loads", []string{"import", "tags", files["wrong-network tags"]}, 0,
			[]string{"testnet, regtest or signet address, not mainnet", "--btc-network", "doge"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, env, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("the output lacks %q:\n%s%s", w, out, stderr)
				}
			}
		})
	}
}
