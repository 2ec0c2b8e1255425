package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// PrivateClickHouse is a ClickHouse server of one test's own, on free ports,
// for tests that stop and restart the server (the shared one serves every
// other test package at the same time).
type PrivateClickHouse struct {
	DSN  string // clickhouse://127.0.0.1:PORT/chainsleuth
	dir  string
	port int
	http int
	t    testing.TB
}

// StartPrivateClickHouse starts a server with the project's config in a
// temporary directory and stops it when the test ends.
func StartPrivateClickHouse(t testing.TB) *PrivateClickHouse {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err != nil {
		Unavailable(t, "clickhouse-server is not installed; run `scripts/clickhouse.sh install`")
	}
	p := &PrivateClickHouse{dir: t.TempDir(), port: FreePort(t), http: FreePort(t), t: t}
	p.DSN = fmt.Sprintf("clickhouse://127.0.0.1:%d/chainsleuth", p.port)
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

func (p *PrivateClickHouse) run(action string) {
	p.t.Helper()
	cmd := exec.Command(filepath.Join(RepoRoot(p.t), "scripts", "clickhouse.sh"), action)
	cmd.Env = append(os.Environ(), "CH_DIR="+p.dir, "CH_PORT="+strconv.Itoa(p.port), "CH_HTTP_PORT="+strconv.Itoa(p.http))
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("clickhouse.sh %s: %v\n%s", action, err, out)
	}
}

// Start (re)starts the server on its data directory.
func (p *PrivateClickHouse) Start() { p.t.Helper(); p.run("start") }

// Stop stops the server and waits until it has exited.
func (p *PrivateClickHouse) Stop() { p.t.Helper(); p.run("stop") }
