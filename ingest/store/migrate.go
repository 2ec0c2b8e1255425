package store

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema step: migrations/NNNN_name.sql, a
// text/template rendered for the server's dialect, holding statements
// separated by a semicolon at the end of a line.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// Dialect is what a migration template may ask about the server.
type Dialect struct {
	// LowCardinalityString is LowCardinality(String) where the server has it
	// on by default, String on 18.16 (where it sits behind a session flag).
	LowCardinalityString string
	Modern               bool
}

// DialectFor the given server version.
func DialectFor(v Version) Dialect {
	if v.Modern() {
		return Dialect{LowCardinalityString: "LowCardinality(String)", Modern: true}
	}
	return Dialect{LowCardinalityString: "String"}
}

// Migrations renders every embedded migration for a dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Migration
	seen := map[int]string{}
	for _, path := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(path, "migrations/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", path)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, path, v)
		}
		seen[v] = path
		src, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, err
		}
		tpl, err := template.New(path).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", path, err)
		}
		var buf bytes.Buffer
		if err := tpl.Execute(&buf, d); err != nil {
			return nil, fmt.Errorf("migration %s: %w", path, err)
		}
		out = append(out, Migration{Version: v, Name: name, Statements: SplitStatements(buf.String())})
	}
	return out, nil
}

// SplitStatements splits SQL text on semicolons that end a line, dropping
// comment-only and empty pieces.
func SplitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		st := strings.TrimSpace(cur.String())
		cur.Reset()
		if hasCode(st) {
			out = append(out, st)
		}
	}
	for _, line := range strings.SplitAfter(sql, "\n") {
		t := strings.TrimRight(line, " \t\r\n")
		if strings.HasSuffix(t, ";") && !strings.HasPrefix(strings.TrimSpace(t), "--") {
			cur.WriteString(strings.TrimSuffix(t, ";"))
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

func hasCode(sql string) bool {
	for _, line := range strings.Split(sql, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			return true
		}
	}
	return false
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime
) ENGINE = ReplacingMergeTree ORDER BY version`

// Applied lists the migration versions recorded in schema_migrations.
func (s *Store) Applied(ctx context.Context) (map[int]bool, error) {
	create := []string{createMigrationsTable}
	if s.opts.Cluster != "" {
		var err error
		if create, err = s.cluster().DDL(createMigrationsTable); err != nil {
			return nil, err
		}
	}
	for _, q := range create {
		if err := s.Exec(ctx, "create schema_migrations", q); err != nil {
			return nil, err
		}
	}
	done := map[int]bool{}
	err := s.Query(ctx, "read schema_migrations", appliedQuery, nil,
		func() { done = map[int]bool{} },
		func(r driver.Rows) error {
			var v uint32
			if err := r.Scan(&v); err != nil {
				return err
			}
			done[int(v)] = true
			return nil
		})
	return done, err
}

// Migrate applies every migration not yet recorded, in order, and records
// each one. Statements are idempotent (IF NOT EXISTS), so a run interrupted
// between a statement and its record is simply repeated. It returns the
// versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	migs, err := Migrations(DialectFor(s.version))
	if s.opts.Cluster != "" {
		migs, err = ClusterMigrations(DialectFor(s.version), s.cluster())
	}
	if err != nil {
		return nil, err
	}
	done, err := s.Applied(ctx)
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range migs {
		if done[m.Version] {
			continue
		}
		for i, st := range m.Statements {
			if err := s.Exec(ctx, fmt.Sprintf("migration %04d_%s statement %d", m.Version, m.Name, i+1), st); err != nil {
				return applied, err
			}
		}
		if err := s.Insert(ctx, migrationRecord(m, time.Now().UTC())); err != nil {
			return applied, fmt.Errorf("record migration %04d_%s: %w", m.Version, m.Name, err)
		}
		s.log.Info("migration applied", "version", m.Version, "name", m.Name, "statements", len(m.Statements))
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// migrationRecord is the schema_migrations row recording m.
func migrationRecord(m Migration, at time.Time) Batch {
	return Batch{
		Table:   "schema_migrations",
		Columns: []string{"version", "name", "applied_at"},
		Data:    []any{[]uint32{uint32(m.Version)}, []string{m.Name}, []time.Time{at}},
	}
}

// CheckSchema fails with a clear message when migrations are missing, so
// commands other than migrate never run against an old schema. It only
// reads, so it works for a read-only user.
func (s *Store) CheckSchema(ctx context.Context) error {
	migs, err := Migrations(DialectFor(s.version))
	if err != nil {
		return err
	}
	var exists uint64
	if err := s.QueryRow(ctx, "look for schema_migrations", schemaQuery, []any{s.dsn.Database}, &exists); err != nil {
		return err
	}
	if exists == 0 {
		return fmt.Errorf("database %s has no chainsleuth schema: run `chainsleuth migrate` first (or check --clickhouse)", s.dsn.Database)
	}
	done := map[int]bool{}
	err = s.Query(ctx, "read schema_migrations", appliedQuery, nil, nil,
		func(r driver.Rows) error {
			var v uint32
			if err := r.Scan(&v); err != nil {
				return err
			}
			done[int(v)] = true
			return nil
		})
	if err != nil {
		return err
	}
	for _, m := range migs {
		if !done[m.Version] {
			return fmt.Errorf("database %s lacks migration %04d_%s: run `chainsleuth migrate` first", s.dsn.Database, m.Version, m.Name)
		}
	}
	return nil
}
