package offchain

import (
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement the off-chain imports send, for `chainsleuth sql dump`
// and the dialect test (tests/dialect).
func init() {
	s := stamp{file: "sample.yaml", version: 1_700_000_000_000_000_000, at: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, b := range sampleParsed().batches(s) {
		store.Register(store.InsertStatement("offchain.insert."+b.Table, b))
	}
	store.Register(store.InsertStatement("offchain.insert."+ImportsTable, importBatch([]FileReport{
		{Path: "/data/packs/sample.yaml", File: "sample.yaml", Kind: KindTags, Format: FormatTagPack,
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Loaded: 2, Rejected: 1},
	}, s.version, s.at)))
	files := fileSet([]string{"sample.yaml", "companies.csv"})
	for _, table := range Tables[:len(Tables)-1] {
		store.Register(
			store.Statement{Name: "offchain.verify." + table, SQL: VerifySQL(table), Args: []any{s.version}},
			store.Statement{Name: "offchain.stale.count." + table, SQL: store.CountSQL(table, false, staleWhere), Args: []any{files, s.version}},
			store.Statement{Name: "offchain.stale.delete." + table, SQL: store.DeleteSQL(table, staleWhere), Args: []any{files, s.version}},
			store.Statement{Name: "offchain.failed.count." + table, SQL: store.CountSQL(table, false, failedWhere), Args: []any{files, s.version}},
			store.Statement{Name: "offchain.failed.delete." + table, SQL: store.DeleteSQL(table, failedWhere), Args: []any{files, s.version}},
		)
	}
	store.Register(store.Statement{Name: "offchain.imports.verify", SQL: store.CountSQL(ImportsTable, true, logWhere), Args: []any{s.version}})
}

// sampleParsed holds a few rows of every table, as the parsers make them.
func sampleParsed() *Parsed {
	return &Parsed{
		Tags: []Tag{
			{Chain: "btc", Address: "3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE", Label: "bitmex reserve wallet", Category: "exchange",
				Actor: "bitmex", Source: "https://example.org/porl.yaml", Confidence: "service_data", ConfidenceLevel: 50,
				IsClusterDefiner: true, Currency: "BTC", TagpackTitle: "Bitmex reserve wallets", Creator: "GraphSense Core Team",
				Lastmod: "2022-11-16", Line: 12},
			{Chain: "eth", Address: "0x3e3aecee63ccd5c96ba6fa19666d64e194457e06", Label: "Fake zksync crowdsale", Abuse: "phishing",
				Currency: "ETH", Context: `{"url": "http://zksync.sale"}`, Line: 67},
		},
		Actors: []Actor{
			{ID: "bitmex", Label: "BitMEX", Categories: []string{"exchange"}, Jurisdictions: []string{"SC"}, URI: "https://www.bitmex.com",
				Domains: []string{"bitmex.com"}, Aliases: []string{"HDR Global Trading"}, TwitterHandle: "BitMEX",
				Context: `{"twitter_handle":"BitMEX"}`, Line: 20},
			{ID: "0x", Label: "0x", Categories: []string{"defi_dex"}, Line: 50},
		},
		Companies: []Company{
			{CompanyID: "C001", Name: "Block Deck Digital Assets Limited", RegistrationNo: "9862851", Jurisdiction: "HK",
				Status: "active", Domains: []string{"blockdeck.example"}, Aliases: []string{"Block Deck", "BD"}, Line: 2},
			{CompanyID: "C003", Name: "Vertex Network Foundation OÜ", RegistrationNo: "19998225", Jurisdiction: "EE",
				Status: "in liquidation", Line: 4},
		},
		Addresses: []CompanyAddress{
			{Chain: "btc", Address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", CompanyID: "C001", Line: 2},
			{Chain: "eth", Address: "0xbe76254c399f8374295b13b8cb530d8403b68939", CompanyID: "C001", Line: 2},
		},
		Sanctions: []Sanction{
			{Chain: "btc", Address: "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", List: ListOFAC, Currency: "XBT", Line: 1},
			{Chain: "eth", Address: "0x19aa5fe80d33a56d56c78e82ea5e50e5d80b4dff", List: ListOFAC, Currency: "USDT", Line: 2},
		},
	}
}
