package bitcoin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
)

const (
	btcdUser = "chainsleuth"
	btcdPass = "s3cret-Pa55-for-tests"
	// A regtest P2PKH address nobody has the key of (see scripts/btcd.sh).
	miningAddr = "muXnG2mCwXB15A1efXBw5U9s1c9Yjv14px"
)

// btcdBinary finds the btcd built by scripts/btcd.sh, or skips (fails in CI).
func btcdBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CHAINSLEUTH_BTCD")
	if bin == "" {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, ".cache", "chainsleuth", "btcd-v0.26.2", "btcd")
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("btcd binary not found at %s: build it with `scripts/btcd.sh path` or set CHAINSLEUTH_BTCD", bin)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the btcd tests must run)")
		}
		t.Skip("skipping: " + msg)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startBtcd starts a regtest btcd with a transaction index on free ports in a
// temporary directory, stops it when the test ends, and returns its RPC
// address (host:port).
func startBtcd(t *testing.T) string {
	t.Helper()
	bin := btcdBinary(t)
	dir := t.TempDir()
	rpcAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	out, err := os.Create(filepath.Join(dir, "btcd.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--regtest", "--notls", "--txindex",
		"--datadir="+filepath.Join(dir, "data"), "--logdir="+filepath.Join(dir, "logs"),
		"--rpcuser="+btcdUser, "--rpcpass="+btcdPass, "--rpclisten="+rpcAddr,
		fmt.Sprintf("--listen=127.0.0.1:%d", freePort(t)), "--nodnsseed", "--norelaypriority",
		"--miningaddr="+miningAddr)
	// btcd always creates ~/.btcd: give it a HOME of its own.
	cmd.Env = append(os.Environ(), "HOME="+filepath.Join(dir, "home"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start btcd: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", rpcAddr, time.Second)
		if err == nil {
			c.Close()
			return rpcAddr
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "btcd.out"))
			t.Fatalf("btcd exited before its RPC came up:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("btcd RPC did not come up on %s within 30s", rpcAddr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestClientAgainstARegtestBtcd(t *testing.T) {
	rpcAddr := startBtcd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Mine 5 blocks with btcd's own client: the Client only reads.
	miner, err := rpcclient.New(&rpcclient.ConnConfig{Host: rpcAddr, User: btcdUser, Pass: btcdPass, HTTPPostMode: true, DisableTLS: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer miner.Shutdown()
	var mined []string
	for len(mined) < 5 { // btcd's RPC may answer before it can mine
		hashes, err := miner.Generate(uint32(5 - len(mined)))
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("generate: %v", err)
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		for _, h := range hashes {
			mined = append(mined, h.String())
		}
	}

	c, err := bitcoin.Dial(ctx, fmt.Sprintf("http://%s:%s@%s", btcdUser, btcdPass, rpcAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("it learns the network from the node", func(t *testing.T) {
		if c.Chain() != "regtest" || c.Params() != &chaincfg.RegressionNetParams || c.Host() != rpcAddr {
			t.Fatalf("chain %q params %s host %s", c.Chain(), c.Params().Name, c.Host())
		}
	})
	t.Run("the tip is the fifth block", func(t *testing.T) {
		tip, err := c.TipHeight(ctx)
		if err != nil || tip != 5 {
			t.Fatalf("TipHeight = %d, %v; want 5", tip, err)
		}
	})
	var hashes []string
	t.Run("BlockHashes gives genesis and the mined blocks in order", func(t *testing.T) {
		hashes, err = c.BlockHashes(ctx, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string{chaincfg.RegressionNetParams.GenesisHash.String()}, mined...)
		if strings.Join(hashes, ",") != strings.Join(want, ",") {
			t.Fatalf("BlockHashes(0, 5) = %v, want %v", hashes, want)
		}
		one, err := c.BlockHash(ctx, 3)
		if err != nil || one != hashes[3] {
			t.Fatalf("BlockHash(3) = %s, %v; want %s", one, err, hashes[3])
		}
	})
	if len(hashes) != 6 {
		t.FailNow()
	}
	var block *bitcoin.Block
	t.Run("FetchBlock decodes a mined block paying the mining address", func(t *testing.T) {
		block, err = c.FetchBlock(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if block.Height != 3 || block.Hash != hashes[3] || block.PrevHash != hashes[2] || len(block.Txs) != 1 {
			t.Fatalf("block %d %s prev %s with %d txs", block.Height, block.Hash, block.PrevHash, len(block.Txs))
		}
		cb := block.Txs[0]
		if !cb.Coinbase || len(cb.Outputs) == 0 {
			t.Fatalf("first tx coinbase=%v outputs=%d", cb.Coinbase, len(cb.Outputs))
		}
		out := cb.Outputs[0]
		if out.Type != bitcoin.P2PKH || out.Address != miningAddr || out.Value != 50_0000_0000 {
			t.Fatalf("coinbase pays %d sat to (%s, %s), want 50 BTC to (p2pkh, %s)", out.Value, out.Type, out.Address, miningAddr)
		}
	})
	t.Run("FetchRawBlock returns the undecoded bytes of the same block", func(t *testing.T) {
		raw, err := c.FetchRawBlock(ctx, hashes[3])
		if err != nil {
			t.Fatal(err)
		}
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		if msg.BlockHash().String() != hashes[3] || (block != nil && len(raw) != block.Size) {
			t.Fatalf("raw block hashes to %s, %d bytes", msg.BlockHash(), len(raw))
		}
	})
	t.Run("Transaction serves a coinbase from the transaction index", func(t *testing.T) {
		if block == nil {
			t.Skip("no block")
		}
		tx, err := c.Transaction(ctx, block.Txs[0].TxID)
		if err != nil {
			t.Fatal(err)
		}
		if tx.TxHash().String() != block.Txs[0].TxID || !bitcoin.IsCoinbase(tx) {
			t.Fatalf("got tx %s", tx.TxHash())
		}
	})
	t.Run("Transaction of an unknown txid is ErrNoTxIndex", func(t *testing.T) {
		_, err := c.Transaction(ctx, strings.Repeat("ab", 32))
		t.Logf("unknown transaction: %v", err)
		if !errors.Is(err, bitcoin.ErrNoTxIndex) || !strings.Contains(err.Error(), rpcAddr) {
			t.Fatalf("error %v, want ErrNoTxIndex naming %s", err, rpcAddr)
		}
	})
	t.Run("an error names the block and the node", func(t *testing.T) {
		_, err := c.FetchBlock(ctx, 99)
		t.Logf("missing block: %v", err)
		if err == nil || !strings.Contains(err.Error(), "fetch block 99 from "+rpcAddr) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a cancelled context stops a call", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if _, err := c.TipHeight(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
	t.Run("a wrong password is refused with a clear error", func(t *testing.T) {
		_, err := bitcoin.Dial(ctx, fmt.Sprintf("http://%s:wrong-Pa55@%s", btcdUser, rpcAddr))
		t.Logf("wrong password: %v", err)
		if !errors.Is(err, bitcoin.ErrUnauthorized) {
			t.Fatalf("error %v, want ErrUnauthorized", err)
		}
		if strings.Contains(err.Error(), "wrong-Pa55") || !strings.Contains(err.Error(), rpcAddr) {
			t.Fatalf("error %q leaks the password or misses the node address", err)
		}
	})
	t.Run("a closed port gives a prompt error that names it but not the password", func(t *testing.T) {
		closed := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		start := time.Now()
		_, err := bitcoin.Dial(ctx, fmt.Sprintf("http://%s:%s@%s", btcdUser, btcdPass, closed))
		if err == nil {
			t.Fatal("Dial to a closed port succeeded")
		}
		msg := err.Error()
		t.Logf("closed port: %v", err)
		if strings.Contains(msg, btcdPass) || !strings.Contains(msg, closed) || !strings.Contains(msg, "CHAINSLEUTH_BTC_RPC") {
			t.Fatalf("error %q: want host:port and CHAINSLEUTH_BTC_RPC, no password", msg)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Dial took %v to fail", d)
		}
	})
}

func TestDialRejectsMalformedURLsWithoutEchoingThem(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"a URL without a port", "http://u:topsecret@127.0.0.1", "port"},
		{"a URL with another scheme", "ftp://u:topsecret@127.0.0.1:1", "scheme"},
		{"a URL that does not parse", "http://u:topsecret@127.0.0.1:1:2/%zz", "malformed"},
		{"a URL with a bad port", "http://u:topsecret@127.0.0.1:99999", "port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bitcoin.Dial(context.Background(), tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "topsecret") {
				t.Fatalf("error %v: want one mentioning %q and not the password", err, tt.want)
			}
		})
	}
}

func TestParamsForChainKnowsCoreAndBtcdNames(t *testing.T) {
	tests := []struct {
		chain string
		want  *chaincfg.Params
	}{
		{"main", &chaincfg.MainNetParams}, {"mainnet", &chaincfg.MainNetParams},
		{"test", &chaincfg.TestNet3Params}, {"testnet3", &chaincfg.TestNet3Params},
		{"testnet4", &chaincfg.TestNet4Params}, {"regtest", &chaincfg.RegressionNetParams},
		{"signet", &chaincfg.SigNetParams}, {"simnet", &chaincfg.SimNetParams},
	}
	for _, tt := range tests {
		t.Run(tt.chain, func(t *testing.T) {
			got, err := bitcoin.ParamsForChain(tt.chain)
			if err != nil || got != tt.want {
				t.Fatalf("ParamsForChain(%q) = %v, %v", tt.chain, got, err)
			}
		})
	}
	if _, err := bitcoin.ParamsForChain("dogecoin"); err == nil {
		t.Error("an unknown chain gave no error")
	}
}
