package attribute

import (
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
	store.Register(
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
