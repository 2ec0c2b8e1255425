package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/heuristics/attribute"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// On a simulated world, ingested and clustered: `import companies`, `attribute` and `company show` from
// the command line, with their usage errors.
func TestAttributeAndCompanyShowFromTheCommandLine(t *testing.T) {
	w := testworld.Build(t, 29)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + w.DSN}
	csv := filepath.Join(t.TempDir(), "companies.csv")
	if err := w.Result.WriteFiles("", csv); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, env, "import", "companies", "--btc-network", "regtest", csv); code != 0 {
		t.Fatalf("import companies: exit %d\n%s%s", code, out, errOut)
	}

	out, errOut, code := runCLI(t, env, "attribute", "--format", "json")
	if code != 0 {
		t.Fatalf("attribute: exit %d: %s", code, errOut)
	}
	var results []attribute.Result
	if err := json.Unmarshal([]byte(out), &results); err != nil || len(results) != 2 {
		t.Fatalf("attribute --format json: %v: %s", err, out)
	}
	attached := 0
	for _, r := range results {
		attached += r.CompaniesAttached
		if r.RunID == 0 || r.ClusterRun == 0 || r.Companies != len(w.Result.Companies) {
			t.Errorf("attribute %s: %+v", r.Chain, r)
		}
	}
	if attached == 0 {
		t.Fatalf("no company attached: %s", out)
	}
	if out, _, code := runCLI(t, env, "attribute", "--chain", "btc"); code != 0 || !strings.Contains(out, "clusters attributed") {
		t.Errorf("attribute --chain btc: exit %d\n%s", code, out)
	}

	co := w.Result.Companies[0]
	out, errOut, code = runCLI(t, env, "company", "show", co.CompanyID, "--format", "json")
	if code != 0 {
		t.Fatalf("company show %s: exit %d: %s", co.CompanyID, code, errOut)
	}
	var v attribute.CompanyView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.CompanyID != co.CompanyID || v.Name != co.Name || len(v.Clusters) == 0 || len(v.Addresses) != len(co.Addresses) {
		t.Errorf("company show %s: %s", co.CompanyID, out)
	}
	out, _, code = runCLI(t, env, "company", "show", co.Name)
	if code != 0 || !strings.Contains(out, co.CompanyID+"  "+co.Name) || !strings.Contains(out, "registry addresses") {
		t.Errorf("company show %q: exit %d\n%s", co.Name, code, out)
	}
	t.Logf("company show %q:\n%s", co.Name, out)

	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"an unknown chain is a usage error", []string{"attribute", "--chain", "doge"}, 2, "--chain"},
		{"an unknown format is a usage error", []string{"attribute", "--format", "csv"}, 2, "--format"},
		{"company show without a company is a usage error", []string{"company", "show"}, 2, "give one company"},
		{"an unknown company is an error that says how to import one", []string{"company", "show", "Nobody Holdings"}, 1, "import companies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, env, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.says) {
				t.Errorf("%v: exit %d, want %d; stderr %q should say %q", tc.args, code, tc.code, errOut, tc.says)
			}
		})
	}
}
