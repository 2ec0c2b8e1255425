package store

import (
	"fmt"
	"regexp"
	"strings"
)

// Cluster is a ClickHouse cluster (a <remote_servers> entry of the servers'
// config, with ClickHouse Keeper or ZooKeeper for replication and for
// distributed DDL) the schema is created on.
//
// Each table of the migrations becomes two, created ON CLUSTER:
//
//   - name_local, the data on every shard, with the Replicated variant of its
//     engine (ReplacingMergeTree(v) → ReplicatedReplacingMergeTree(
//     '/clickhouse/tables/{shard}/DB/name_local', '{replica}', v)); the
//     {shard} and {replica} macros come from each server's config;
//   - name, a Distributed table over the name_local tables, which every
//     query and insert of the code uses unchanged.
//
// The sharding key is cityHash64 of the first ORDER BY column other than
// chain: the columns of a ReplacingMergeTree's key decide which rows replace
// each other, so rows with the same key always land on the same shard and
// FINAL, argMax and the row-count checks stay exact shard by shard.
// Materialized views read the local table of their source (every shard
// turns what it stores) and write into the Distributed target, which
// reshards their rows by the target's key (transfers_by_address by address).
// Mutations (rollbacks) go to the local tables ON CLUSTER.
type Cluster struct {
	Name     string
	Database string
}

// LocalSuffix names the per-shard table behind a Distributed one.
const LocalSuffix = "_local"

var (
	clusterName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	createTableRe  = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS (\w+) \((.*)\) ENGINE = (\w+)(?:\(([^)]*)\))?(.*)$`)
	createMVRe     = regexp.MustCompile(`(?s)^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS(.*)$`)
	createViewRe   = regexp.MustCompile(`(?s)^CREATE VIEW IF NOT EXISTS (\w+) AS(.*)$`)
	orderByRe      = regexp.MustCompile(`ORDER BY \(?([\w, ]+)\)?`)
	fromRe         = regexp.MustCompile(`\bFROM (\w+)\b`)
	commentLineRe  = regexp.MustCompile(`(?m)^\s*--.*$\n?`)
	replicatedKind = map[string]bool{"MergeTree": true, "ReplacingMergeTree": true, "SummingMergeTree": true,
		"AggregatingMergeTree": true, "CollapsingMergeTree": true}
)

// Validate checks the cluster and database names, which go into DDL text.
func (c Cluster) Validate() error {
	if !clusterName.MatchString(c.Name) {
		return fmt.Errorf("cluster name %q: letters, digits and underscores only", c.Name)
	}
	if !clusterName.MatchString(c.Database) {
		return fmt.Errorf("database name %q: letters, digits and underscores only", c.Database)
	}
	return nil
}

// DDL rewrites one statement of the migrations for the cluster: a CREATE
// TABLE becomes the local replicated table and the Distributed table over
// it; a materialized view reads the local table of its source; a view is
// created on every server. Anything else is refused: the migrations hold
// nothing else.
func (c Cluster) DDL(stmt string) ([]string, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	stmt = strings.TrimSpace(commentLineRe.ReplaceAllString(stmt, ""))
	on := " ON CLUSTER " + c.Name
	if m := createTableRe.FindStringSubmatch(stmt); m != nil {
		name, cols, engine, args, rest := m[1], m[2], m[3], m[4], m[5]
		if !replicatedKind[engine] {
			return nil, fmt.Errorf("table %s: engine %s has no replicated variant", name, engine)
		}
		local := name + LocalSuffix
		repl := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", c.Database, local)
		if args != "" {
			repl += ", " + args
		}
		key, err := shardKey(name, rest)
		if err != nil {
			return nil, err
		}
		return []string{
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s (%s) ENGINE = Replicated%s(%s)%s", local, on, cols, engine, repl, rest),
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s AS %s ENGINE = Distributed(%s, %s, %s, %s)", name, on, local, c.Name, c.Database, local, key),
		}, nil
	}
	if m := createMVRe.FindStringSubmatch(stmt); m != nil {
		body := m[3]
		src := fromRe.FindStringSubmatchIndex(body)
		if src == nil {
			return nil, fmt.Errorf("materialized view %s: no FROM table", m[1])
		}
		body = body[:src[2]] + body[src[2]:src[3]] + LocalSuffix + body[src[3]:]
		return []string{fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s%s TO %s AS%s", m[1], on, m[2], body)}, nil
	}
	if m := createViewRe.FindStringSubmatch(stmt); m != nil {
		return []string{fmt.Sprintf("CREATE VIEW IF NOT EXISTS %s%s AS%s", m[1], on, m[2])}, nil
	}
	return nil, fmt.Errorf("cluster schema: cannot distribute %.60q", stmt)
}

// shardKey is cityHash64 of the first ORDER BY column other than chain.
func shardKey(table, rest string) (string, error) {
	m := orderByRe.FindStringSubmatch(rest)
	if m == nil {
		return "", fmt.Errorf("table %s: no ORDER BY to derive a sharding key from", table)
	}
	for _, col := range strings.Split(m[1], ",") {
		if col = strings.TrimSpace(col); col != "" && col != "chain" {
			return "cityHash64(" + col + ")", nil
		}
	}
	return "cityHash64(chain)", nil
}

// DeleteSQL is the mutation that deletes from table: on a cluster, from its
// local tables on every server.
func (c Cluster) DeleteSQL(table, where string) string {
	return "ALTER TABLE " + table + LocalSuffix + " ON CLUSTER " + c.Name + " DELETE WHERE " + where
}

// ClusterMigrations renders every migration for the cluster, each statement
// rewritten by DDL.
func ClusterMigrations(d Dialect, c Cluster) ([]Migration, error) {
	migs, err := Migrations(d)
	if err != nil {
		return nil, err
	}
	for i := range migs {
		var out []string
		for _, st := range migs[i].Statements {
			sts, err := c.DDL(st)
			if err != nil {
				return nil, fmt.Errorf("migration %04d_%s: %w", migs[i].Version, migs[i].Name, err)
			}
			out = append(out, sts...)
		}
		migs[i].Statements = out
	}
	return migs, nil
}
