// Package store is chainsleuth's ClickHouse store: connection handling, the
// embedded schema migrations, columnar batch inserts whose row counts are
// verified, retries on connection loss, and range deletes used for reorg and
// crash recovery.
//
// What comes in: a DSN such as clickhouse://user:pass@127.0.0.1:9000/chainsleuth
// and columns of rows from the ingest pipeline. What goes out: tables that the
// heuristics and the CLI read.
//
// The SQL must run on Debian's ClickHouse 18.16 (the only server on the test
// machines) and on current releases (what users run). The driver is
// clickhouse-go/v2 pinned at v2.26.0, native protocol: the last release that can
// insert into 18.16. With it, `INSERT … VALUES` through Exec hangs, so every
// insert is a PrepareBatch; and a batch the server did not store must fail
// loudly, so writers count what landed.
//
// Tables are ReplacingMergeTree keyed on natural keys: rewriting a range after a
// crash or a retry replaces rows instead of doubling them once parts merge, and
// exact queries read with FINAL. Partitions follow height ranges so that
// verifying or deleting a range of blocks touches few parts.
//
// Every statement the project sends is registered here (Register, in the
// issuing package's init) with representative values, so `chainsleuth sql
// dump` and the dialect test (tests/dialect) run each one on 18.16 and on a
// current engine (chDB) without copying SQL by hand.
//
// What can go wrong: the server is down or restarts (transient: retried with
// backoff, then a clear error naming the address, never the password); a
// statement fails (permanent: returned at once with the statement's name); a
// batch lands short (ErrShortWrite).
package store
