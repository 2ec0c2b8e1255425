package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestImportFromTheCommandLine(t *testing.T) {
	_, dsn := testenv.Store(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	companies := write("companies.csv", "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\n"+
		"C001,Ledger Harbor Exchange Ltd,18185505,GB,active,ledgerharbor.example,Ledger Harbor;LH,btc:mzYzZXvZw7rzy8kTqRUKBZAHcxKFTtmujQ;eth:0xf8d28502c20da2ad983117ad4463e54031f027ff\n"+
		"C002,Broken Ltd,1,GB,active,,,eth:0x12\n")
	tags := write("tags.csv", "chain,address,label,category,source\nbtc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,Genesis,miner,test\n")
	broken := write("broken.yaml", "title: 'oops\ntags:\n")
	ofac := write("sanctioned_addresses_XBT.txt", "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\n")

	t.Run("a registry with a bad row loads the good ones and lists the bad one (exit 0)", func(t *testing.T) {
		out, errOut, code := runCLI(t, env, "import", "companies", "--btc-network", "regtest", companies)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{"companies.csv", "companies-csv", "problems (1 of 1):", `companies.csv:3: company C002: addresses: eth address "0x12"`} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("json output counts loaded and rejected rows", func(t *testing.T) {
		out, errOut, code := runCLI(t, env, "import", "companies", "--btc-network", "regtest", "--format", "json", companies)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		var got struct {
			Loaded, Rejected int
			Problems         []struct {
				File   string
				Line   int
				Reason string
			}
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if got.Loaded != 1 || got.Rejected != 1 || len(got.Problems) != 1 || got.Problems[0].Line != 3 {
			t.Errorf("summary = %+v", got)
		}
	})
	t.Run("a mainnet import of regtest addresses rejects them and keeps the file's earlier import", func(t *testing.T) {
		out, errOut, code := runCLI(t, env, "import", "companies", "--problems", "0", companies)
		if code != 1 || !strings.Contains(out, "problems (0 of 3):") || !strings.Contains(out, "FAILED") ||
			!strings.Contains(errOut, "1 of 1 files loaded nothing") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		if out, errOut, code := runCLI(t, env, "company", "show", "C001", "--format", "json"); code != 0 || !strings.Contains(out, "C001") {
			t.Errorf("the earlier import of companies.csv is gone: exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("a file that does not parse fails the command (exit 1) while the others load", func(t *testing.T) {
		out, errOut, code := runCLI(t, env, "import", "tags", tags, broken)
		if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(errOut, "1 of 2 files loaded nothing") ||
			!strings.Contains(out, "broken.yaml: not valid YAML") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("sanctions read their asset from the file name", func(t *testing.T) {
		out, errOut, code := runCLI(t, env, "import", "sanctions", ofac)
		if code != 0 || !strings.Contains(out, "ofac-txt") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no file", []string{"import", "tags"}},
		{"a bad format", []string{"import", "tags", "--format", "xml", tags}},
		{"a bad network", []string{"import", "companies", "--btc-network", "moon", companies}},
	} {
		t.Run("usage error: "+tc.name+" (exit 2)", func(t *testing.T) {
			out, errOut, code := runCLI(t, env, tc.args...)
			if code != 2 {
				t.Errorf("exit %d\n%s%s", code, out, errOut)
			}
		})
	}
	t.Run("a missing file is an error (exit 1)", func(t *testing.T) {
		_, errOut, code := runCLI(t, env, "import", "sanctions", filepath.Join(dir, "nope.txt"))
		if code != 1 || !strings.Contains(errOut, "nope.txt") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
	})
}

// An import killed (-9) after some files are written leaves rows without a
// log row; the next import of the same files removes them, so the tables
// equal one clean import.
func TestAnImportKilledMidwayIsCleanedUpByTheNext(t *testing.T) {
	packs := filepath.Join(realdata.Dir(t), "graphsense-tagpacks")
	st, dsn := testenv.Store(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}
	ctx := context.Background()

	cmd := exec.Command(binary(t), "import", "tags", packs)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	written := 0
	sc := bufio.NewScanner(pipe)
	for sc.Scan() && written < 20 {
		if strings.Contains(sc.Text(), "file written") {
			written++
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	go func() { _, _ = bufio.NewReader(pipe).WriteTo(io.Discard) }()
	_ = cmd.Wait()
	if written < 20 {
		t.Fatalf("the import ended after %d files, before it could be killed", written)
	}
	left, err := st.CountWhere(ctx, "tags", false, "")
	if err != nil {
		t.Fatal(err)
	}
	logged, err := st.CountWhere(ctx, "offchain_imports", false, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d files: %d tag rows left, %d log rows", written, left, logged)
	if left == 0 || logged != 0 {
		t.Fatalf("after the kill: %d tag rows, %d log rows; want rows written and none committed", left, logged)
	}

	start := time.Now()
	out, errOut, code := runCLI(t, env, "import", "tags", "--format", "json", packs)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct{ Loaded int }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("the rerun took %s", time.Since(start).Round(time.Millisecond))
	actors, err := st.CountWhere(ctx, "actors", false, "")
	if err != nil {
		t.Fatal(err)
	}
	tags, err := st.CountWhere(ctx, "tags", false, "")
	if err != nil {
		t.Fatal(err)
	}
	if int(tags+actors) != rep.Loaded {
		t.Errorf("after the rerun: %d tags + %d actors stored (not FINAL), %d loaded", tags, actors, rep.Loaded)
	}
}
