package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
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
	if errors.As(err, &ex) && (ex.Code == codeReadonly || ex.Code == codeAccessDenied) && !settingsRefused(err) {
		return &readOnlyError{user: s.dsn.User, err: err}
	}
	return err
}

// firstQuestion is the trivial query Open asks first.
const firstQuestion = "SELECT toUInt8(1)"

func init() { Register(Statement{Name: "store.first_question", SQL: firstQuestion}) }

// withoutRefusedSettings asks the server one trivial question; when the
// user's profile has readonly=1, which refuses the session settings every
// query carries (code 164 "Cannot modify … setting in readonly mode"), it
// returns a connection that sends none, so the read commands work for such a
// user too (readonly=2 allows settings; writes fail either way).
func (s *Store) withoutRefusedSettings(ctx context.Context, conn driver.Conn) (driver.Conn, error) {
	var one uint8
	err := s.retry(ctx, "ask ClickHouse a first question", func() error { return conn.QueryRow(ctx, firstQuestion).Scan(&one) })
	if err == nil || !settingsRefused(err) {
		if err != nil {
			conn.Close()
		}
		return conn, err
	}
	conn.Close()
	s.log.Debug("the ClickHouse user may not change settings (readonly=1): sending none", "user", s.dsn.User)
	s.noSettings = true
	return s.dial(ctx, s.dsn.Database)
}

// settingsRefused says whether err is the server refusing a session setting
// to a readonly=1 user.
func settingsRefused(err error) bool {
	var ex *proto.Exception
	return errors.As(err, &ex) && ex.Code == codeReadonly && strings.Contains(ex.Message, "setting")
}
