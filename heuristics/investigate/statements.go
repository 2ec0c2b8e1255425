package investigate

import (
	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement of the investigator's readers, for `chainsleuth sql dump`
// and the dialect test.
func init() {
	const addr = "bcrt1qddxxhgxc56xgzf40qtp7vcp7h0rz8p03m3dvh3"
	clusters := named("btc", "clusters", ch.GroupSet{Value: []any{uint32(0), uint32(7)}})
	store.Register(
		store.Statement{Name: "investigate.address_id", SQL: addressIDSQL, Args: named("btc", "address", addr)},
		store.Statement{Name: "investigate.cluster_of_id", SQL: clusterOfIDSQL, Args: named("btc", "id", uint32(7))},
		store.Statement{Name: "investigate.cluster_sizes", SQL: clusterSizesSQL, Args: clusters},
		store.Statement{Name: "investigate.seen", SQL: seenSQL, Args: named("btc", "address", addr)},
		store.Statement{Name: "investigate.counterparties", SQL: counterpartiesSQL, Args: named("btc", "address", addr, "limit", uint64(10))},
		store.Statement{Name: "investigate.tags", SQL: tagsSQL, Args: named("eth", "address", "0x7b3cab153a589f9f0f3aca2b9171b6fdb1a70c91")},
		store.Statement{Name: "investigate.registry", SQL: registrySQL, Args: named("eth", "address", "0x7b3cab153a589f9f0f3aca2b9171b6fdb1a70c91")},
		store.Statement{Name: "investigate.cluster_companies", SQL: clusterCompaniesQuery, Args: clusters},
		store.Statement{Name: "investigate.cluster_actors", SQL: clusterActorsQuery, Args: clusters},
		store.Statement{Name: "investigate.cluster_scores", SQL: clusterScoresQuery, Args: clusters},
		store.Statement{Name: "investigate.tokens", SQL: tokensSQL, Args: []any{ch.Named("assets", ch.GroupSet{Value: []any{"0x7b3cab153a589f9f0f3aca2b9171b6fdb1a70c91"}})}},
		store.Statement{Name: "investigate.sample_address", SQL: sampleAddressSQL, Args: named("btc")},
		store.Statement{Name: "investigate.trace_hop", SQL: hopSQL, Args: named("btc", "frontier", ch.GroupSet{Value: []any{uint32(7)}},
			"direction", int8(-1), "txids", uint64(3), "min_value", 0.5, "limit", uint64(21))},
	)
}
