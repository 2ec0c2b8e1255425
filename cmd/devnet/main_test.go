package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// buildDevnet builds the binary as `make build` does, into a temporary directory.
func buildDevnet(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH: cannot build bin/devnet")
	}
	bin := filepath.Join(t.TempDir(), "devnet")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/devnet: %v\n%s", err, out)
	}
	return bin
}

var readyLine = regexp.MustCompile(`^devnet eth ready: (http://127\.0\.0\.1:\d+) chain_id=1337$`)

func TestBinaryServesJSONRPCUntilSIGINT(t *testing.T) {
	bin := buildDevnet(t)
	cmd := exec.Command(bin, "eth", "--http", "127.0.0.1:0", "--accounts", "3")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// One reader: the first line is the ready line, and nothing else may follow it on stdout.
	lines := make(chan string, 1)
	exited := make(chan error, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSuffix(line, "\n")
		rest, _ := io.ReadAll(r)
		err := cmd.Wait()
		if len(rest) > 0 {
			err = errors.Join(err, errors.New("more on stdout after the ready line: "+string(rest)))
		}
		exited <- err
	}()
	defer cmd.Process.Kill()

	var url string
	select {
	case line := <-lines:
		m := readyLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first stdout line %q is not the ready line; stderr:\n%s", line, stderr.String())
		}
		url = m[1]
	case <-time.After(60 * time.Second):
		t.Fatalf("no ready line within 60s; stderr:\n%s", stderr.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := rpc.DialContext(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var chainID, block hexutil.Uint64
	if err := client.CallContext(ctx, &chainID, "eth_chainId"); err != nil || chainID != 1337 {
		t.Fatalf("eth_chainId = %d, %v; want 1337", chainID, err)
	}
	if err := client.CallContext(ctx, &block, "dev_mine"); err != nil || block != 1 {
		t.Fatalf("dev_mine = %d, %v; want block 1", block, err)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("devnet did not exit cleanly on SIGINT: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("devnet still running 30s after SIGINT; stderr:\n%s", stderr.String())
	}
	for _, want := range []string{"DEV-ONLY KEYS", "account 2", "key 0x", "stopped at block 1"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestBinaryOnATakenPortExplainsAndFails(t *testing.T) {
	bin := buildDevnet(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out, err := exec.Command(bin, "eth", "--http", l.Addr().String()).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("devnet on a taken port: %v, want exit code 1; output:\n%s", err, out)
	}
	for _, want := range []string{l.Addr().String(), "already in use", "--http 127.0.0.1:0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrorsExitWith2(t *testing.T) {
	for _, args := range [][]string{
		{"devnet", "eth", "--accounts", "0"},
		{"devnet", "eth", "--verbosity", "loud"},
		{"devnet", "eth", "--no-such-flag"},
		{"devnet", "eth", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr: %s", args, code, stderr.String())
		}
		if stdout.Len() != 0 && !strings.Contains(stdout.String(), "USAGE") {
			t.Errorf("%v printed %q on stdout", args, stdout.String())
		}
	}
}
