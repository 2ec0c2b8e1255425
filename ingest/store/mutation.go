package store

import (
	"context"
	"fmt"
	"time"
)

// DeleteWhere removes the rows of table matching a condition (bound
// arguments) with an ALTER … DELETE mutation and waits until the server has
// applied it. Used to roll back blocks above a reorg's fork point and the
// partial rows of a crashed batch. Mutations are heavy: callers first check
// that there is something to delete.
func (s *Store) DeleteWhere(ctx context.Context, table, where string, args ...any) error {
	if err := s.Exec(ctx, "delete from "+table, DeleteSQL(table, where), args...); err != nil {
		return err
	}
	return s.WaitMutations(ctx, table)
}

// WaitMutations blocks until table has no unfinished mutation.
func (s *Store) WaitMutations(ctx context.Context, table string) error {
	wait := 5 * time.Millisecond
	for {
		var pending uint64
		err := s.QueryRow(ctx, "poll mutations of "+table, pendingQuery, []any{s.dsn.Database, table}, &pending)
		if err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for mutations on %s: %w", table, ctx.Err())
		case <-time.After(wait):
		}
		if wait < 500*time.Millisecond {
			wait *= 2
		}
	}
}
