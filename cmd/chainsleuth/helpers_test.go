package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the chainsleuth CLI once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chainsleuth-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "chainsleuth")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Stderr = os.Stderr
		binErr = cmd.Run()
	})
	if binErr != nil {
		t.Fatalf("build chainsleuth: %v", binErr)
	}
	return binPath
}

// cli runs the binary with env and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// openDB opens an existing test database by DSN.
func openDB(t *testing.T, dsn string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, dsn, store.Options{CreateDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// ingestProc is a running `chainsleuth` process whose stderr is watched for
// committed batches (it must run with --log-level debug).
type ingestProc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	log   strings.Builder
	after int
	hit   chan struct{} // closed when `after` batches have committed
	done  chan error
}

// startIngest runs the binary with env added to the environment and reports
// through Committed when `after` batches have been committed.
func startIngest(t *testing.T, env []string, args []string, after int) *ingestProc {
	t.Helper()
	p := &ingestProc{cmd: exec.Command(binary(t), args...), after: after, hit: make(chan struct{}), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pipe)
		n := 0
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), "batch committed") {
				if n++; n == after {
					close(p.hit)
				}
			}
		}
	}()
	go func() { <-scanned; p.done <- p.cmd.Wait() }()
	return p
}

// Committed is closed once the process has committed `after` batches.
func (p *ingestProc) Committed() <-chan struct{} { return p.hit }

// Done delivers the process's exit (once).
func (p *ingestProc) Done() <-chan error { return p.done }

// Kill sends SIGKILL and waits for the process to exit.
func (p *ingestProc) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Log is everything the process wrote to stderr so far.
func (p *ingestProc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// waitCommitted fails the test when the process commits fewer than `after`
// batches within a minute or exits first.
func (p *ingestProc) waitCommitted(t *testing.T) {
	t.Helper()
	select {
	case <-p.hit:
	case err := <-p.done:
		t.Fatalf("ingest ended (%v) before %d batches committed:\n%s", err, p.after, p.Log())
	case <-time.After(time.Minute):
		t.Fatalf("no %d batches committed within a minute:\n%s", p.after, p.Log())
	}
}

// filledDevnet starts an Ethereum dev chain for the test and fills it with
// blocks of txs transactions each (devnet.FillBlocks).
func filledDevnet(t *testing.T, blocks, txs int) *devnet.Chain {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	chain, err := devnet.Start(context.Background(), devnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Close() })
	if _, err := devnet.FillBlocks(ctx, chain, blocks, txs); err != nil {
		t.Fatal(err)
	}
	return chain
}

// smallWorld is a small dev chain ingested into a fresh database, with a
// company registry and a tag file imported, then clustered, attributed and
// scored: every table the investigator commands read has rows.
type smallWorld struct {
	chain *devnet.Chain
	db    string   // DSN of the database, default user
	env   []string // CHAINSLEUTH_CLICKHOUSE and CHAINSLEUTH_ETH_RPC
	t     *testing.T
}

func newSmallWorld(t *testing.T, companiesFile, tagsFile string) *smallWorld {
	t.Helper()
	w := &smallWorld{chain: filledDevnet(t, 4, 6), db: testenv.NewDatabase(t), t: t}
	w.env = []string{"CHAINSLEUTH_CLICKHOUSE=" + w.db, "CHAINSLEUTH_ETH_RPC=" + w.chain.URL()}
	w.must("ingest", "eth", "--confirmations", "0", "--progress", "log")
	w.must("import", "companies", companiesFile)
	w.must("import", "tags", tagsFile)
	w.must("cluster", "--chain", "eth")
	w.must("attribute", "--chain", "eth")
	w.must("score", "--chain", "eth")
	return w
}

// must runs the CLI in the world and returns its output, failing the test
// on a non-zero exit.
func (w *smallWorld) must(args ...string) string {
	w.t.Helper()
	out, stderr, code := runCLI(w.t, w.env, args...)
	if code != 0 {
		w.t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
	}
	return out
}
