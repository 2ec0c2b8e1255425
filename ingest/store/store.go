package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// RetryFor bounds how long a transient failure (connection refused or
	// lost, server restarting) is retried before it is returned. Default 2m.
	RetryFor time.Duration
	// ConnectRetryFor bounds retries of the first connection: a server that
	// is not there at start is most likely not started at all, and the user
	// should hear so at once. Default 5s.
	ConnectRetryFor time.Duration
	// Logger receives retries and slow operations. Default slog.Default().
	Logger *slog.Logger
	// CreateDatabase creates the database when it is missing (migrate does;
	// read-only commands do not).
	CreateDatabase bool
	// MaxOpenConns bounds the connection pool. Default 8.
	MaxOpenConns int
	// Cluster, when set, names the ClickHouse cluster the schema lives on
	// (see Cluster): migrations create replicated local tables and
	// Distributed tables ON CLUSTER, rollbacks mutate the local tables on
	// every server, and inserts into Distributed tables are synchronous so
	// the row counts checked after a write are the stored ones. It needs a
	// current server (20.x or later). Empty: a single server (the default).
	Cluster string
}

// Store is a connection pool to one ClickHouse database.
type Store struct {
	conn    driver.Conn
	dsn     DSN
	version Version
	opts    Options
	log     *slog.Logger
	// noSettings: the user's profile has readonly=1, which refuses every
	// session setting, so none is sent (see settingsRefused).
	noSettings bool
}

// Open connects to the server named by dsn, creating the database when
// opts.CreateDatabase is set, and learns the server's version.
func Open(ctx context.Context, rawDSN string, opts Options) (*Store, error) {
	dsn, err := ParseDSN(rawDSN)
	if err != nil {
		return nil, err
	}
	if opts.RetryFor == 0 {
		opts.RetryFor = 2 * time.Minute
	}
	if opts.ConnectRetryFor == 0 {
		opts.ConnectRetryFor = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 8
	}
	s := &Store{dsn: dsn, opts: opts, log: opts.Logger}
	if opts.CreateDatabase {
		boot, err := s.dial(ctx, "default")
		if err != nil {
			return nil, err
		}
		create := "CREATE DATABASE IF NOT EXISTS " + dsn.Database
		if opts.Cluster != "" {
			if err := s.cluster().Validate(); err != nil {
				boot.Close()
				return nil, err
			}
			create += " ON CLUSTER " + opts.Cluster
		}
		err = s.retry(ctx, "create database "+dsn.Database, func() error {
			return boot.Exec(ctx, create)
		})
		boot.Close()
		if err != nil {
			return nil, err
		}
	}
	if s.conn, err = s.dial(ctx, dsn.Database); err != nil {
		var ex *proto.Exception
		if errors.As(err, &ex) && ex.Code == 81 { // UNKNOWN_DATABASE
			return nil, fmt.Errorf("ClickHouse at %s has no database %s: run `chainsleuth migrate` to create it (or check --clickhouse)", dsn.Addr, dsn.Database)
		}
		return nil, err
	}
	if s.conn, err = s.withoutRefusedSettings(ctx, s.conn); err != nil {
		return nil, err
	}
	sv, err := s.conn.ServerVersion()
	if err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("read server version of %s: %w", dsn, err)
	}
	s.version = Version{Major: int(sv.Version.Major), Minor: int(sv.Version.Minor), Patch: int(sv.Version.Patch)}
	if opts.Cluster != "" {
		if err := s.cluster().Validate(); err != nil {
			s.conn.Close()
			return nil, err
		}
		if !s.version.Modern() {
			s.conn.Close()
			return nil, fmt.Errorf("--cluster %s needs ClickHouse 20.x or later (Keeper or ZooKeeper, clusterAllReplicas); %s runs %s", opts.Cluster, dsn.Addr, s.version)
		}
	}
	return s, nil
}

// cluster is the configured cluster; its Name is empty on a single server.
func (s *Store) cluster() Cluster { return Cluster{Name: s.opts.Cluster, Database: s.dsn.Database} }

func (s *Store) dial(ctx context.Context, database string) (driver.Conn, error) {
	o := &ch.Options{
		Protocol:     ch.Native,
		Addr:         []string{s.dsn.Addr},
		Auth:         ch.Auth{Database: database, Username: s.dsn.User, Password: s.dsn.Password},
		DialTimeout:  5 * time.Second,
		ReadTimeout:  10 * time.Minute,
		MaxOpenConns: s.opts.MaxOpenConns,
		MaxIdleConns: s.opts.MaxOpenConns,
		ClientInfo:   ch.ClientInfo{Products: []struct{ Name, Version string }{{Name: "chainsleuth", Version: "0"}}},
		Settings:     ch.Settings{"max_query_size": 4 << 20},
	}
	if s.noSettings {
		o.Settings = nil
	}
	if s.opts.Cluster != "" && !s.noSettings {
		o.Settings["insert_distributed_sync"] = 1
	}
	tlsConf, err := s.dsn.TLSConfig()
	if err != nil {
		return nil, err
	}
	o.TLS = tlsConf
	conn, err := ch.Open(o)
	if err != nil {
		return nil, fmt.Errorf("connect to ClickHouse at %s: %w", s.dsn, err)
	}
	err = s.retryFor(ctx, "connect to ClickHouse", s.opts.ConnectRetryFor, func() error { return conn.Ping(ctx) })
	if err != nil {
		conn.Close()
		if !IsTransient(errors.Unwrap(err)) {
			return nil, err
		}
		return nil, fmt.Errorf("%w. Is the server running? Start one with `scripts/clickhouse.sh start`, or point CHAINSLEUTH_CLICKHOUSE / --clickhouse at yours", err)
	}
	return conn, nil
}

// Close releases the connections.
func (s *Store) Close() error { return s.conn.Close() }

// DSN is the address the store is connected to (String hides the password).
func (s *Store) DSN() DSN { return s.dsn }

// Database is the database all statements run in.
func (s *Store) Database() string { return s.dsn.Database }

// Version is the server's version.
func (s *Store) Version() Version { return s.version }

// Conn is the underlying driver connection, for callers that stream reads.
func (s *Store) Conn() driver.Conn { return s.conn }

// Exec runs a statement that returns no rows (never an INSERT … VALUES: the
// pinned driver hangs on those; use Insert). Transient failures are retried.
func (s *Store) Exec(ctx context.Context, name, query string, args ...any) error {
	return s.retry(ctx, name, func() error { return s.conn.Exec(ctx, query, args...) })
}

// Query runs a read and hands every row to each. The whole read is retried
// on a transient failure; reset (may be nil) is called before every attempt so
// the caller can drop what a failed attempt collected.
func (s *Store) Query(ctx context.Context, name, query string, args []any, reset func(), each func(driver.Rows) error) error {
	return s.retry(ctx, name, func() error {
		if reset != nil {
			reset()
		}
		rows, err := s.conn.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// QueryRow scans one row into dest, retrying transient failures.
func (s *Store) QueryRow(ctx context.Context, name, query string, args []any, dest ...any) error {
	return s.retry(ctx, name, func() error {
		return s.conn.QueryRow(ctx, query, args...).Scan(dest...)
	})
}

// ErrShortWrite reports an insert that the server acknowledged but did not
// store in full.
var ErrShortWrite = errors.New("ClickHouse stored fewer rows than were sent")

// ErrCountMismatch reports a range holding more distinct rows than were
// written to it: leftovers that should have been deleted.
var ErrCountMismatch = errors.New("ClickHouse holds more rows than were written")
