#!/usr/bin/env python3
"""Dialect test: every SQL statement chainsleuth sends, executed on real engines.

The statements come from the Go code itself (`chainsleuth sql dump --format json`,
nothing is copied by hand): the schema migrations rendered for a dialect, then every
statement registered with store.Register by the package that issues it — inserts (a
few representative rows each, rendered as INSERT ... VALUES), queries and mutations,
with representative values bound by the driver's own formatting.

Runs, each on a fresh database, in dump order (migrations, schema, inserts, queries,
mutations):

  * chDB (ClickHouse 26.x in-process, `pip install chdb-core`): the modern dialect
    (what the store uses on 20.1+), and the legacy dialect too, since a schema made
    for 18.16 must also work on a current server;
  * with --clickhouse DSN, a real server through clickhouse-client (on the test
    machines Debian's 18.16), in the dialect the store picks for its version.

A failing statement is printed with its name and the engine's message, and the exit
status is 1. The last line is always `dialect: N passed, M failed`.

  python3 tests/dialect/check_sql.py [--chainsleuth BIN] [--clickhouse DSN] [--no-chdb]

Without --chainsleuth the dump comes from `go run ./cmd/chainsleuth`.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP_MESSAGE = "dialect test skipped: chDB not installed (pip install chdb-core)"


def dump(chainsleuth, dialect, cluster=None):
    """The statements of `chainsleuth sql dump` for a dialect (legacy, modern or a server version)."""
    cmd = chainsleuth + ["sql", "dump", "--dialect", dialect, "--format", "json"]
    if cluster:
        cmd += ["--cluster", cluster]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"dialect: {' '.join(cmd)} failed (exit {res.returncode}):\n{res.stderr}")
    return json.loads(res.stdout)


def run(label, statements, execute):
    """Executes statements in order with execute(sql); returns (passed, failed)."""
    passed = failed = 0
    for st in statements:
        try:
            execute(st["sql"])
            passed += 1
        except Exception as e:  # the engine's error, whatever its type
            failed += 1
            msg = str(e).strip() or type(e).__name__
            print(f"FAIL [{label}] {st['name']} ({st['kind']}): {msg[:2000]}")
            print("     " + st["sql"][:400].replace("\n", "\n     "))
    print(f"{label}: {passed} passed, {failed} failed")
    return passed, failed


def check_chdb(chainsleuth):
    from chdb import session  # imported here: the server check runs without chDB

    totals = [0, 0]
    with tempfile.TemporaryDirectory(prefix="chainsleuth-chdb-") as path:
        sess = session.Session(path)
        try:
            version = str(sess.query("SELECT version()", "TabSeparated")).strip()
            for dialect in ("modern", "legacy"):
                d = dump(chainsleuth, dialect)
                db = "chainsleuth_" + dialect
                sess.query(f"CREATE DATABASE {db}")
                sess.query(f"USE {db}")
                p, f = run(f"chDB {version} {d['dialect']}", d["statements"], lambda sql: sess.query(sql, "Null"))
                totals[0] += p
                totals[1] += f
            # The schema as `migrate --cluster` creates it (replicated local tables, Distributed tables, ON
            # CLUSTER DDL) needs Keeper and a cluster to run: here it is parsed by the current engine.
            d = dump(chainsleuth, "modern", cluster="chainsleuth_cluster")
            p, f = run(f"chDB {version} {d['dialect']} (parsed)", d["statements"],
                       lambda sql: sess.query("EXPLAIN AST " + sql, "Null"))
            totals[0] += p
            totals[1] += f
        finally:
            sess.close()
    return totals


class Server:
    """A ClickHouse server reached with clickhouse-client (one process per statement)."""

    def __init__(self, dsn):
        u = urllib.parse.urlparse(dsn)
        if u.scheme != "clickhouse":
            sys.exit(f"dialect: --clickhouse must look like clickhouse://[user:pass@]host:9000[/db], not {u.scheme}://…")
        self.addr = f"{u.hostname or '127.0.0.1'}:{u.port or 9000}"
        self.base = ["clickhouse-client", "--host", u.hostname or "127.0.0.1", "--port", str(u.port or 9000)]
        if u.username:
            self.base += ["--user", urllib.parse.unquote(u.username)]
        if u.password:
            self.base += ["--password", urllib.parse.unquote(u.password)]
        if "secure=true" in (u.query or ""):
            self.base += ["--secure"]
        self.database = None

    def query(self, sql):
        cmd = self.base + (["--database", self.database] if self.database else [])
        res = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            raise RuntimeError(res.stderr.strip() or f"clickhouse-client exit {res.returncode}")
        return res.stdout


def check_server(chainsleuth, dsn):
    srv = Server(dsn)
    try:
        version = srv.query("SELECT version()").strip()
    except (RuntimeError, OSError) as e:
        sys.exit(f"dialect: cannot reach ClickHouse at {srv.addr} with clickhouse-client: {e}")
    d = dump(chainsleuth, version)  # the dialect the store picks for this server
    db = f"chainsleuth_dialect_{os.getpid()}"
    srv.query(f"CREATE DATABASE {db}")
    srv.database = db
    try:
        return run(f"ClickHouse {version} at {srv.addr} {d['dialect']}", d["statements"], srv.query)
    finally:
        srv.database = None
        srv.query(f"DROP DATABASE IF EXISTS {db}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chainsleuth", help="chainsleuth binary (default: go run ./cmd/chainsleuth)")
    ap.add_argument("--clickhouse", help="also run on this server, e.g. clickhouse://127.0.0.1:9000/default")
    ap.add_argument("--no-chdb", action="store_true", help="skip chDB (only the --clickhouse server)")
    args = ap.parse_args()
    chainsleuth = shlex.split(args.chainsleuth) if args.chainsleuth else ["go", "run", "./cmd/chainsleuth"]

    passed = failed = 0
    if not args.no_chdb:
        try:
            import chdb  # noqa: F401
        except ImportError:
            print(SKIP_MESSAGE)
        else:
            p, f = check_chdb(chainsleuth)
            passed, failed = passed + p, failed + f
    if args.clickhouse:
        p, f = check_server(chainsleuth, args.clickhouse)
        passed, failed = passed + p, failed + f
    print(f"dialect: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
