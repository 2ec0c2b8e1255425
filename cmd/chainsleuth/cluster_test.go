package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestClusterUsageErrors(t *testing.T) {
	env := []string{"CHAINSLEUTH_CLICKHOUSE=clickhouse://127.0.0.1:1/none"}
	for _, args := range [][]string{
		{"cluster", "--chain", "doge"},
		{"cluster", "--heuristics", "co-spend,telepathy"},
		{"cluster", "--format", "xml"},
		{"cluster", "--guard-size", "-1"},
		{"cluster", "show"},
		{"cluster", "show", "1A", "--chain", "doge"},
		{"cluster", "show", "1A", "--limit", "0"},
		{"cluster", "export"},
		{"cluster", "export", "--chain", "btc", "--format", "json"},
	} {
		if _, stderr, code := runCLI(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
	}
}

// On mainnet block 363703: cluster, then show LuckyB.it's cluster as JSON and export every address.
func TestClusterShowAndExportOfAMainnetBlock(t *testing.T) {
	dir := realdata.Dir(t)
	srv, err := replay.NewBitcoin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dsn := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn, "CHAINSLEUTH_BTC_RPC=" + srv.URL()}
	for _, args := range [][]string{
		{"migrate"},
		{"ingest", "btc", "--from", "363703", "--to", "363703"},
	} {
		if _, stderr, code := runCLI(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	out, stderr, code := runCLI(t, env, "cluster", "--chain", "btc", "--format", "json")
	if code != 0 {
		t.Fatalf("cluster: exit %d: %s", code, stderr)
	}
	var res []struct {
		Chain     string `json:"chain"`
		Addresses int    `json:"addresses"`
		To        uint64 `json:"to"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || res[0].Chain != "btc" || res[0].To != 363704 || res[0].Addresses == 0 {
		t.Fatalf("cluster output %q: %v", out, err)
	}
	const luckybit = "1NxaBCFQwejSZbQfWcYNwgqML5wWoE3rK4"
	out, stderr, code = runCLI(t, env, "cluster", "show", luckybit, "--format", "json", "--limit", "50")
	if code != 0 {
		t.Fatalf("cluster show: exit %d: %s", code, stderr)
	}
	var v struct {
		Chain     string   `json:"chain"`
		ClusterID *uint32  `json:"cluster_id"`
		Size      int      `json:"size"`
		Addresses []string `json:"addresses"`
		Evidence  []struct {
			Heuristic  string   `json:"heuristic"`
			Tx         string   `json:"tx"`
			Confidence *float64 `json:"confidence"`
			A, B       string
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("show output %q: %v", out, err)
	}
	if v.Chain != "btc" || v.ClusterID == nil || v.Size < 2 || len(v.Addresses) != v.Size || len(v.Evidence) < v.Size-1 {
		t.Fatalf("show: %s", out)
	}
	for _, e := range v.Evidence {
		if e.Heuristic != "co-spend" || len(e.Tx) != 64 || e.Confidence == nil || e.A == "" || e.B == "" {
			t.Errorf("evidence %+v", e)
		}
	}
	byID, _, code := runCLI(t, env, "cluster", "show", strings.TrimSpace(jsonNumber(*v.ClusterID)), "--format", "json", "--limit", "50")
	if code != 0 || byID != out {
		t.Errorf("show by id %d differs from show by address:\n%s\n%s", *v.ClusterID, byID, out)
	}
	if _, stderr, code := runCLI(t, env, "cluster", "show", "1BitcoinEaterAddressDontSendf59kuE"); code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("unknown address: exit %d, %s", code, stderr)
	}

	out, stderr, code = runCLI(t, env, "cluster", "export", "--chain", "btc", "--format", "csv")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "chain,address,cluster_id" || len(rows)-1 != res[0].Addresses {
		t.Fatalf("export: header %v, %d rows for %d addresses", rows[0], len(rows)-1, res[0].Addresses)
	}
	members := 0
	for _, r := range rows[1:] {
		if r[2] == jsonNumber(*v.ClusterID) {
			members++
		}
	}
	if members != v.Size {
		t.Errorf("export puts %d addresses in cluster %d, show says %d", members, *v.ClusterID, v.Size)
	}
}

func jsonNumber(n uint32) string {
	b, _ := json.Marshal(n)
	return string(b)
}
