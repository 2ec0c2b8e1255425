package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

var (
	chOnce sync.Once
	chErr  error
)

// ClickHouseDSN is the server the tests use, with database "default":
// CHAINSLEUTH_TEST_CLICKHOUSE, else the project's loopback server on :9000,
// started through scripts/clickhouse.sh when it is not up yet.
func ClickHouseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("CHAINSLEUTH_TEST_CLICKHOUSE")
	if dsn == "" {
		dsn = "clickhouse://127.0.0.1:9000/default"
	}
	chOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := store.Open(ctx, dsn, store.Options{RetryFor: time.Second})
		if err == nil {
			s.Close()
			return
		}
		if os.Getenv("CHAINSLEUTH_TEST_CLICKHOUSE") != "" {
			chErr = err
			return
		}
		if _, err := script(t, "clickhouse.sh", "start"); err != nil {
			chErr = fmt.Errorf("scripts/clickhouse.sh start: %w", err)
		}
	})
	if chErr != nil {
		Unavailable(t, "no ClickHouse for tests (%v); run `scripts/clickhouse.sh start` or set CHAINSLEUTH_TEST_CLICKHOUSE", chErr)
	}
	return dsn
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates an empty database for this test, dropped when the test
// ends (kept when it fails and CHAINSLEUTH_KEEP_DB is set), and returns its DSN.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := ClickHouseDSN(t)
	name := "t_" + unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("%s_%06d", name, rand.IntN(1_000_000))
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("CHAINSLEUTH_KEEP_DB") != "" {
			t.Logf("kept database %s", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := store.Open(ctx, base, store.Options{RetryFor: 5 * time.Second})
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer s.Close()
		if err := s.Exec(ctx, "drop test database", "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return dsn
}

// Store opens a fresh, migrated database for this test.
func Store(t testing.TB) (*store.Store, string) {
	t.Helper()
	dsn := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn, store.Options{CreateDatabase: true, RetryFor: 10 * time.Second})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s, dsn
}
