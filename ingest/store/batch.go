package store

import (
	"context"
	"fmt"
	"reflect"
)

// MaxBatchRows bounds one INSERT; larger batches are sent in chunks.
const MaxBatchRows = 200_000

// Batch is one table's rows in columnar form: Data[i] is a typed slice
// ([]string, []uint64, []uint32, []int32, []uint8, []float64, []time.Time,
// [][]string …) holding column Columns[i] for every row. All slices have the
// same length.
type Batch struct {
	Table   string
	Columns []string
	Data    []any
}

// Len is the number of rows.
func (b Batch) Len() int {
	if len(b.Data) == 0 {
		return 0
	}
	return reflect.ValueOf(b.Data[0]).Len()
}

func (b Batch) slice(from, to int) Batch {
	out := Batch{Table: b.Table, Columns: b.Columns, Data: make([]any, len(b.Data))}
	for i, d := range b.Data {
		out.Data[i] = reflect.ValueOf(d).Slice(from, to).Interface()
	}
	return out
}

func (b Batch) check() error {
	if len(b.Columns) != len(b.Data) {
		return fmt.Errorf("insert into %s: %d columns but %d data slices", b.Table, len(b.Columns), len(b.Data))
	}
	n := b.Len()
	for i, d := range b.Data {
		if v := reflect.ValueOf(d); v.Kind() != reflect.Slice || v.Len() != n {
			return fmt.Errorf("insert into %s: column %s has %v, want a slice of %d rows", b.Table, b.Columns[i], v.Kind(), n)
		}
	}
	return nil
}

// Insert sends a batch with PrepareBatch (chunked at MaxBatchRows), retrying
// each chunk on transient failures. A retried chunk may land twice: tables are
// ReplacingMergeTree on natural keys, so readers that need exact counts use
// FINAL; callers that must know the rows landed use CountWhere afterwards.
func (s *Store) Insert(ctx context.Context, b Batch) error {
	if err := b.check(); err != nil {
		return err
	}
	n := b.Len()
	for from := 0; from < n; from += MaxBatchRows {
		to := min(from+MaxBatchRows, n)
		chunk := b
		if from != 0 || to != n {
			chunk = b.slice(from, to)
		}
		if err := s.insertChunk(ctx, chunk, to-from); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) insertChunk(ctx context.Context, b Batch, rows int) error {
	query := InsertSQL(b.Table, b.Columns)
	return s.retry(ctx, fmt.Sprintf("insert %d rows into %s", rows, b.Table), func() error {
		batch, err := s.conn.PrepareBatch(ctx, query)
		if err != nil {
			return err
		}
		for i, d := range b.Data {
			if err := batch.Column(i).Append(d); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("column %s: %w", b.Columns[i], err)
			}
		}
		if got := batch.Rows(); got != rows {
			_ = batch.Abort()
			return fmt.Errorf("driver holds %d rows, want %d: %w", got, rows, ErrShortWrite)
		}
		return batch.Send()
	})
}

// CountWhere returns count() of table (FINAL when final is set) under a
// condition with bound arguments.
func (s *Store) CountWhere(ctx context.Context, table string, final bool, where string, args ...any) (uint64, error) {
	var n uint64
	err := s.QueryRow(ctx, "count "+table, CountSQL(table, final, where), args, &n)
	return n, err
}

// Split cuts the batch into n pieces whose rows differ by at most one, in
// order; fewer when it has fewer than n rows.
func (b Batch) Split(n int) []Batch {
	rows := b.Len()
	n = min(n, rows)
	if n <= 1 {
		return []Batch{b}
	}
	out := make([]Batch, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, b.slice(i*rows/n, (i+1)*rows/n))
	}
	return out
}
