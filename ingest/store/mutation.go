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
	if err := s.Exec(ctx, "delete from "+table, s.DeleteSQL(table, where), args...); err != nil {
		return err
	}
	return s.WaitMutations(ctx, table)
}

// DeleteSQL is the mutation deleting rows of table matching where: on a
// cluster, from its local tables on every server.
func (s *Store) DeleteSQL(table, where string) string {
	if s.opts.Cluster != "" {
		return s.cluster().DeleteSQL(table, where)
	}
	return DeleteSQL(table, where)
}

// WaitMutations blocks until table has no unfinished mutation.
func (s *Store) WaitMutations(ctx context.Context, table string) error {
	wait := 5 * time.Millisecond
	for {
		var pending uint64
		q, args := pendingQuery, []any{s.dsn.Database, table}
		if s.opts.Cluster != "" {
			q, args = clusterPendingQuery, []any{s.opts.Cluster, s.dsn.Database, table + LocalSuffix}
		}
		err := s.QueryRow(ctx, "poll mutations of "+table, q, args, &pending)
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
