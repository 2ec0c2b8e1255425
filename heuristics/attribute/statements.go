package attribute

import (
	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement the attribute job and its readers send, for `chainsleuth sql dump` and the dialect test.
func init() {
	run := uint64(1704164645000000)
	m := newMatcher(DefaultParams(),
		[]Actor{{ID: "bitmex", Label: "BitMEX", LabelNormalized: "bitmex", Domains: []string{"bitmex.com"}}},
		[]Company{{ID: "C001", Name: "BitMEX Ltd", NameNormalized: "bitmex", Domains: []string{"bitmex.com"}}})
	at := m.attribute(7,
		[]TagHit{{Address: "3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE", Cluster: 7, Label: "bitmex reserve wallet", Category: "exchange",
			Actor: "bitmex", Level: 50, File: "bitmex.yaml"}, {Address: "1A", Cluster: 7, Label: "Other", File: "other.yaml"}},
		[]RegistryHit{{Address: "1B", Cluster: 7, CompanyID: "C002", File: "companies.csv"}})
	for _, b := range rows("btc", run, []*Attribution{at}) {
		store.Register(store.InsertStatement("attribute.insert."+b.Table, b))
	}
	ids := ch.GroupSet{Value: []any{uint32(7), uint32(9)}}
	addrs := ch.GroupSet{Value: []any{"1A", "1B"}}
	store.Register(
		store.Statement{Name: "attribute.company.find", SQL: findCompanySQL, Args: []any{offchain.KindCompanies, "C001", "bitmex", "BitMEX"}},
		store.Statement{Name: "attribute.company.addresses", SQL: companyAddressesSQL, Args: []any{offchain.KindCompanies, "C001"}},
		store.Statement{Name: "attribute.company.clusters", SQL: companyClustersSQL, Args: []any{"btc", run, "C001"}},
		store.Statement{Name: "attribute.company.address_clusters", SQL: addressClustersSQL,
			Args: []any{"btc", run, addrs, "btc", run, "btc", run, addrs}},
		store.Statement{Name: "attribute.company.cluster_sizes", SQL: clusterSizesSQL, Args: []any{"btc", run, ids}},
		store.Statement{Name: "attribute.company.flows", SQL: flowsSQL,
			Args: []any{"btc", "btc", run, "btc", run, uint32(7), "btc", run, "btc", run, uint32(7)}},
		store.Statement{Name: "attribute.company.scores_table", SQL: scoresTableSQL},
		store.Statement{Name: "attribute.company.scores", SQL: scoresSQL, Args: []any{"btc", run, ids}},
		store.Statement{Name: "attribute.tags", SQL: tagsSQL, Args: labelledArgs("btc", run, offchain.KindTags)},
		store.Statement{Name: "attribute.registry", SQL: registrySQL, Args: labelledArgs("btc", run, offchain.KindCompanies)},
		store.Statement{Name: "attribute.actors", SQL: actorsSQL, Args: []any{offchain.KindActors}},
		store.Statement{Name: "attribute.companies", SQL: companiesSQL, Args: []any{offchain.KindCompanies}},
	)
	for _, t := range writtenTables {
		store.Register(
			store.Statement{Name: "attribute.verify." + t, SQL: store.CountSQL(t, true, runWhere), Args: []any{"btc", run}},
			store.Statement{Name: "attribute.cleanup.count." + t, SQL: store.CountSQL(t, false, cleanupWhere), Args: []any{"btc", run, run}},
			store.Statement{Name: "attribute.cleanup.delete." + t, SQL: store.DeleteSQL(t, cleanupWhere), Args: []any{"btc", run, run}},
		)
	}
}
