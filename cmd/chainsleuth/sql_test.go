package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestSQLDumpListsTheMigrationsAndEveryRegisteredStatement(t *testing.T) {
	registered := store.Registered()
	for _, c := range []struct{ flag, dialect, lowCard string }{
		{"legacy", "legacy", "String"},
		{"modern", "modern", "LowCardinality(String)"},
		{"18.16.1", "legacy", "String"},
		{"26.9.2.1", "modern", "LowCardinality(String)"},
	} {
		out, stderr, code := runCLI(t, nil, "sql", "dump", "--dialect", c.flag, "--format", "json")
		if code != 0 {
			t.Fatalf("sql dump --dialect %s: exit %d\n%s", c.flag, code, stderr)
		}
		var d sqlDump
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("sql dump --dialect %s: %v", c.flag, err)
		}
		if d.Dialect != c.dialect {
			t.Errorf("--dialect %s gave dialect %s, want %s", c.flag, d.Dialect, c.dialect)
		}
		migs, err := store.Migrations(store.DialectFor(map[string]store.Version{"legacy": {Major: 18, Minor: 16}, "modern": {Major: 26}}[c.dialect]))
		if err != nil {
			t.Fatal(err)
		}
		var migSQL []string
		for _, m := range migs {
			migSQL = append(migSQL, m.Statements...)
		}
		n := len(migSQL)
		if want := n + len(registered); len(d.Statements) != want {
			t.Errorf("--dialect %s: %d statements, want %d migration + %d registered", c.flag, len(d.Statements), n, len(registered))
		}
		seen := map[string]bool{}
		for i, s := range d.Statements {
			if seen[s.Name] {
				t.Errorf("statement name %s appears twice", s.Name)
			}
			seen[s.Name] = true
			if i < n && (s.Kind != "migration" || s.SQL != migSQL[i]) {
				t.Errorf("statement %d is %s (%s), want migration statement %d (the migrations come first, in order)", i, s.Name, s.Kind, i+1)
			}
		}
		for _, name := range []string{"btc.stats", "btc.insert.btc_outputs", "checkpoint.btc.read", "store.mutations.pending"} {
			if !seen[name] {
				t.Errorf("--dialect %s: %s missing", c.flag, name)
			}
		}
		if !strings.Contains(d.Statements[0].SQL, "chain "+c.lowCard+",") {
			t.Errorf("--dialect %s: ingest_checkpoints.chain is not %s:\n%s", c.flag, c.lowCard, d.Statements[0].SQL)
		}
	}
	if _, stderr, code := runCLI(t, nil, "sql", "dump", "--dialect", "newest"); code != 2 || !strings.Contains(stderr, "--dialect") {
		t.Errorf("a bad --dialect: exit %d, want 2 naming the flag\n%s", code, stderr)
	}
}

// The dialect test (tests/dialect) runs the dumped text; this runs every
// registered statement the way the code does (PrepareBatch inserts,
// INSERT … SELECT and DDL through Exec, the driver's binding) on the test server, in the dialect chosen for it.
func TestEveryRegisteredStatementRunsThroughTheDriver(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, s := range store.Registered() {
		var err error
		switch {
		case s.Batch != nil:
			err = st.Insert(ctx, *s.Batch)
		case s.Kind() == store.KindQuery:
			err = st.Query(ctx, s.Name, s.SQL, s.Args, nil, func(driver.Rows) error { return nil })
		default:
			err = st.Exec(ctx, s.Name, s.SQL, s.Args...)
		}
		if err != nil {
			t.Errorf("%s on ClickHouse %s: %v", s.Name, st.Version(), err)
		}
	}
}
