package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// noNodes clears the environment's node URLs, so that only the flags given count.
var noNodes = []string{"CHAINSLEUTH_BTC_RPC=", "CHAINSLEUTH_ETH_RPC="}

func TestSimulatePrintsTheMiningAddressOfASeed(t *testing.T) {
	out, errOut, code := runCLI(t, noNodes, "simulate", "--print-mining-address", "--seed", "5")
	if code != 0 || out != simulate.MiningAddress(5)+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if simulate.MiningAddress(5) == simulate.MiningAddress(6) {
		t.Fatal("two seeds share a mining address")
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no node and no dry run", []string{"simulate"}, "--btc-rpc"},
		{"an unknown scale", []string{"simulate", "--dry-run", "--scale", "huge"}, "small, medium or large"},
		{"a seed that is not a number", []string{"simulate", "--seed", "x"}, "invalid value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, noNodes, tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %s; want exit 2 naming %q", code, errOut, tc.want)
			}
		})
	}
}

func TestSimulateNamesAnUnreachableNode(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := runCLI(t, noNodes, "simulate", "--btc-rpc", "http://u:p@127.0.0.1:1", "--truth", filepath.Join(dir, "t.json"))
	if code != 1 || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "t.json")); err == nil {
		t.Error("a failed run wrote truth.json")
	}
}

// TestSimulateOnNodesWritesWhatADryRunWrites runs the small world through the binary against a regtest
// btcd and a dev chain, and compares its files with those of a dry run of the same seed.
func TestSimulateOnNodesWritesWhatADryRunWrites(t *testing.T) {
	const seed = 77
	btcd := testenv.StartBtcd(t, simulate.MiningAddress(seed))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	start := time.Now()
	out, errOut, code := runCLI(t, noNodes, "simulate", "--btc-rpc", btcd.URL, "--eth-rpc", chain.URL(), "--seed", fmt.Sprint(seed),
		"--scale", "small", "--truth", file("truth.json"), "--companies", file("companies.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Logf("simulate --scale small on nodes took %s:\n%s", time.Since(start).Round(time.Millisecond), out)
	for _, want := range []string{"btc: ", "eth: ", "coinjoin_round 4", "truth: " + file("truth.json")} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary does not say %q", want)
		}
	}
	if _, errOut, code := runCLI(t, noNodes, "simulate", "--dry-run", "--seed", fmt.Sprint(seed),
		"--truth", file("dry.json"), "--companies", file("dry.csv")); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	for _, pair := range [][2]string{{"truth.json", "dry.json"}, {"companies.csv", "dry.csv"}} {
		a, err := os.ReadFile(file(pair[0]))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(file(pair[1]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) || len(a) < 1000 {
			t.Errorf("%s (%d bytes) differs from the dry run's %s (%d bytes)", pair[0], len(a), pair[1], len(b))
		}
	}
	tr, err := simulate.ReadTruth(file("truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Seed != seed || len(tr.OfKind(simulate.KindRetail)) != 60 || len(tr.Companies) == 0 {
		t.Errorf("truth: seed %d, %d retail users, %d companies", tr.Seed, len(tr.OfKind(simulate.KindRetail)), len(tr.Companies))
	}
}
