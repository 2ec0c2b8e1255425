package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// injections are strings that would change a statement built by pasting
// them into SQL: quotes closing a literal, comments, a second statement,
// backslashes that eat a quote, the driver's own placeholders.
var injections = []string{
	`x' OR '1'='1`,
	`0x' OR 1=1 --`,
	`'; DROP TABLE tags; --`,
	`1 OR 1=1`,
	`1) OR (1=1`,
	`\'; DROP DATABASE default; --`,
	`eth' OR chain != '`,
	`? OR 1=1`,
	`@chain`,
	`{chain:String}`,
	`%s%d`,
	`0x29fc9b71492ec63696cf9cd56e9832a42b0dced0' UNION SELECT name FROM system.tables --`,
}

// clickhouseErrors are what an error from a statement that was changed by
// its input looks like; none may ever reach the user.
var clickhouseErrors = []string{"DB::Exception", "Syntax error", "code: 62", "code: 47", "code: 60", "code: 81", "Unknown identifier", "Missing columns"}

// Every command-line argument that reaches SQL carries injection strings
// as data: each run ends with a usage error (2), a not-found (1) or, where
// the string is a real name, finds exactly that row; ClickHouse never sees
// a broken statement, and every table holds what it held.
func TestInjectionThroughEveryArgumentIsTreatedAsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Off-chain files whose names and contents carry the strings: they are
	// stored as they are.
	evilName := `Robert'); DROP TABLE companies; -- Ltd`
	companies := filepath.Join(dir, `reg'; DROP TABLE tags; --.csv`)
	writeFile(t, companies, "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\n"+
		`C1,"`+evilName+`",1,GB,active,,"O'Brien \\ Sons",eth:0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0`+"\n"+
		"C2,Plain Ltd,2,GB,active,,,\n")
	tags := filepath.Join(dir, `tags\' OR 1=1.csv`)
	writeFile(t, tags, "chain,address,label,category,source\n"+
		`eth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,"'; DROP TABLE tags; --",exchange,"\' OR '1'='1"`+"\n")
	w := newSmallWorld(t, companies, tags)
	db, env, must := w.db, w.env, w.must

	st := openDB(t, db)
	var label string
	if err := st.QueryRow(ctx, "test: a tag", "SELECT label FROM tags FINAL WHERE file = ?", []any{filepath.Base(tags)}, &label); err != nil || label != "'; DROP TABLE tags; --" {
		t.Errorf("the tag of %q: label %q, %v", tags, label, err)
	}
	before := allTableCounts(t, st)
	if before["eth_blocks"] == 0 || before["companies"] != 2 || before["tags"] != 1 {
		t.Fatalf("the world was not set up: %v", before)
	}

	t.Run("a company named with SQL is found by its name, and only it", func(t *testing.T) {
		out := must("company", "show", evilName, "--format", "json")
		if !strings.Contains(out, `"C1"`) || strings.Contains(out, `"C2"`) {
			t.Errorf("company show %q:\n%s", evilName, out)
		}
	})

	type run struct{ args []string }
	var runs []run
	for _, s := range injections {
		for _, chainFlag := range [][]string{{"--chain", "eth"}, {"--chain", "btc"}} {
			runs = append(runs,
				run{append([]string{"address", s}, chainFlag...)},
				run{append([]string{"cluster", "show", s}, chainFlag...)},
				run{append([]string{"trace", s}, chainFlag...)},
				run{append([]string{"export", "graph", s}, chainFlag...)},
			)
		}
		runs = append(runs,
			run{[]string{"company", "show", s}},
			run{[]string{"address", s}},
			run{[]string{"cluster", "show", s}},
			run{[]string{"cluster", "--chain", s}},
			run{[]string{"cluster", "export", "--chain", s}},
			run{[]string{"cluster", "show", "1", "--chain", s}},
			run{[]string{"address", "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0", "--chain", s}},
			run{[]string{"trace", "1", "--chain", s}},
			run{[]string{"trace", "1", "--chain", "eth", "--direction", s}},
			run{[]string{"trace", "1", "--chain", "eth", "--min-value", s}},
			run{[]string{"export", "graph", "1", "--chain", "eth", "--format", s}},
			run{[]string{"attribute", "--chain", s}},
			run{[]string{"score", "--chain", s}},
			run{[]string{"score", "--chain", "eth", "--window", s}},
			run{[]string{"alerts", "--since", s}},
			run{[]string{"top", "--limit", s}},
			run{[]string{"stats", s}},
			run{[]string{"verify", "eth", "--from", s}},
			run{[]string{"import", "tags", filepath.Join(dir, s)}},
			run{[]string{"--cluster", s, "stats", "eth"}},
		)
	}
	codes := map[int]int{}
	notFound := map[string]bool{} // command: message, for the log
	for _, r := range runs {
		out, stderr, code := runCLI(t, env, r.args...)
		codes[code]++
		if code == 1 {
			notFound[r.args[0]+" "+r.args[1]+": "+lastLine(stderr)] = true
		}
		all := out + stderr
		for _, e := range clickhouseErrors {
			if strings.Contains(all, e) {
				t.Errorf("%q reached ClickHouse as SQL (exit %d):\n%s", r.args, code, all)
			}
		}
		if code != 1 && code != 2 {
			t.Errorf("%q: exit %d, want a usage error (2) or not found (1)\n%s", r.args, code, all)
		}
	}
	t.Logf("%d runs: exit codes %v", len(runs), codes)
	for m := range notFound {
		t.Logf("exit 1: %.200s", m)
	}

	t.Run("a database name with SQL in the DSN is refused before any statement", func(t *testing.T) {
		for _, name := range []string{"default;DROP DATABASE default", "x%27%20OR%201=1", "db`; --"} {
			out, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=clickhouse://127.0.0.1:9000/" + name}, "migrate")
			if code == 0 || !strings.Contains(stderr, "letters, digits and underscores") {
				t.Errorf("database %q: exit %d\n%s%s", name, code, out, stderr)
			}
		}
	})

	after := allTableCounts(t, st)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s held %d rows, now %d", table, n, after[table])
		}
	}
	if len(after) != len(before) {
		t.Errorf("tables before %d, after %d", len(before), len(after))
	}
}

// writeFile writes body to path and returns path.
func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allTableCounts counts the rows of every table of the store's database (views
// excluded). Replacing tables are counted with FINAL: a background merge
// replaces rows (a run's start row by its end row) at any time, and must not
// look like rows lost.
func allTableCounts(t *testing.T, st *store.Store) map[string]uint64 {
	t.Helper()
	ctx := context.Background()
	replacing := map[string]bool{}
	err := st.Query(ctx, "test: tables", "SELECT name, engine FROM system.tables WHERE database = ? AND engine NOT LIKE '%View'",
		[]any{st.Database()}, func() { clear(replacing) }, func(r driver.Rows) error {
			var name, engine string
			if err := r.Scan(&name, &engine); err != nil {
				return err
			}
			replacing[name] = strings.Contains(engine, "Replacing")
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for table, final := range replacing {
		n, err := st.CountWhere(ctx, table, final, "")
		if err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}
