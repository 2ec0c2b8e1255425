package store

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	_ "unsafe" // go:linkname to the driver's bind

	// The driver's bind function is reached by go:linkname below.
	_ "github.com/ClickHouse/clickhouse-go/v2"
)

// Statement is one SQL statement the project sends to ClickHouse, registered
// by the package that issues it so that tooling (`chainsleuth sql dump`, the
// dialect test in tests/dialect) sees every statement without copying any:
// the owning package uses the same constant or builder in its own code.
//
// SQL is the text exactly as the code sends it, with ? placeholders; Args are
// representative values for them, of the Go types the code passes (the
// driver formats by type). An INSERT sent with PrepareBatch has SQL
// InsertSQL(table, columns) and Batch holding a few representative rows, best
// built by the owning package's real row builder so the column list and the
// value types are the ones production sends.
type Statement struct {
	// Name is unique: "<package>.<what>", e.g. "btc.stats" or
	// "checkpoint.btc.rollback.count.btc_txs".
	Name  string
	SQL   string
	Args  []any
	Batch *Batch
}

// Kinds of statement, in the order a schema is built and used.
const (
	KindSchema   = "schema"   // CREATE …
	KindInsert   = "insert"   // INSERT (rows sent with PrepareBatch)
	KindQuery    = "query"    // SELECT …
	KindMutation = "mutation" // ALTER … (DELETE, UPDATE), DROP …
)

// Kind of the statement: schema, insert, query or mutation.
func (s Statement) Kind() string {
	if s.Batch != nil {
		return KindInsert
	}
	head := strings.ToUpper(strings.TrimSpace(s.SQL))
	switch {
	case strings.HasPrefix(head, "CREATE"):
		return KindSchema
	case strings.HasPrefix(head, "INSERT"):
		return KindInsert
	case strings.HasPrefix(head, "ALTER"), strings.HasPrefix(head, "DROP"):
		return KindMutation
	}
	return KindQuery
}

// Render is the statement as the server receives it: Args bound into SQL by
// the driver's own formatting. An INSERT's Batch rows are rendered as the
// equivalent INSERT … VALUES (the code itself sends them as columnar blocks).
func (s Statement) Render() (string, error) {
	if s.Batch == nil {
		return Bind(s.SQL, s.Args...)
	}
	b := *s.Batch
	if err := b.check(); err != nil {
		return "", err
	}
	if want := InsertSQL(b.Table, b.Columns); s.SQL != want {
		return "", fmt.Errorf("statement %s: SQL %q is not %q", s.Name, s.SQL, want)
	}
	marks := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.Columns)), ", ") + ")"
	rows := make([]string, b.Len())
	for i := range rows {
		vals := make([]any, len(b.Data))
		for j, d := range b.Data {
			vals[j] = reflect.ValueOf(d).Index(i).Interface()
		}
		row, err := Bind(marks, vals...)
		if err != nil {
			return "", fmt.Errorf("statement %s row %d: %w", s.Name, i, err)
		}
		rows[i] = row
	}
	return s.SQL + " VALUES " + strings.Join(rows, ", "), nil
}

//go:linkname driverBind github.com/ClickHouse/clickhouse-go/v2.bind
func driverBind(tz *time.Location, query string, args ...any) (string, error)

// Bind substitutes args for the ? placeholders of query exactly as the pinned
// driver (clickhouse-go/v2 v2.26.0) does before it sends a query, for a server
// whose time zone is UTC (as the project's servers are configured). It calls
// the driver's unexported bind function, so the text cannot drift from what
// the server gets; a driver upgrade that renames it fails the build.
func Bind(query string, args ...any) (string, error) {
	return driverBind(time.UTC, query, args...)
}

// InsertSQL is the statement Insert prepares a batch with.
func InsertSQL(table string, columns []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ")"
}

// InsertStatement registers an insert of b's rows under name.
func InsertStatement(name string, b Batch) Statement {
	return Statement{Name: name, SQL: InsertSQL(b.Table, b.Columns), Batch: &b}
}

// CountSQL is the statement CountWhere sends.
func CountSQL(table string, final bool, where string) string {
	q := "SELECT count() FROM " + table
	if final {
		q += " FINAL"
	}
	if where != "" {
		q += " WHERE " + where
	}
	return q
}

// DeleteSQL is the mutation DeleteWhere sends.
func DeleteSQL(table, where string) string {
	return "ALTER TABLE " + table + " DELETE WHERE " + where
}

var (
	registryMu sync.Mutex
	registry   = map[string]Statement{}
)

// Register adds statements to the registry; packages call it from init. A
// name registered twice, or a statement without a name or SQL, is a
// programming error and panics.
func Register(sts ...Statement) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, s := range sts {
		if s.Name == "" || strings.TrimSpace(s.SQL) == "" {
			panic(fmt.Sprintf("store.Register: statement %q without a name or SQL", s.Name))
		}
		if _, dup := registry[s.Name]; dup {
			panic("store.Register: statement " + s.Name + " registered twice")
		}
		registry[s.Name] = s
	}
}

// Registered returns every registered statement, schema statements first,
// then inserts, queries and mutations, each group by name.
func Registered() []Statement {
	registryMu.Lock()
	out := make([]Statement, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	registryMu.Unlock()
	rank := map[string]int{KindSchema: 0, KindInsert: 1, KindQuery: 2, KindMutation: 3}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rank[out[i].Kind()], rank[out[j].Kind()]
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Store's own statements.
const (
	appliedQuery = "SELECT DISTINCT version FROM schema_migrations"
	schemaQuery  = "SELECT count() FROM system.tables WHERE database = ? AND name = 'schema_migrations'"
	pendingQuery = "SELECT count() FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0"
	// clusterPendingQuery counts unfinished mutations on every server of a
	// cluster (current servers only; never registered for 18.16).
	clusterPendingQuery = "SELECT count() FROM clusterAllReplicas(?, system.mutations) WHERE database = ? AND table = ? AND is_done = 0"
)

func init() {
	Register(
		Statement{Name: "store.schema_migrations.create", SQL: createMigrationsTable},
		InsertStatement("store.schema_migrations.insert", migrationRecord(Migration{Version: 1, Name: "bitcoin"}, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))),
		Statement{Name: "store.schema_migrations.applied", SQL: appliedQuery},
		Statement{Name: "store.schema_migrations.exists", SQL: schemaQuery, Args: []any{"chainsleuth"}},
		Statement{Name: "store.mutations.pending", SQL: pendingQuery, Args: []any{"chainsleuth", "btc_blocks"}},
	)
}
