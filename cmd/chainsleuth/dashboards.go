package main

// The Grafana dashboard's panel queries are registered statements: `sql dump`
// lists them and the dialect test runs them on every engine.
import _ "github.com/chainsleuth/chainsleuth/grafana"
