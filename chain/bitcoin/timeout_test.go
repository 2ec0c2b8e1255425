package bitcoin_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
)

// A node that accepts connections and reads requests but never answers (stuck, or a port that is not a
// node) fails the first call after the timeout with ErrTimeout and a message naming --rpc-timeout; without
// a timeout the caller's context is the only bound.
func TestANodeThatNeverAnswersFailsAfterTheTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, conn) }() // read, never answer
		}
	}()
	url := "http://u:p@" + ln.Addr().String()

	start := time.Now()
	_, err = bitcoin.DialOptions(context.Background(), url, bitcoin.Options{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, bitcoin.ErrTimeout) || !strings.Contains(err.Error(), "--rpc-timeout") {
		t.Fatalf("dial a node that never answers: %v, want ErrTimeout naming --rpc-timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the timeout of 300ms took %s", took)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := bitcoin.DialOptions(ctx, url, bitcoin.Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("without a timeout: %v, want the context's deadline", err)
	}
}
