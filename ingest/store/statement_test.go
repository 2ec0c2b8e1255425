package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func TestBindFormatsValuesAsTheDriverSendsThem(t *testing.T) {
	got, err := store.Bind("SELECT x FROM t WHERE a = ? AND b IN ? AND c = ? AND d >= ?",
		"it's", ch.GroupSet{Value: []any{"p", "q"}}, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), uint64(7))
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT x FROM t WHERE a = 'it\'s' AND b IN ('p', 'q') AND c = toDateTime('2024-01-02 03:04:05') AND d >= 7`
	if got != want {
		t.Fatalf("Bind:\n got %s\nwant %s", got, want)
	}
	if _, err := store.Bind("SELECT ?, ?", 1); err == nil {
		t.Fatal("Bind with a missing argument succeeded")
	}
}

func TestStatementsRenderAndClassify(t *testing.T) {
	ins := store.InsertStatement("test.insert", store.Batch{
		Table:   "t",
		Columns: []string{"a", "b", "tags"},
		Data:    []any{[]uint32{1, 2}, []string{"x", "y'z"}, [][]string{{"k"}, {}}},
	})
	sql, err := ins.Render()
	if err != nil {
		t.Fatal(err)
	}
	if want := `INSERT INTO t (a, b, tags) VALUES (1, 'x', ['k']), (2, 'y\'z', [])`; sql != want {
		t.Fatalf("insert:\n got %s\nwant %s", sql, want)
	}
	for _, c := range []struct {
		st   store.Statement
		kind string
	}{
		{ins, store.KindInsert},
		{store.Statement{SQL: "CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory"}, store.KindSchema},
		{store.Statement{SQL: "  SELECT 1"}, store.KindQuery},
		{store.Statement{SQL: store.DeleteSQL("t", "a = ?")}, store.KindMutation},
	} {
		if got := c.st.Kind(); got != c.kind {
			t.Errorf("Kind(%q) = %s, want %s", c.st.SQL, got, c.kind)
		}
	}
	if got := store.CountSQL("t", true, "a = ?"); got != "SELECT count() FROM t FINAL WHERE a = ?" {
		t.Errorf("CountSQL = %s", got)
	}
}

func TestRegisterRefusesDuplicateNames(t *testing.T) {
	st := store.Statement{Name: "test.register.once", SQL: "SELECT 1"}
	store.Register(st)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "test.register.once") {
			t.Fatalf("second Register: recovered %v, want a panic naming the statement", r)
		}
	}()
	store.Register(st)
}

func TestTheStoreRegistersItsOwnStatements(t *testing.T) {
	names := map[string]bool{}
	for _, s := range store.Registered() {
		names[s.Name] = true
		if _, err := s.Render(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	for _, n := range []string{"store.schema_migrations.create", "store.schema_migrations.insert", "store.schema_migrations.applied",
		"store.schema_migrations.exists", "store.mutations.pending"} {
		if !names[n] {
			t.Errorf("%s is not registered", n)
		}
	}
}

func TestSplitCutsABatchIntoNearlyEqualPiecesInOrder(t *testing.T) {
	b := store.Batch{Table: "t", Columns: []string{"id", "name"},
		Data: []any{[]uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}}
	var sizes []int
	var ids []uint64
	var names string
	for _, p := range b.Split(3) {
		sizes = append(sizes, p.Len())
		ids = append(ids, p.Data[0].([]uint64)...)
		names += strings.Join(p.Data[1].([]string), "")
	}
	if fmt.Sprint(sizes) != "[3 3 4]" || fmt.Sprint(ids) != "[0 1 2 3 4 5 6 7 8 9]" || names != "abcdefghij" {
		t.Errorf("Split(3) of 10 rows: sizes %v, ids %v, names %q", sizes, ids, names)
	}
	if n := len(b.Split(20)); n != 10 {
		t.Errorf("Split(20) of 10 rows gave %d pieces, want 10 of one row", n)
	}
	if n := len(b.Split(1)); n != 1 {
		t.Errorf("Split(1) gave %d pieces", n)
	}
}
