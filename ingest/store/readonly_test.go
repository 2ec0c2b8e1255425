package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
)

// A refused write names the user and wraps ErrReadOnly; a refused session
// setting (a readonly=1 user on current servers, answered by sending none)
// is not a refused write.
func TestRefusedWritesAndSettingsAreToldApart(t *testing.T) {
	s := &Store{dsn: DSN{User: "investigator"}}
	write := fmt.Errorf("insert: %w", &proto.Exception{Code: 164, Message: "Cannot insert into table in readonly mode"})
	grant := &proto.Exception{Code: 497, Message: "investigator: Not enough privileges. To execute this query, it's necessary to have the grant INSERT ON db.tags"}
	setting := &proto.Exception{Code: 164, Message: "Cannot modify 'max_query_size' setting in readonly mode"}
	for _, err := range []error{write, grant} {
		got := s.explain(err)
		if !errors.Is(got, ErrReadOnly) || settingsRefused(err) {
			t.Errorf("%v: explained as %v", err, got)
		}
		var ex *proto.Exception
		if !errors.As(got, &ex) {
			t.Errorf("%v: the server's exception is lost", got)
		}
	}
	if got := s.explain(setting); errors.Is(got, ErrReadOnly) || !settingsRefused(setting) {
		t.Errorf("a refused setting explained as %v", got)
	}
	if other := (&proto.Exception{Code: 62, Message: "Syntax error"}); s.explain(other) != error(other) {
		t.Errorf("another exception changed")
	}
}
