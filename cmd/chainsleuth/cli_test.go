package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestExitCodesAndErrorsSayWhatFailedAndWhatToDo(t *testing.T) {
	db := testenv.NewDatabase(t)
	cases := []struct {
		name     string
		env      []string
		args     []string
		code     int
		contains []string
		hidden   string
	}{
		{"an unknown flag is a usage error", nil, []string{"ingest", "btc", "--bogus"}, 2, []string{"bogus"}, ""},
		{"an out-of-range flag is a usage error", nil, []string{"ingest", "btc", "--workers", "0"}, 2, []string{"--workers"}, ""},
		{"follow with an end height is a usage error", nil, []string{"ingest", "btc", "--follow", "--to", "5"}, 2, []string{"--follow"}, ""},
		{"an unreachable node names it without its password", []string{"CHAINSLEUTH_CLICKHOUSE=" + db}, []string{"ingest", "btc", "--btc-rpc", "http://alice:s3cret@127.0.0.1:1"}, 1,
			[]string{"127.0.0.1:1", "CHAINSLEUTH_BTC_RPC"}, "s3cret"},
		{"an unreachable ClickHouse names it without its password", []string{"CHAINSLEUTH_CLICKHOUSE=clickhouse://bob:s3cret@127.0.0.1:1/x"}, []string{"stats", "btc"}, 1,
			[]string{"127.0.0.1:1", "clickhouse.sh start"}, "s3cret"},
		{"a bad ClickHouse address says the expected form", []string{"CHAINSLEUTH_CLICKHOUSE=http://bob:s3cret@host/x"}, []string{"stats", "btc"}, 1,
			[]string{"clickhouse://"}, "s3cret"},
		{"stats on a database never migrated says to migrate", []string{"CHAINSLEUTH_CLICKHOUSE=" + db}, []string{"stats", "btc"}, 1,
			[]string{"chainsleuth migrate"}, ""},
		{"an unknown format is a usage error", []string{"CHAINSLEUTH_CLICKHOUSE=" + db}, []string{"stats", "btc", "--format", "xml"}, 2, []string{"--format"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, c.env, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			for _, s := range c.contains {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if c.hidden != "" && strings.Contains(stderr, c.hidden) {
				t.Errorf("stderr shows a secret:\n%s", stderr)
			}
		})
	}
}

func TestMigrateIngestAndStatsFromTheCommandLine(t *testing.T) {
	chain := regtest.Start(t, "cli-stats", 105)
	db := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + db, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}
	for i := 0; i < 2; i++ { // twice: migrate is idempotent
		if out, stderr, code := runCLI(t, env, "migrate"); code != 0 || !strings.Contains(out, "schema of") {
			t.Fatalf("migrate: exit %d\n%s%s", code, out, stderr)
		}
	}
	if _, stderr, code := runCLI(t, env, "ingest", "btc", "--confirmations", "6", "--progress", "log"); code != 0 {
		t.Fatalf("ingest: exit %d\n%s", code, stderr)
	}
	out, stderr, code := runCLI(t, env, "stats", "btc", "--format", "json")
	if code != 0 {
		t.Fatalf("stats: exit %d\n%s", code, stderr)
	}
	var s struct {
		Blocks, Txs, Inputs, Outputs uint64
		MaxHeight                    int64 `json:"max_height"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("stats json %q: %v", out, err)
	}
	// 105 blocks mined, 6 confirmations: heights 0..100 are stored, each with
	// only its coinbase (one output; coinbase inputs are not counted).
	if s.Blocks != 101 || s.Txs != 101 || s.Inputs != 0 || s.Outputs != 101 || s.MaxHeight != 100 {
		t.Fatalf("stats %+v", s)
	}
	table, _, _ := runCLI(t, env, "stats", "btc")
	if !strings.Contains(table, "max_height") || !strings.Contains(table, "101") {
		t.Fatalf("table output:\n%s", table)
	}

	if out, stderr, code := runCLI(t, env, "verify", "btc"); code != 0 || !strings.Contains(out, "checked 101 blocks 0-100: 0 problems") {
		t.Fatalf("verify of a clean ingest: exit %d\n%s%s", code, out, stderr)
	}
	if err := openDB(t, db).DeleteWhere(context.Background(), "btc_blocks", "height = ?", uint64(7)); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, env, "verify", "btc", "--format", "json")
	if code != 1 || !strings.Contains(out, `"kind":"missing"`) || !strings.Contains(stderr, "1 problems") {
		t.Fatalf("verify with a gap: exit %d\n%s%s", code, out, stderr)
	}
}
