package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	sqldriver "database/sql/driver"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

// retry runs op until it succeeds, fails permanently, or transient failures
// have lasted longer than RetryFor. Backoff doubles from 100ms to 5s.
func (s *Store) retry(ctx context.Context, what string, op func() error) error {
	return s.retryFor(ctx, what, s.opts.RetryFor, op)
}

func (s *Store) retryFor(ctx context.Context, what string, limit time.Duration, op func() error) error {
	deadline := time.Now().Add(limit)
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if !IsTransient(err) {
			return fmt.Errorf("%s: %w", what, s.explain(err))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: ClickHouse at %s unreachable for %s (%d attempts): %w", what, s.dsn, limit, attempt, err)
		}
		s.log.Warn("ClickHouse unavailable, retrying", "op", what, "attempt", attempt, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(wait):
		}
		if wait *= 2; wait > 5*time.Second {
			wait = 5 * time.Second
		}
	}
}

// IsTransient reports failures that a retry may cure: the server is down,
// restarting, or the connection broke. Syntax and type errors are permanent.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var ex *proto.Exception
	if errors.As(err, &ex) {
		// Server-side exceptions are permanent except the few that mean "busy".
		switch ex.Code {
		case 159, 209, 210, 202, 242: // TIMEOUT_EXCEEDED, SOCKET_TIMEOUT, NETWORK_ERROR, TOO_MANY_SIMULTANEOUS_QUERIES, TABLE_IS_READ_ONLY
			return true
		}
		return false
	}
	if errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	msg := err.Error()
	for _, m := range []string{"connection refused", "connection reset", "broken pipe", "EOF", "acquire conn timeout", "i/o timeout", "bad connection", "use of closed network connection"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
