// Package testenv starts the real servers that tests run against: the
// project's loopback ClickHouse (Debian's 18.16 on these machines, started by
// scripts/clickhouse.sh) with a fresh database per test, and regtest btcd
// nodes on free ports.
//
// Outside CI a missing server or binary skips the test with a message that
// says how to provide it; with CI=true it fails the test instead, so a green
// CI run always means the real-server tests ran.
package testenv
