package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Btcd is a regtest btcd process owned by one test.
type Btcd struct {
	URL       string // http://user:pass@127.0.0.1:port
	RPCAddr   string
	P2PAddr   string
	User      string
	Pass      string
	dir       string
	args      []string
	bin       string
	cmd       *exec.Cmd
	t         testing.TB
	http      *http.Client
	MiningTo  string
	stoppedCh chan struct{}
}

// BtcdBinary is the btcd v0.26.2 binary: CHAINSLEUTH_BTCD, else built once by
// scripts/btcd.sh into $HOME/.cache.
func BtcdBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHAINSLEUTH_BTCD"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		Unavailable(t, "CHAINSLEUTH_BTCD=%s does not exist; run `scripts/btcd.sh path`", p)
	}
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, ".cache", "chainsleuth", "btcd-v0.26.2", "btcd")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	out, err := script(t, "btcd.sh", "path")
	if err != nil {
		Unavailable(t, "btcd is not built and `scripts/btcd.sh path` failed: %v", err)
	}
	return out
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartBtcd starts a regtest btcd with a transaction index whose `generate`
// pays miningAddr, and stops it when the test ends.
func StartBtcd(t testing.TB, miningAddr string) *Btcd {
	t.Helper()
	bin := BtcdBinary(t)
	dir := t.TempDir()
	b := &Btcd{
		RPCAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), P2PAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		User: "test", Pass: "testpass", dir: dir, bin: bin, t: t, MiningTo: miningAddr,
		http: &http.Client{Timeout: 60 * time.Second},
	}
	b.URL = "http://" + b.User + ":" + b.Pass + "@" + b.RPCAddr
	b.args = []string{"--regtest", "--notls", "--txindex",
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--rpcuser=" + b.User, "--rpcpass=" + b.Pass, "--rpclisten=" + b.RPCAddr, "--listen=" + b.P2PAddr,
		"--nodnsseed", "--norelaypriority", "--miningaddr=" + miningAddr,
		"--blockmaxweight=3996000", "--blockmaxsize=999000", "--maxorphantx=0", "--minrelaytxfee=0.00001"}
	b.Start()
	t.Cleanup(b.Stop)
	return b
}

// Start (re)starts the process on the same data directory.
func (b *Btcd) Start() {
	b.t.Helper()
	cmd := exec.Command(b.bin, b.args...)
	cmd.Env = append(os.Environ(), "HOME="+b.dir) // btcd always creates ~/.btcd
	log, err := os.OpenFile(filepath.Join(b.dir, "btcd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		b.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start btcd: %v", err)
	}
	b.cmd = cmd
	b.stoppedCh = make(chan struct{})
	go func(ch chan struct{}) { _ = cmd.Wait(); log.Close(); close(ch) }(b.stoppedCh)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int64
		if err := b.Call(context.Background(), "getblockcount", nil, &n); err == nil {
			return
		}
		select {
		case <-b.stoppedCh:
			out, _ := os.ReadFile(filepath.Join(b.dir, "btcd.out"))
			b.t.Fatalf("btcd exited at start:\n%s", out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	b.t.Fatal("btcd did not answer within 30s")
}

// Stop terminates the process and waits for it.
func (b *Btcd) Stop() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	_ = b.cmd.Process.Signal(os.Interrupt) // btcd flushes its chain state on SIGINT
	select {
	case <-b.stoppedCh:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.stoppedCh
	}
	b.cmd = nil
}

// Call makes one JSON-RPC call; result may be nil.
func (b *Btcd) Call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+b.RPCAddr, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(b.User, b.Pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if env.Error != nil {
		return fmt.Errorf("%s: %d %s", method, env.Error.Code, env.Error.Message)
	}
	if result != nil {
		return json.Unmarshal(env.Result, result)
	}
	return nil
}

// Generate mines n blocks paying MiningTo and returns their hashes.
func (b *Btcd) Generate(ctx context.Context, n int) ([]string, error) {
	var hashes []string
	// btcd's generate is synchronous; large n in one call is fine.
	err := b.Call(ctx, "generate", []any{n}, &hashes)
	return hashes, err
}

// Height is the node's tip height.
func (b *Btcd) Height(ctx context.Context) (int64, error) {
	var n int64
	err := b.Call(ctx, "getblockcount", nil, &n)
	return n, err
}

// String names the node for logs.
func (b *Btcd) String() string { return "btcd@" + b.RPCAddr + " (pid " + strconv.Itoa(b.pid()) + ")" }

func (b *Btcd) pid() int {
	if b.cmd == nil || b.cmd.Process == nil {
		return 0
	}
	return b.cmd.Process.Pid
}
