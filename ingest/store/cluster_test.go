package store

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestClusterDDLMakesReplicatedLocalTablesBehindDistributedOnes(t *testing.T) {
	cl := Cluster{Name: "two_shards", Database: "chainsleuth"}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"a table with a version column",
			"CREATE TABLE IF NOT EXISTS runs (\n    run_id UInt64,\n    chain String\n) ENGINE = ReplacingMergeTree(state) ORDER BY (job, chain, run_id)",
			[]string{
				"CREATE TABLE IF NOT EXISTS runs_local ON CLUSTER two_shards (\n    run_id UInt64,\n    chain String\n) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/runs_local', '{replica}', state) ORDER BY (job, chain, run_id)",
				"CREATE TABLE IF NOT EXISTS runs ON CLUSTER two_shards AS runs_local ENGINE = Distributed(two_shards, chainsleuth, runs_local, cityHash64(job))",
			}},
		{"a table keyed by chain first is sharded by its next key column",
			"CREATE TABLE IF NOT EXISTS t (a String) ENGINE = ReplacingMergeTree PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, address, height)",
			[]string{
				"CREATE TABLE IF NOT EXISTS t_local ON CLUSTER two_shards (a String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/t_local', '{replica}') PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, address, height)",
				"CREATE TABLE IF NOT EXISTS t ON CLUSTER two_shards AS t_local ENGINE = Distributed(two_shards, chainsleuth, t_local, cityHash64(address))",
			}},
		{"a materialized view reads its source's local table and writes the Distributed target",
			"-- a comment\nCREATE MATERIALIZED VIEW IF NOT EXISTS mv TO target AS\nSELECT a FROM source ARRAY JOIN [1, 2] AS side",
			[]string{"CREATE MATERIALIZED VIEW IF NOT EXISTS mv ON CLUSTER two_shards TO target AS\nSELECT a FROM source_local ARRAY JOIN [1, 2] AS side"}},
		{"a view is created on every server",
			"CREATE VIEW IF NOT EXISTS v AS SELECT 1",
			[]string{"CREATE VIEW IF NOT EXISTS v ON CLUSTER two_shards AS SELECT 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cl.DDL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n;\n") != strings.Join(tt.want, "\n;\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n;\n"), strings.Join(tt.want, "\n;\n"))
			}
		})
	}
}

func TestClusterDDLRefusesWhatItCannotDistribute(t *testing.T) {
	for _, tt := range []struct{ name, cluster, stmt string }{
		{"a statement that is no CREATE", "c", "ALTER TABLE t ADD COLUMN x String"},
		{"an engine without a replicated variant", "c", "CREATE TABLE IF NOT EXISTS t (a String) ENGINE = Log"},
		{"a table without ORDER BY", "c", "CREATE TABLE IF NOT EXISTS t (a String) ENGINE = MergeTree"},
		{"a cluster name that would inject SQL", "c; DROP TABLE x", "CREATE VIEW IF NOT EXISTS v AS SELECT 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := (Cluster{Name: tt.cluster, Database: "db"}).DDL(tt.stmt); err == nil {
				t.Errorf("accepted: %q", got)
			}
		})
	}
}

// The whole schema as `migrate --cluster` creates it, reviewed in the diff
// of testdata/cluster_schema.sql (regenerate with -update). The dialect test
// parses every statement of it on a current engine (chDB).
func TestTheClusterSchemaIsTheGoldenOne(t *testing.T) {
	migs, err := ClusterMigrations(DialectFor(Version{Major: 24, Minor: 8}), Cluster{Name: "chainsleuth_cluster", Database: "chainsleuth"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	tables := 0
	for _, m := range migs {
		for _, st := range m.Statements {
			b.WriteString(st + ";\n\n")
			if strings.Contains(st, "ENGINE = Distributed(") {
				tables++
			}
		}
	}
	single, err := Migrations(DialectFor(Version{Major: 24, Minor: 8}))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, m := range single {
		for _, st := range m.Statements {
			if strings.Contains(st, "CREATE TABLE") {
				want++
			}
		}
	}
	if tables != want {
		t.Errorf("%d Distributed tables for %d tables", tables, want)
	}
	path := filepath.Join("testdata", "cluster_schema.sql")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestTheClusterSchema -update)", err)
	}
	if string(golden) != b.String() {
		t.Errorf("the cluster schema differs from %s: review and regenerate with -update", path)
	}
}
