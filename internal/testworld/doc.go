// Package testworld builds, for tests, a simulated fundraising world on real
// servers: a fresh regtest btcd and Ethereum dev chain driven by the
// simulator (internal/simulate), both chains ingested into a fresh
// ClickHouse database and clustered. Tests of the layers above clustering
// (scoring, attribution, the CLI) start from it and compare with its truth.
package testworld
