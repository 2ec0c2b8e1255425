package offchain

import (
	"bytes"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/internal/simulate"
)

var mainnet = Addresser{}

// problems renders rejected rows as "line: reason" for compact checks.
func problems(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.TrimPrefix(p.String(), p.File+":")
	}
	return out
}

func wantProblems(t *testing.T, got []Problem, want ...string) {
	t.Helper()
	g := problems(got)
	if len(g) != len(want) {
		t.Fatalf("problems = %q, want %d like %q", g, len(want), want)
	}
	for i := range want {
		if !strings.Contains(g[i], want[i]) {
			t.Errorf("problem %d = %q, want it to contain %q", i, g[i], want[i])
		}
	}
}

func TestAddressesAreCheckedAndNormalisedPerChain(t *testing.T) {
	regtest := Addresser{BTC: &chaincfg.RegressionNetParams}
	for _, tc := range []struct {
		name, chain, in string
		a               Addresser
		want, err       string
	}{
		{name: "a P2PKH address is kept", chain: "btc", in: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", want: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		{name: "a P2SH address is kept", chain: "btc", in: " 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy ", want: "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
		{name: "bech32 in upper case is folded", chain: "btc", in: "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", want: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{name: "a taproot address is kept", chain: "btc", in: "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", want: "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"},
		{name: "a bad checksum is rejected", chain: "btc", in: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", err: "checksum mismatch"},
		{name: "a testnet address is not mainnet", chain: "btc", in: "mzYzZXvZw7rzy8kTqRUKBZAHcxKFTtmujQ", err: "testnet, regtest or signet address, not mainnet"},
		{name: "a regtest address is taken on regtest", chain: "btc", a: regtest, in: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", want: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"},
		{name: "a regtest bech32 address is named so", chain: "btc", in: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", err: "is a regtest address, not mainnet"},
		{name: "a mainnet address is not regtest", chain: "btc", a: regtest, in: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", err: "mainnet address, not regtest"},
		{name: "a raw public key is not an address", chain: "btc", in: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", err: "raw public key"},
		{name: "a Tron address is not Bitcoin", chain: "btc", in: "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", err: "unknown address type"},
		{name: "an Ethereum address is folded to lower case", chain: "eth", in: "0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0", want: "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0"},
		{name: "0X is read as 0x", chain: "eth", in: "0X29FC9B71492EC63696CF9CD56E9832A42B0DCED0", want: "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0"},
		{name: "a short Ethereum address is rejected", chain: "eth", in: "0x29fc9b71492ec63696cf9cd56e9832a42b0dced", err: "want 0x and 40 hex digits"},
		{name: "non-hex is rejected", chain: "eth", in: "0x29fc9b71492ec63696cf9cd56e9832a42b0dcedg", err: "want 0x and 40 hex digits"},
		{name: "no 0x is rejected", chain: "eth", in: "29fc9b71492ec63696cf9cd56e9832a42b0dced00", err: "want 0x and 40 hex digits"},
		{name: "an empty address is rejected", chain: "eth", in: "  ", err: "empty address"},
		{name: "an unknown chain is rejected", chain: "ltc", in: "LQ3B5Y4jw8CezQRq8KqSprPzpLxVYdMvst", err: `unknown chain "ltc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.a.Normalize(tc.chain, tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Normalize(%s, %q) = %q, %v; want an error with %q", tc.chain, tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Normalize(%s, %q) = %q, %v; want %q", tc.chain, tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNamesAndDomainsAreNormalisedForMatching(t *testing.T) {
	for in, want := range map[string]string{
		"Block Deck Digital Assets Limited": "block deck digital assets",
		"Vertex Network Foundation OÜ":      "vertex network foundation",
		"Nova Gate Pte. Ltd.":               "nova gate",
		"Apex Chain Ventures UAB":           "apex chain ventures",
		"HDR Global Trading S.A.":           "hdr global trading",
		"  Coin--Harbor,  Inc. ":            "coin harbor",
		"Limited":                           "limited",
		"O'Brien & Co":                      "obrien",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://WWW.Example.com/path?q=1": "example.com",
		"blockdeck.example":                "blockdeck.example",
		"www.bitmex.com":                   "bitmex.com",
		"app.0.exchange":                   "app.0.exchange",
		"localhost":                        "",
		"":                                 "",
	} {
		if got := NormalizeDomain(in); got != want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

const tagPackHeader = `title: Test pack
creator: Tester
currency: BTC
category: exchange
confidence: service_data
label: the header's label
source: https://example.org/list
lastmod: 2022-11-16
is_cluster_definer: true
actor: bitmex
tags:
`

func TestTagPacksInheritTheirHeaderAndReportBadTags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		yaml       string
		tags       int
		skipped    int
		duplicates int
		rejected   []string
		check      func(t *testing.T, p *Parsed)
	}{
		{name: "a tag inherits every header field", yaml: tagPackHeader + "- address: 3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE\n", tags: 1,
			check: func(t *testing.T, p *Parsed) {
				want := Tag{Chain: "btc", Address: "3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE", Label: "the header's label", Category: "exchange",
					Actor: "bitmex", Source: "https://example.org/list", Confidence: "service_data", ConfidenceLevel: 50,
					IsClusterDefiner: true, Currency: "BTC", TagpackTitle: "Test pack", Creator: "Tester", Lastmod: "2022-11-16", Line: 12}
				if p.Tags[0] != want {
					t.Errorf("tag = %+v\nwant  %+v", p.Tags[0], want)
				}
			}},
		{name: "a tag's own fields win over the header's", tags: 1, yaml: tagPackHeader + `- address: '0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0'
  currency: ETH
  label: Ronin bridge exploiter
  confidence: 90
  abuse: service_hack
  is_cluster_definer: false
  context: '{"description": "original address"}'
`, check: func(t *testing.T, p *Parsed) {
			got := p.Tags[0]
			if got.Chain != "eth" || got.Address != "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0" || got.Label != "Ronin bridge exploiter" ||
				got.ConfidenceLevel != 90 || got.Confidence != "" || got.IsClusterDefiner || got.Abuse != "service_hack" ||
				got.Context != `{"description": "original address"}` || got.Category != "exchange" {
				t.Errorf("tag = %+v", got)
			}
		}},
		{name: "concepts stand in for a missing category", tags: 1,
			yaml: "title: t\ncurrency: ETH\ntags:\n- address: '0x5b535edfa75d7cb706044da0171204e1c48d00e8'\n  label: 808TA\n  concepts:\n  - exchange\n",
			check: func(t *testing.T, p *Parsed) {
				if p.Tags[0].Category != "exchange" {
					t.Errorf("category = %q, want exchange", p.Tags[0].Category)
				}
			}},
		{name: "a malformed address is rejected with its line", tags: 1, yaml: tagPackHeader +
			"- address: 3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE\n- address: 1MFgcyJ7ZNSknbTBRaih6zWDE6V1A64tRYs\n",
			rejected: []string{`13: btc address "1MFgcyJ7ZNSknbTBRaih6zWDE6V1A64tRYs": checksum mismatch`}},
		{name: "an unknown currency is skipped, not rejected", tags: 1, skipped: 2, yaml: tagPackHeader +
			"- address: LQ3B5Y4jw8CezQRq8KqSprPzpLxVYdMvst\n  currency: LTC\n- address: TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq\n  currency: USDT\n" +
			"- address: '0x19aa5fe80d33a56d56c78e82ea5e50e5d80b4dff'\n  currency: USDT\n",
			check: func(t *testing.T, p *Parsed) {
				if p.Tags[0].Chain != "eth" || p.Tags[0].Currency != "USDT" {
					t.Errorf("a USDT 0x address: %+v, want chain eth", p.Tags[0])
				}
				if got := problems(p.Skipped); got[0] != "12: currency LTC is not ingested (btc and eth only)" || got[1] != "14: USDT address not on Ethereum" {
					t.Errorf("skipped = %q", got)
				}
			}},
		{name: "a tag without a label anywhere is rejected", yaml: "title: t\ncurrency: BTC\ntags:\n- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n",
			rejected: []string{"4: no label"}},
		{name: "a tag without a currency anywhere is rejected", yaml: "title: t\nlabel: x\ntags:\n- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n",
			rejected: []string{"4: no currency"}},
		{name: "a tag without an address is rejected", yaml: tagPackHeader + "- label: lonely\n", rejected: []string{"12: no address"}},
		{name: "a tag that is not a mapping is rejected", yaml: tagPackHeader + "- just a string\n", rejected: []string{"12: tag is a value, want a mapping"}},
		{name: "a list where a value belongs is rejected", yaml: tagPackHeader + "- address: [1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa]\n",
			rejected: []string{"12: address: want a single value, got a list"}},
		{name: "a bad is_cluster_definer is rejected", yaml: tagPackHeader + "- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n  is_cluster_definer: maybe\n",
			rejected: []string{`12: is_cluster_definer "maybe"`}},
		{name: "a confidence out of range is rejected", yaml: tagPackHeader + "- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n  confidence: 101\n",
			rejected: []string{"12: confidence 101"}},
		{name: "a repeated tag is a duplicate, also in another case", tags: 1, duplicates: 2, yaml: tagPackHeader +
			"- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n" +
			"- address: bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n  label: other\n- address: BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ\n  label: other\n",
			check: func(t *testing.T, p *Parsed) {
				if len(p.Tags) != 2 {
					t.Errorf("tags = %d, want 2", len(p.Tags))
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseYAML([]byte(tc.yaml), "t.yaml", mainnet)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != KindTags || p.Format != FormatTagPack {
				t.Errorf("kind, format = %s, %s", p.Kind, p.Format)
			}
			wantProblems(t, p.Rejected, tc.rejected...)
			if tc.check == nil && len(p.Tags) != tc.tags {
				t.Errorf("tags = %d, want %d", len(p.Tags), tc.tags)
			}
			if len(p.Skipped) != tc.skipped || p.Duplicates != tc.duplicates {
				t.Errorf("skipped, duplicates = %d, %d; want %d, %d", len(p.Skipped), p.Duplicates, tc.skipped, tc.duplicates)
			}
			if tc.check != nil {
				if len(p.Tags) == 0 {
					t.Fatalf("no tags; rejected %q", problems(p.Rejected))
				}
				tc.check(t, p)
			}
		})
	}
}

func TestBrokenYAMLFailsTheWholeFile(t *testing.T) {
	for _, tc := range []struct{ name, yaml, err string }{
		{"unbalanced quotes", "title: 'oops\ntags:\n- address: x\n", "not valid YAML"},
		{"bad indentation", "title: t\ntags:\n- address: a\n label: b\n", "not valid YAML"},
		{"a list at the top", "- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n", "not a mapping"},
		{"neither tags nor actors", "title: t\ncurrency: BTC\n", "no tags or actors list"},
		{"tags that are not a list", "title: t\ntags: none\n", "tags is a value, want a list"},
		{"an empty file", "", "not a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseYAML([]byte(tc.yaml), "t.yaml", mainnet)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseYAML = %v, %v; want an error with %q", p, err, tc.err)
			}
		})
	}
}

func TestActorPacksAreReadWithTheirDomains(t *testing.T) {
	src := `title: Actors
actors:
- id: bitmex
  label: BitMEX
  categories: [organization, exchange]
  jurisdictions:
  - SC
  uri: https://www.bitmex.com/
  context:
    twitter_handle: BitMEX
    refs: [www.crunchbase.com/organization/bitmex]
- id: nolabel
- id: bitmex
  label: again
- label: no id
- id: 0x
  label: 0x
  jurisdictions: []
  uri: www.0x.org
  aliases: zero-x
`
	p, err := ParseYAML([]byte(src), "actors.yaml", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindActors || len(p.Actors) != 2 {
		t.Fatalf("kind %s, %d actors: %+v", p.Kind, len(p.Actors), p.Actors)
	}
	b := p.Actors[0]
	if b.ID != "bitmex" || b.Label != "BitMEX" || strings.Join(b.Categories, ",") != "organization,exchange" ||
		strings.Join(b.Jurisdictions, ",") != "SC" || strings.Join(b.Domains, ",") != "bitmex.com" || b.TwitterHandle != "BitMEX" ||
		b.Context != `{"refs":["www.crunchbase.com/organization/bitmex"],"twitter_handle":"BitMEX"}` || b.Line != 3 {
		t.Errorf("actor = %+v", b)
	}
	if z := p.Actors[1]; z.ID != "0x" || strings.Join(z.Domains, ",") != "0x.org" || strings.Join(z.Aliases, ",") != "zero-x" {
		t.Errorf("actor = %+v", z)
	}
	wantProblems(t, p.Rejected, `12: actor "nolabel" without a label`, `13: actor id "bitmex" repeats the one on line 3`, "15: actor without an id")
}

func TestCSVTagsReportBrokenRowsAndLoadTheRest(t *testing.T) {
	src := `chain,address,label,category,source
btc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,Genesis,miner,https://example.org
ETH,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,"Ronin, exploiter",hack,
ltc,LQ3B5Y4jw8CezQRq8KqSprPzpLxVYdMvst,Litecoin thing,,
btc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb,bad checksum,,
btc,not"quoted,x,,
btc,3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy,too,many,fields,here
eth,0xdeadbeef,short,,
btc,3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy,,,

btc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,Genesis,miner,https://example.org
bitcoin,3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy,"multi
line label",exchange,
`
	p, err := ParseTagsCSV(strings.NewReader(src), "tags.csv", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected,
		`4: unknown chain "ltc"`,
		`5: btc address "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb": checksum mismatch`,
		`6: CSV: bare " in non-quoted-field`,
		"7: 6 fields, the header has 5",
		`8: eth address "0xdeadbeef"`,
		"9: no label",
	)
	if len(p.Tags) != 3 || p.Duplicates != 1 {
		t.Fatalf("tags %d, duplicates %d: %+v", len(p.Tags), p.Duplicates, p.Tags)
	}
	if tg := p.Tags[1]; tg.Chain != "eth" || tg.Address != "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0" || tg.Label != "Ronin, exploiter" || tg.Line != 3 {
		t.Errorf("tag = %+v", tg)
	}
	if tg := p.Tags[2]; tg.Label != "multi\nline label" || tg.Line != 12 {
		t.Errorf("multi-line tag = %+v", tg)
	}
}

func TestCSVFilesWithoutTheirHeaderFail(t *testing.T) {
	for _, tc := range []struct{ name, csv, err string }{
		{"an empty file", "", "empty file"},
		{"a header without address", "chain,label\nbtc,x\n", "has no address column"},
		{"an unterminated quote in the header", "chain,\"address\n", "header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTagsCSV(strings.NewReader(tc.csv), "t.csv", mainnet)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
	t.Run("an unterminated quote in a row rejects it and ends the file", func(t *testing.T) {
		p, err := ParseTagsCSV(strings.NewReader("chain,address,label\nbtc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,ok\nbtc,\"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy,x\nbtc,x,y\n"), "t.csv", mainnet)
		if err != nil {
			t.Fatal(err)
		}
		wantProblems(t, p.Rejected, `3: CSV: extraneous or missing " in quoted-field`)
		if len(p.Tags) != 1 {
			t.Errorf("tags = %d, want 1", len(p.Tags))
		}
	})
}

// The simulator's companies.csv is the format of record: write one with its
// own writer and read it back.
func TestCompaniesCSVReadsWhatTheSimulatorWrites(t *testing.T) {
	in := []simulate.Company{
		{TruthCompany: simulate.TruthCompany{CompanyID: "C001", Name: "Block Deck Digital Assets Limited", RegistrationNo: "9862851", Jurisdiction: "HK"},
			Status: "active", Domains: []string{"blockdeck.example"}, Aliases: []string{"Block Deck", "Block Deck Digital Assets", "BD"},
			Addresses: []simulate.ChainAddr{{Chain: "btc", Address: "2N64n9tidQDqddDys5eeLPw2u25MowKGjCi"}, {Chain: "eth", Address: "0xbe76254c399f8374295b13b8cb530d8403b68939"}}},
		{TruthCompany: simulate.TruthCompany{CompanyID: "C003", Name: "Vertex Network Foundation OÜ", RegistrationNo: "19998225", Jurisdiction: "EE"},
			Status: "in liquidation", Domains: []string{"vertexnetwork.example", "vertexnetwork-foundation.example"}, Aliases: []string{"Vertex Network", "VN"},
			Addresses: []simulate.ChainAddr{{Chain: "eth", Address: "0x9fb6d91368db9de30d283b53aab682ec5bea5134"}}},
		{TruthCompany: simulate.TruthCompany{CompanyID: "C004", Name: "Quoted \"Name\", Ltd", Jurisdiction: "GB"}, Status: "active"},
	}
	var buf bytes.Buffer
	if err := simulate.WriteCompanies(&buf, in); err != nil {
		t.Fatal(err)
	}
	p, err := ParseCompaniesCSV(&buf, "companies.csv", Addresser{BTC: &chaincfg.RegressionNetParams})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected)
	if len(p.Companies) != len(in) || len(p.Addresses) != 3 {
		t.Fatalf("companies %d, addresses %d", len(p.Companies), len(p.Addresses))
	}
	for i, c := range p.Companies {
		w := in[i]
		if c.CompanyID != w.CompanyID || c.Name != w.Name || c.RegistrationNo != w.RegistrationNo || c.Jurisdiction != w.Jurisdiction ||
			c.Status != w.Status || strings.Join(c.Domains, ";") != strings.Join(w.Domains, ";") ||
			strings.Join(c.Aliases, ";") != strings.Join(w.Aliases, ";") || c.Line != i+2 {
			t.Errorf("company %d = %+v, want %+v", i, c, w)
		}
	}
	if a := p.Addresses[0]; a != (CompanyAddress{Chain: "btc", Address: "2N64n9tidQDqddDys5eeLPw2u25MowKGjCi", CompanyID: "C001", Line: 2}) {
		t.Errorf("address = %+v", a)
	}
	if got := simulate.CompaniesHeader; strings.Join(got, ",") != strings.Join(CompanyColumns, ",") {
		t.Errorf("the simulator writes columns %q, the import documents %q", got, CompanyColumns)
	}
}

func TestCompanyRowsWithAnythingMalformedAreRejectedWhole(t *testing.T) {
	src := "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses\n" +
		"C1,Good Ltd,1,GB,active,good.example,Good,btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa;eth:0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0\n" +
		"C2,Bad Address Ltd,2,GB,active,,,btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa;eth:0x12\n" +
		"C3,Unknown Chain Ltd,3,GB,active,,,doge:DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L\n" +
		"C4,No Chain Ltd,4,GB,active,,,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n" +
		",No Id Ltd,5,GB,active,,,\n" +
		"C6,,6,GB,active,,,\n" +
		"C1,Again Ltd,7,GB,active,,,\n" +
		"C8,Bad Domain Ltd,8,GB,active,not a domain,,\n" +
		"C9,\"Broken \"quote\" Ltd\",9,GB,active,,,\n" +
		"C10,Short Ltd\n" +
		"C11,Fine Ltd,11,SG,dissolved,,,eth:0xbe76254c399f8374295b13b8cb530d8403b68939;eth:0xBE76254C399F8374295B13B8CB530D8403B68939\n"
	p, err := ParseCompaniesCSV(strings.NewReader(src), "reg.csv", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected,
		`3: company C2: addresses: eth address "0x12"`,
		`4: company C3: addresses: unknown chain "doge"`,
		`5: company C4: addresses: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa": want chain:address`,
		"6: no company_id",
		"7: company C6 has no name",
		"8: company_id C1 repeats the one on line 2",
		`9: company C8: domain "not a domain" has no host name`,
		`10: CSV: extraneous or missing " in quoted-field`,
		"11: 2 fields, the header has 8",
	)
	if len(p.Companies) != 2 || p.Companies[0].CompanyID != "C1" || p.Companies[1].CompanyID != "C11" {
		t.Fatalf("companies = %+v", p.Companies)
	}
	if len(p.Addresses) != 3 || p.Addresses[1].Address != "0x29fc9b71492ec63696cf9cd56e9832a42b0dced0" || p.Addresses[2].CompanyID != "C11" {
		t.Errorf("addresses = %+v (the repeated C11 address once)", p.Addresses)
	}
}

func TestCompaniesJSONTakesListsAsArraysOrStrings(t *testing.T) {
	src := `[
  {"company_id": "C1", "name": "Coin Harbor Ltd", "registration_no": "1", "jurisdiction": "SC", "status": "active",
   "domains": ["https://coinharbor.example"], "aliases": "Coin Harbor;CH",
   "addresses": ["btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", {"chain": "eth", "address": "0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0"}]},
  {"company_id": 2, "name": "Numeric Id Ltd"},
  {"company_id": "C3", "name": "Bad Lists Ltd", "aliases": {"a": 1}},
  {"company_id": "C4", "name": "Bad Address Ltd", "addresses": [{"chain": "eth", "address": "0x1"}]},
  "not an object",
  {"company_id": "C6", "name": "Plain Ltd", "extra": "ignored"}
]`
	p, err := ParseCompaniesJSON([]byte(src), "reg.json", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected,
		"5: entry: company_id is a JSON number, want a string",
		"6: company C3: aliases: want an array of strings",
		`7: company C4: addresses: eth address "0x1"`,
		"8: entry: a JSON string, want an object",
	)
	if len(p.Companies) != 2 || len(p.Addresses) != 2 {
		t.Fatalf("companies %+v addresses %+v", p.Companies, p.Addresses)
	}
	c := p.Companies[0]
	if c.Line != 2 || strings.Join(c.Domains, ";") != "coinharbor.example" || strings.Join(c.Aliases, ";") != "Coin Harbor;CH" {
		t.Errorf("company = %+v", c)
	}
	for _, tc := range []struct{ name, json, err string }{
		{"not an array", `{"company_id": "C1"}`, "want a JSON array"},
		{"truncated", `[{"company_id": "C1", "name": "x"},` + "\n" + `{"company_id": `, "line 2: not valid JSON"},
		{"garbage", `nope`, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCompaniesJSON([]byte(tc.json), "reg.json", mainnet)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestOFACListsAreReadInBothFormats(t *testing.T) {
	if got := OFACCurrency("/x/sanctioned_addresses_XBT.txt"); got != "XBT" {
		t.Errorf("OFACCurrency = %q", got)
	}
	if got := OFACCurrency("/x/list.txt"); got != "" {
		t.Errorf("OFACCurrency = %q", got)
	}
	txt := "# OFAC\n123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\n\nTUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq\n123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\n"
	p, err := ParseOFAC([]byte(txt), "sanctioned_addresses_XBT.txt", "XBT", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected, `4: btc address "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq": unknown address type`)
	if p.Format != FormatOFACText || len(p.Sanctions) != 1 || p.Duplicates != 1 ||
		p.Sanctions[0] != (Sanction{Chain: "btc", Address: "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", List: ListOFAC, Currency: "XBT", Line: 2}) {
		t.Errorf("parsed = %+v", p)
	}
	js := "[\n  \"0x175d44451403Edf28469dF03A9280c1197ADb92c\",\n  \"TX8bkDdmGQjNrjJwM1AsShJnJvSsRzHd9f\",\n  42\n]\n"
	p, err = ParseOFAC([]byte(js), "sanctioned_addresses_USDT.json", "usdt", mainnet)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, p.Rejected, "4: entry 42: want a string")
	if p.Format != FormatOFACJSON || len(p.Sanctions) != 1 || len(p.Skipped) != 1 || p.Skipped[0].Line != 3 ||
		p.Sanctions[0] != (Sanction{Chain: "eth", Address: "0x175d44451403edf28469df03a9280c1197adb92c", List: ListOFAC, Currency: "USDT", Line: 2}) {
		t.Errorf("parsed = %+v", p)
	}
	p, err = ParseOFAC([]byte("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n"), "sanctioned_addresses_LTC.txt", "LTC", mainnet)
	if err != nil || len(p.Skipped) != 1 || len(p.Sanctions) != 0 {
		t.Errorf("an LTC list: %+v, %v; want every address skipped", p, err)
	}
	if _, err := ParseOFAC([]byte("x\n"), "list.txt", "", mainnet); err == nil || !strings.Contains(err.Error(), "cannot tell the list's asset") {
		t.Errorf("no currency: err = %v", err)
	}
	if _, err := ParseOFAC([]byte("[\"a\", "), "sanctioned_addresses_ETH.json", "ETH", mainnet); err == nil {
		t.Error("truncated JSON: no error")
	}
}
