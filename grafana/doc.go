// Package grafana holds the provisioned Grafana dashboard of chainsleuth
// (dashboards/chainsleuth.json, on the views of migration 0007) and its data
// source (provisioning/, the grafana-clickhouse-datasource plugin connecting
// as the read-only investigator user), as docker-compose.yml mounts them.
//
// The Go code only makes the dashboard's SQL visible to the rest of the
// project: every panel's query is registered as a statement (with the
// plugin's macros and the $chain variable expanded to representative values,
// as the plugin would send them), so `chainsleuth sql dump` lists it and the
// dialect test runs it on ClickHouse 18.16 and current releases, and tests
// can run the panels on a simulated world (Panels).
package grafana
