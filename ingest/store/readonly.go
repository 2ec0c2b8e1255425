package store

import (
	"errors"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

// ErrReadOnly is wrapped by errors of statements the server refused because
// the ClickHouse user may only read (a readonly profile, or no grant to
// write): migrate, ingest, import and the batch jobs need a user with write
// rights; the investigator commands do not.
var ErrReadOnly = errors.New("the ClickHouse user may only read")

// ClickHouse error codes of a refused write.
const (
	codeReadonly     = 164 // READONLY: the user's profile has readonly=1 or 2
	codeAccessDenied = 497 // ACCESS_DENIED: no grant (SQL-driven access control, 20.x+)
)

// readOnlyError explains a write the server refused to a read-only user.
type readOnlyError struct {
	user string
	err  error
}

func (e *readOnlyError) Error() string {
	return fmt.Sprintf("ClickHouse user %q may only read and this command writes: set CHAINSLEUTH_CLICKHOUSE (--clickhouse) "+
		"to a user with write rights (read-only users serve the investigator commands) (server: %v)", e.user, e.err)
}

func (e *readOnlyError) Unwrap() []error { return []error{ErrReadOnly, e.err} }

// explain turns the server's refusal of a write into a readOnlyError naming
// the user; other errors pass unchanged.
func (s *Store) explain(err error) error {
	var ex *proto.Exception
	if errors.As(err, &ex) && (ex.Code == codeReadonly || ex.Code == codeAccessDenied) {
		return &readOnlyError{user: s.dsn.User, err: err}
	}
	return err
}
