package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// The read-only `investigator` user (scripts/clickhouse/users.xml,
// docker/clickhouse/users.d) runs every read command; every write command
// fails with one message saying the user may only read, and writes nothing.
func TestInvestigatorCommandsRunOnAReadOnlyUser(t *testing.T) {
	dir := t.TempDir()
	w := newSmallWorld(t, writeFile(t, filepath.Join(dir, "companies.csv"),
		"company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\n"+
			"C1,Acme Ltd,1,GB,active,acme.example,Acme,eth:0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0\n"),
		writeFile(t, filepath.Join(dir, "tags.csv"), "chain,address,label,category,source\n"+
			"eth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,Acme hot wallet,exchange,test\n"))
	u, err := url.Parse(w.db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("investigator", "investigator")
	ro := []string{"CHAINSLEUTH_CLICKHOUSE=" + u.String(), "CHAINSLEUTH_ETH_RPC=" + w.chain.URL()}
	if out, stderr, code := runCLI(t, ro, "stats", "eth"); code != 0 {
		if strings.Contains(stderr, "investigator") && !strings.Contains(stderr, "may only read") {
			testenv.Unavailable(t, "the test ClickHouse has no investigator user (scripts/clickhouse.sh creates it): %s", lastLine(stderr))
		}
		t.Fatalf("stats eth as investigator: exit %d\n%s%s", code, out, stderr)
	}
	st := openDB(t, w.db)
	before := allTableCounts(t, st)
	payer := strings.ToLower(w.chain.Accounts()[1].Address.Hex())

	for _, args := range [][]string{
		{"stats", "eth"},
		{"stats", "btc", "--format", "json"},
		{"verify", "eth"},
		{"cluster", "show", payer, "--chain", "eth"},
		{"cluster", "export", "--chain", "eth"},
		{"address", payer, "--chain", "eth"},
		{"trace", payer, "--chain", "eth"},
		{"export", "graph", payer, "--chain", "eth"},
		{"company", "show", "C1"},
		{"top"},
		{"alerts"},
	} {
		if out, stderr, code := runCLI(t, ro, args...); code != 0 {
			t.Errorf("%s as investigator: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	for _, args := range [][]string{
		{"migrate"},
		{"ingest", "eth", "--confirmations", "0"},
		{"import", "tags", filepath.Join(dir, "tags.csv")},
		{"import", "companies", filepath.Join(dir, "companies.csv")},
		{"cluster", "--chain", "eth"},
		{"attribute", "--chain", "eth"},
		{"score", "--chain", "eth"},
	} {
		out, stderr, code := runCLI(t, ro, args...)
		if code != 1 || !strings.Contains(lastLine(stderr), `ClickHouse user "investigator" may only read`) {
			t.Errorf("%s as investigator: exit %d, want 1 and a message saying the user may only read\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	after := allTableCounts(t, st)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s held %d rows, now %d", table, n, after[table])
		}
	}
}

// A user whose profile has readonly=1 may not even change session settings;
// the read commands still work for it (the store sends none), and the write
// commands fail saying the user may only read.
func TestReadCommandsWorkForAReadonlyOneUser(t *testing.T) {
	ch := testenv.StartPrivateClickHouse(t) // a fresh copy of scripts/clickhouse/users.xml, with its reader user
	chain := filledDevnet(t, 3, 4)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + ch.DSN, "CHAINSLEUTH_ETH_RPC=" + chain.URL()}
	if out, stderr, code := runCLI(t, env, "ingest", "eth", "--confirmations", "0", "--progress", "log"); code != 0 {
		t.Fatalf("ingest: exit %d\n%s%s", code, out, stderr)
	}
	u, err := url.Parse(ch.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("reader", "reader")
	ro := []string{"CHAINSLEUTH_CLICKHOUSE=" + u.String(), "CHAINSLEUTH_ETH_RPC=" + chain.URL()}
	for _, args := range [][]string{{"stats", "eth"}, {"verify", "eth"}, {"top"}, {"alerts"}} {
		if out, stderr, code := runCLI(t, ro, args...); code != 0 {
			t.Errorf("%s as a readonly=1 user: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	tags := writeFile(t, filepath.Join(t.TempDir(), "tags.csv"), "chain,address,label\neth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,x\n")
	for _, args := range [][]string{{"import", "tags", tags}, {"ingest", "eth", "--confirmations", "0"}} {
		if out, stderr, code := runCLI(t, ro, args...); code != 1 || !strings.Contains(lastLine(stderr), `ClickHouse user "reader" may only read`) {
			t.Errorf("%s as a readonly=1 user: exit %d, want 1 saying the user may only read\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
}
