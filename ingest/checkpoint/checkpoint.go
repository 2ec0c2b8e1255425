package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Table is a table holding rows per block height. Filter selects this
// chain's rows in shared tables (e.g. "chain = 'btc'"); empty for per-chain
// tables. Filters are constants of the code, never user input.
type Table struct {
	Name   string
	Filter string
}

func (t Table) where(cond string) string {
	if t.Filter == "" {
		return cond
	}
	return t.Filter + " AND " + cond
}

// Keeper is one chain's checkpoint and height-ranged tables.
type Keeper struct {
	st      *store.Store
	chain   string
	blocks  string // table with one row per block: height, hash
	tables  []Table
	log     *slog.Logger
	version uint64
}

// New keeps chain's checkpoint; blocks names the table with one row per
// block (columns height and hash); tables lists every table with rows per
// height, the blocks table included.
func New(st *store.Store, chain, blocks string, tables []Table, log *slog.Logger) *Keeper {
	if log == nil {
		log = slog.Default()
	}
	return &Keeper{st: st, chain: chain, blocks: blocks, tables: tables, log: log}
}

// CheckpointQuery reads a chain's current checkpoint.
const CheckpointQuery = "SELECT next_height, last_hash, version FROM ingest_checkpoints WHERE chain = ? ORDER BY version DESC LIMIT 1"

// Checkpoint is the next height to ingest and the hash of the block before
// it ("" when nothing is stored).
func (k *Keeper) Checkpoint(ctx context.Context) (int64, string, error) {
	next, hash, version, err := Read(ctx, k.st, k.chain)
	if err != nil {
		return 0, "", err
	}
	k.version = max(k.version, version)
	return next, hash, nil
}

// Read is a chain's current checkpoint: the next height to ingest, the hash
// of the block before it and the checkpoint's version (0, "" and 0 when
// nothing is stored). Readers that only need to know how far ingest got
// use it without a Keeper.
func Read(ctx context.Context, st *store.Store, chain string) (next int64, hash string, version uint64, err error) {
	var n uint64
	err = st.Query(ctx, "read "+chain+" checkpoint", CheckpointQuery, []any{chain},
		func() { n, hash, version = 0, "", 0 },
		func(r driver.Rows) error { return r.Scan(&n, &hash, &version) })
	if err != nil {
		return 0, "", 0, err
	}
	return int64(n), hash, version, nil
}

// Advance records that every block below next is stored, the last one
// with hash.
func (k *Keeper) Advance(ctx context.Context, next int64, hash string) error {
	v := uint64(time.Now().UnixNano())
	if v <= k.version {
		v = k.version + 1
	}
	if err := k.st.Insert(ctx, Record(k.chain, next, hash, v, time.Now().UTC())); err != nil {
		return fmt.Errorf("write %s checkpoint %d: %w", k.chain, next, err)
	}
	k.version = v
	return nil
}

// CommitTimes say where a Commit spent its time, for debug logs.
type CommitTimes struct{ Insert, Verify, Checkpoint time.Duration }

// Commit writes one batch of blocks, first to last (Write), and only then
// moves the checkpoint to next with the last block's hash. A failure at any
// step leaves the checkpoint where it was, so a retry or a restart rewrites
// the batch.
func (k *Keeper) Commit(ctx context.Context, batches []store.Batch, first, last uint64, next int64, hash string) (CommitTimes, error) {
	times, err := k.Write(ctx, batches, first, last)
	if err != nil {
		return times, err
	}
	t := time.Now()
	if err := k.Advance(ctx, next, hash); err != nil {
		return times, err
	}
	times.Checkpoint = time.Since(t)
	return times, nil
}

// Write inserts the rows of blocks first to last into every table at once
// (each insert on its own connection: a part write costs the server tens of
// milliseconds whatever its size), the largest in pieces, and checks each
// table's stored count over those heights against what was sent. It leaves
// the checkpoint alone.
func (k *Keeper) Write(ctx context.Context, batches []store.Batch, first, last uint64) (CommitTimes, error) {
	var times CommitTimes
	t0 := time.Now()
	inserts := pieces(batches)
	errs := make([]error, len(inserts))
	var wg sync.WaitGroup
	for i, b := range inserts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = k.st.Insert(ctx, b)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return times, err
	}
	t1 := time.Now()
	times.Insert = t1.Sub(t0)
	for _, b := range batches {
		if err := k.Verify(ctx, k.Table(b.Table), b.Len(), first, last); err != nil {
			return times, err
		}
	}
	times.Verify = time.Since(t1)
	return times, nil
}

// minPieceRows is the smallest piece pieces cuts: below it, an insert's
// fixed cost outweighs the parallel write.
const minPieceRows = 20_000

// maxPieces bounds the pieces of one batch, and so the connections one
// Write opens beyond one per table.
const maxPieces = 4

// pieces cuts the largest batch into the nearest whole number of pieces of
// the second largest's size (of minPieceRows, if that is larger). The server
// writes each insert on one thread: on Bitcoin the transfers' insert (the
// largest, and it also feeds transfers_by_address through the materialized
// view) ran alone for two thirds of the insert time while the other tables
// were done. Batches of similar sizes, as Ethereum's, stay whole: more
// inserts than the server has idle cores only add parts (cutting Ethereum's
// four large batches into even shares made its inserts slower).
func pieces(batches []store.Batch) []store.Batch {
	largest, second := -1, 0
	for i, b := range batches {
		switch n := b.Len(); {
		case largest < 0 || n > batches[largest].Len():
			if largest >= 0 {
				second = batches[largest].Len()
			}
			largest = i
		case n > second:
			second = n
		}
	}
	if largest < 0 || second == 0 {
		return batches // a lone table has nothing to be balanced against
	}
	share := max(minPieceRows, second)
	out := make([]store.Batch, 0, len(batches)+maxPieces)
	for i, b := range batches {
		if i == largest {
			out = append(out, b.Split(min(maxPieces, (b.Len()+share/2)/share))...)
		} else {
			out = append(out, b)
		}
	}
	return out
}

// Record is the ingest_checkpoints row Advance writes: the next height to
// ingest, the hash of the block before it, the version, the time.
func Record(chain string, next int64, hash string, version uint64, at time.Time) store.Batch {
	return store.Batch{
		Table:   "ingest_checkpoints",
		Columns: []string{"chain", "next_height", "last_hash", "version", "updated_at"},
		Data:    []any{[]string{chain}, []uint64{uint64(next)}, []string{hash}, []uint64{version}, []time.Time{at}},
	}
}

// storedHashSQL reads the hash stored at a height of the blocks table.
func storedHashSQL(blocks string) string {
	return "SELECT hash FROM " + blocks + " WHERE height = ? LIMIT 1"
}

// Conditions of the height-ranged statements (bound: heights as uint64).
const (
	fromCond  = "height >= ?"
	rangeCond = "height >= ? AND height <= ?"
)

// StoredHash is the hash of the block stored at height, if any.
func (k *Keeper) StoredHash(ctx context.Context, h int64) (string, bool, error) {
	var hash string
	found := false
	err := k.st.Query(ctx, "read stored block hash", storedHashSQL(k.blocks),
		[]any{uint64(h)}, func() { found = false },
		func(r driver.Rows) error { found = true; return r.Scan(&hash) })
	return hash, found, err
}

// Rollback deletes every row at height >= from (mutations only in tables
// that have such rows, issued together, then awaited) and moves the
// checkpoint to from. It reports whether anything was deleted.
func (k *Keeper) Rollback(ctx context.Context, from int64) (bool, error) {
	var pending []string
	for _, t := range k.tables {
		n, err := k.st.CountWhere(ctx, t.Name, false, t.where(fromCond), uint64(from))
		if err != nil {
			return false, err
		}
		if n == 0 {
			continue
		}
		k.log.Info("rolling back rows above the checkpoint", "chain", k.chain, "table", t.Name, "from", from, "rows", n)
		if err := k.st.Exec(ctx, "delete from "+t.Name, k.st.DeleteSQL(t.Name, t.where(fromCond)), uint64(from)); err != nil {
			return false, err
		}
		pending = append(pending, t.Name)
	}
	for _, table := range pending {
		if err := k.st.WaitMutations(ctx, table); err != nil {
			return false, err
		}
	}
	deleted := len(pending) > 0
	next, _, err := k.Checkpoint(ctx)
	if err != nil {
		return deleted, err
	}
	if next == from && !deleted {
		return false, nil
	}
	hash := ""
	if from > 0 {
		h, ok, err := k.StoredHash(ctx, from-1)
		if err != nil {
			return deleted, err
		}
		if ok {
			hash = h
		}
	}
	return deleted, k.Advance(ctx, from, hash)
}

// Verify counts the rows of table in [first, last] and fails when fewer
// landed than were sent (store.ErrShortWrite). More can only be a retried
// chunk that landed twice, which FINAL collapses: then the FINAL count must
// match, or leftovers of other blocks sit in the range (store.ErrCountMismatch).
func (k *Keeper) Verify(ctx context.Context, table Table, sent int, first, last uint64) error {
	cond := table.where(rangeCond)
	want := uint64(sent)
	got, err := k.st.CountWhere(ctx, table.Name, false, cond, first, last)
	if err != nil {
		return err
	}
	if got > want {
		if got, err = k.st.CountWhere(ctx, table.Name, true, cond, first, last); err != nil {
			return err
		}
	}
	if got < want {
		return fmt.Errorf("%s for blocks %d-%d: %d rows sent, %d stored: %w", table.Name, first, last, want, got, store.ErrShortWrite)
	}
	if got > want {
		return fmt.Errorf("%s for blocks %d-%d: %d rows sent but %d distinct rows stored: rows of other blocks at these heights were not rolled back: %w", table.Name, first, last, want, got, store.ErrCountMismatch)
	}
	return nil
}

// Table returns the table named name among the keeper's tables.
func (k *Keeper) Table(name string) Table {
	for _, t := range k.tables {
		if t.Name == name {
			return t
		}
	}
	return Table{Name: name}
}

// Statements are the statements a Keeper for chain sends, with
// representative values, for store.Register: the owning chain's package
// registers them for its blocks table and tables.
func Statements(chain, blocks string, tables []Table) []store.Statement {
	p := "checkpoint." + chain + "."
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	out := []store.Statement{
		{Name: p + "read", SQL: CheckpointQuery, Args: []any{chain}},
		store.InsertStatement(p+"insert", Record(chain, 101, "00000000000000000000000000000000000000000000000000000000000000ff", uint64(at.UnixNano()), at)),
		{Name: p + "stored_hash", SQL: storedHashSQL(blocks), Args: []any{uint64(1)}},
	}
	for _, t := range tables {
		out = append(out,
			store.Statement{Name: p + "rollback.count." + t.Name, SQL: store.CountSQL(t.Name, false, t.where(fromCond)), Args: []any{uint64(1)}},
			store.Statement{Name: p + "rollback.delete." + t.Name, SQL: store.DeleteSQL(t.Name, t.where(fromCond)), Args: []any{uint64(1)}},
			store.Statement{Name: p + "verify.count." + t.Name, SQL: store.CountSQL(t.Name, false, t.where(rangeCond)), Args: []any{uint64(0), uint64(100)}},
			store.Statement{Name: p + "verify.count_final." + t.Name, SQL: store.CountSQL(t.Name, true, t.where(rangeCond)), Args: []any{uint64(0), uint64(100)}},
		)
	}
	return out
}
