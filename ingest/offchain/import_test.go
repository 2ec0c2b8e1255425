package offchain

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func count(t *testing.T, st *store.Store, table string, final bool, where string, args ...any) int {
	t.Helper()
	n, err := st.CountWhere(context.Background(), table, final, where, args...)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// strings1 reads a one-column query.
func strings1(t *testing.T, st *store.Store, query string, args ...any) []string {
	t.Helper()
	var out []string
	err := st.Query(context.Background(), "test read", query, args, func() { out = nil }, func(r driver.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every company of a simulator world lands with all of its fields and
// addresses.
func TestASimulatorRegistryImportsAndReadsBack(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)
	params, err := simulate.ParamsFor(simulate.Small)
	if err != nil {
		t.Fatal(err)
	}
	res, err := simulate.Run(ctx, simulate.Config{Seed: 7, Params: params, DryRun: true, BTC: true, ETH: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "companies.csv")
	if err := res.WriteFiles("", path); err != nil {
		t.Fatal(err)
	}
	im := New(st, Options{Addresser: Addresser{BTC: &chaincfg.RegressionNetParams}})
	rep, err := im.ImportCompanies(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Loaded != len(res.Companies) || rep.Rejected != 0 || rep.FailedFile != 0 {
		t.Fatalf("report = %+v, want %d companies loaded and nothing rejected", rep, len(res.Companies))
	}
	var addrs []string
	for _, c := range res.Companies {
		var name, norm, reg, jur, status string
		var domains, aliases []string
		err := st.QueryRow(ctx, "read company", "SELECT name, name_normalized, registration_no, jurisdiction, status, domains, aliases FROM companies FINAL WHERE company_id = ?",
			[]any{c.CompanyID}, &name, &norm, &reg, &jur, &status, &domains, &aliases)
		if err != nil {
			t.Fatalf("company %s: %v", c.CompanyID, err)
		}
		if name != c.Name || norm != NormalizeName(c.Name) || reg != c.RegistrationNo || jur != c.Jurisdiction || status != c.Status ||
			strings.Join(domains, ";") != strings.Join(c.Domains, ";") || strings.Join(aliases, ";") != strings.Join(c.Aliases, ";") {
			t.Errorf("company %s read back as %q %q %q %q %q %q %q, want %+v", c.CompanyID, name, norm, reg, jur, status, domains, aliases, c)
		}
		for _, a := range c.Addresses {
			addrs = append(addrs, c.CompanyID+" "+a.Chain+":"+a.Address)
		}
	}
	got := strings1(t, st, "SELECT concat(company_id, ' ', chain, ':', address) FROM company_addresses FINAL")
	sort.Strings(addrs)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(addrs, "\n") {
		t.Errorf("company_addresses:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(addrs, "\n"))
	}
	if n := count(t, st, ImportsTable, true, "kind = 'companies' AND file = 'companies.csv' AND rows_loaded = ?", uint64(len(res.Companies))); n != 1 {
		t.Errorf("offchain_imports rows for the file: %d, want 1", n)
	}
}

const packV1 = `title: Pack
currency: BTC
label: first label
tags:
- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
- address: 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy
- address: bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq
- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb
`

// The second version drops one address and relabels another.
const packV2 = `title: Pack
currency: BTC
label: first label
tags:
- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
- address: 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy
  label: second label
`

func TestImportingAFileAgainReplacesItsRows(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	pack := writeFile(t, dir, "pack.yaml", packV1)
	ofac := writeFile(t, dir, "sanctioned_addresses_XBT.txt", "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\n125W5ek3DT6Zqy5S2iPt4FHQdNMCbZA3FU\n")
	ofacJSON := writeFile(t, dir, "json/sanctioned_addresses_XBT.json", `["123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", "125W5ek3DT6Zqy5S2iPt4FHQdNMCbZA3FU"]`)
	im := New(st, Options{})

	for i := range 3 {
		rep, err := im.ImportTags(ctx, pack)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Loaded != 3 || rep.Rejected != 1 {
			t.Fatalf("import %d: %+v", i+1, rep)
		}
		// Not FINAL: the earlier import's rows are deleted, not merely hidden.
		if n := count(t, st, "tags", false, ""); n != 3 {
			t.Fatalf("after import %d tags holds %d rows, want 3", i+1, n)
		}
	}
	if n := count(t, st, ImportsTable, false, "file = 'pack.yaml'"); n != 3 {
		t.Errorf("offchain_imports has %d rows for pack.yaml, want one per import (3)", n)
	}

	writeFile(t, dir, "pack.yaml", packV2)
	if _, err := im.ImportTags(ctx, pack); err != nil {
		t.Fatal(err)
	}
	got := strings1(t, st, "SELECT concat(address, '=', label) FROM tags ORDER BY address, label")
	want := []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa=first label", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy=second label"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after the changed file: %q, want %q", got, want)
	}

	// The same list as text, then as JSON (same name stem, other file): the
	// keys do not hold the file, so FINAL still sees each address once.
	for _, p := range []string{ofac, ofacJSON, ofac} {
		if rep, err := im.ImportSanctions(ctx, p); err != nil || rep.Loaded != 2 {
			t.Fatalf("import %s: %+v, %v", p, rep, err)
		}
		if n := count(t, st, "sanctions", true, ""); n != 2 {
			t.Errorf("after %s sanctions holds %d rows (FINAL), want 2", p, n)
		}
	}
	// Both formats in one run: the second file's rows are duplicates.
	rep, err := im.ImportSanctions(ctx, ofac, ofacJSON)
	if err != nil || rep.Loaded != 2 || rep.Duplicates != 2 || rep.FailedFile != 0 {
		t.Fatalf("both lists in one run: %+v, %v", rep, err)
	}
	if n := count(t, st, "sanctions", true, ""); n != 2 {
		t.Errorf("sanctions holds %d rows (FINAL), want 2", n)
	}
}

func TestABrokenFileLoadsNothingAndKeepsItsEarlierImport(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	pack := writeFile(t, dir, "packs/pack.yaml", packV1)
	writeFile(t, dir, "packs/tags.csv", "chain,address,label\neth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,Ronin\n")
	writeFile(t, dir, "LICENSE", "not imported")
	im := New(st, Options{})
	rep, err := im.ImportTags(ctx, dir)
	if err != nil || rep.Loaded != 4 || len(rep.Files) != 2 {
		t.Fatalf("first import: %+v, %v", rep, err)
	}
	writeFile(t, dir, "packs/pack.yaml", "title: 'broken\ntags:\n- address: x\n")
	writeFile(t, dir, "other/tags.csv", "chain,address,label\n")
	rep, err = im.ImportTags(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FailedFile != 3 || rep.Loaded != 0 {
		t.Fatalf("second import: %+v", rep)
	}
	var reasons []string
	for _, p := range rep.Problems {
		reasons = append(reasons, p.String())
	}
	if !strings.Contains(strings.Join(reasons, "\n"), "pack.yaml: not valid YAML") ||
		!strings.Contains(strings.Join(reasons, "\n"), "2 files of this import are named tags.csv") {
		t.Errorf("problems: %q", reasons)
	}
	if n := count(t, st, "tags", true, "file = 'pack.yaml'"); n != 3 {
		t.Errorf("pack.yaml's earlier rows: %d, want 3 kept", n)
	}
	if n := count(t, st, "tags", true, "file = 'tags.csv'"); n != 1 {
		t.Errorf("tags.csv's earlier rows: %d, want 1 kept", n)
	}
	if rep, err := im.ImportTags(ctx, pack); err != nil || rep.FailedFile != 1 {
		t.Errorf("the broken file alone: %+v, %v", rep, err)
	}
	// A file whose every row is malformed is a failed file too: committing
	// it would replace its earlier rows with none.
	logs := count(t, st, ImportsTable, false, "file = 'tags.csv'")
	csv := writeFile(t, dir, "packs/tags.csv", "chain,address,label\neth,0xnot-an-address,Ronin\nbtc,,empty\n")
	rep, err = im.ImportTags(ctx, csv)
	if err != nil || rep.FailedFile != 1 || rep.Rejected != 2 || rep.Loaded != 0 {
		t.Errorf("a CSV of malformed rows only: %+v, %v", rep, err)
	}
	if n := count(t, st, "tags", true, "file = 'tags.csv'"); n != 1 {
		t.Errorf("tags.csv's earlier rows after a CSV of malformed rows: %d, want 1 kept", n)
	}
	if n := count(t, st, ImportsTable, false, "file = 'tags.csv'"); n != logs {
		t.Errorf("a CSV of malformed rows was recorded as an import: %d log rows, want %d", n, logs)
	}
}

// A ClickHouse failure mid-run: the rows the run wrote are taken back and
// no log row is written. (The actors table is dropped so that the second
// file's insert fails for good.)
func TestAFailedImportLeavesNoRows(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	writeFile(t, dir, "1-pack.yaml", packV1)
	writeFile(t, dir, "2-actors.yaml", "actors:\n- id: a\n  label: A\n")
	if err := st.Exec(ctx, "drop actors", "DROP TABLE actors"); err != nil {
		t.Fatal(err)
	}
	rep, err := New(st, Options{}).ImportTags(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "2-actors.yaml") {
		t.Fatalf("import: %+v, %v; want the actors insert to fail", rep, err)
	}
	if n := count(t, st, "tags", false, ""); n != 0 {
		t.Errorf("tags holds %d rows after the failed run, want 0", n)
	}
	if n := count(t, st, ImportsTable, false, ""); n != 0 {
		t.Errorf("offchain_imports holds %d rows after the failed run, want 0", n)
	}
}
