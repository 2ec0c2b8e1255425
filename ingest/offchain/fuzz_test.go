package offchain

import (
	"bytes"
	"path"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
)

// seedFile adds the first max bytes of a real-data file (cut at a line end)
// to the corpus; without the real data the hand-made seeds stand alone.
func seedFile(f *testing.F, rel string, max int) {
	dir, err := realdata.Find()
	if err != nil {
		return
	}
	data, err := realdata.ReadFile(dir, rel)
	if err != nil {
		f.Fatalf("seed %s: %v", rel, err)
	}
	if len(data) > max {
		data = data[:bytes.LastIndexByte(data[:max], '\n')+1]
	}
	f.Add(data)
}

// checkParsed checks what every parser promises whatever its input: the rows
// build batches whose columns are all as long as the batch, every stored
// address is already in the form Normalize gives, every problem has a line,
// and text is valid UTF-8 where the store needs it.
func checkParsed(t *testing.T, p *Parsed, a Addresser) {
	t.Helper()
	for _, b := range p.batches(stamp{file: "f", version: 1, at: time.Unix(0, 0)}) {
		if len(b.Columns) != len(b.Data) {
			t.Fatalf("%s: %d columns, %d data slices", b.Table, len(b.Columns), len(b.Data))
		}
		for i, d := range b.Data {
			if reflect.ValueOf(d).Len() != b.Len() {
				t.Fatalf("%s: column %s has %d rows, the batch %d", b.Table, b.Columns[i], reflect.ValueOf(d).Len(), b.Len())
			}
		}
	}
	normal := func(chainName, addr string) {
		if got, err := a.Normalize(chainName, addr); err != nil || got != addr {
			t.Fatalf("stored %s address %q normalises to %q, %v", chainName, addr, got, err)
		}
	}
	for _, x := range p.Tags {
		normal(x.Chain, x.Address)
	}
	for _, x := range p.Addresses {
		normal(x.Chain, x.Address)
	}
	for _, x := range p.Sanctions {
		normal(x.Chain, x.Address)
	}
	for _, pr := range append(append([]Problem{}, p.Rejected...), p.Skipped...) {
		if pr.Line < 0 || pr.Reason == "" {
			t.Fatalf("problem without line or reason: %+v", pr)
		}
	}
}

// FuzzParseYAML: TagPacks and ActorPacks, real ones as seeds.
func FuzzParseYAML(f *testing.F) {
	for _, pack := range []string{"BITB_etf", "africrypt-hack", "etherhiding", "sinbad_io", "coinjoin_bounty", "protonmail"} {
		seedFile(f, path.Join("graphsense-tagpacks/packs", pack+".yaml"), 1<<12)
	}
	seedFile(f, "graphsense-tagpacks/actors/graphsense.actorpack.yaml", 1<<12)
	f.Add([]byte(tagPackHeader + "- address: 3BMEXbSSrK2K7cRgqxrtqUWfxowBBrW1BE\n- address: '0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0'\n  currency: ETH\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseYAML(data, "pack.yaml", mainnet)
		if err != nil {
			return
		}
		checkParsed(t, p, mainnet)
	})
}

// FuzzParseTagsCSV: plain CSV tags.
func FuzzParseTagsCSV(f *testing.F) {
	f.Add([]byte("chain,address,label,category,source,actor,confidence,abuse\n" +
		"btc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,Satoshi,miner,https://x,satoshi,100,\n" +
		"eth,0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0,Dev,exchange,,,web_crawl,ponzi\n" +
		"ltc,LQ3B5Y4jw8CezQRq8KqSprPzpLxVYdMvst,x\n\"broken,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseTagsCSV(bytes.NewReader(data), "tags.csv", mainnet)
		if err != nil {
			return
		}
		checkParsed(t, p, mainnet)
	})
}

// FuzzParseCompanies: company registries as CSV (as the simulator writes
// them) and JSON; the same bytes go through both parsers.
func FuzzParseCompanies(f *testing.F) {
	var csv bytes.Buffer
	_ = simulate.WriteCompanies(&csv, []simulate.Company{
		{TruthCompany: simulate.TruthCompany{CompanyID: "C001", Name: "Block Deck Digital Assets Limited", RegistrationNo: "9862851", Jurisdiction: "HK"},
			Status: "active", Domains: []string{"blockdeck.example"}, Aliases: []string{"Block Deck", "BD"},
			Addresses: []simulate.ChainAddr{{Chain: "btc", Address: "2N64n9tidQDqddDys5eeLPw2u25MowKGjCi"}, {Chain: "eth", Address: "0xbe76254c399f8374295b13b8cb530d8403b68939"}}},
		{TruthCompany: simulate.TruthCompany{CompanyID: "C004", Name: "Quoted \"Name\", Ltd", Jurisdiction: "GB"}, Status: "active"},
	})
	f.Add(csv.Bytes())
	f.Add([]byte(`[{"company_id":"C1","name":"Good Ltd","domains":["good.example"],"aliases":["Good"],` +
		`"addresses":[{"chain":"btc","address":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},"eth:0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0"]},` +
		`{"company_id":"C2","name":""},{"company_id":3}]`))
	regtest := Addresser{BTC: &chaincfg.RegressionNetParams}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ParseCompaniesCSV(bytes.NewReader(data), "companies.csv", regtest); err == nil {
			checkParsed(t, p, regtest)
		}
		if p, err := ParseCompaniesJSON(data, "companies.json", regtest); err == nil {
			checkParsed(t, p, regtest)
		}
	})
}

// FuzzParseOFAC: OFAC lists, text and JSON, for Bitcoin, Ethereum and a
// stablecoin.
func FuzzParseOFAC(f *testing.F) {
	for _, list := range []string{"XBT.txt", "XBT.json", "ETH.txt", "ETH.json"} {
		seedFile(f, "ofac-sanctioned-addresses/sanctioned_addresses_"+list, 1<<11)
	}
	f.Add([]byte("# comment\n\n1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n0x12\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cur := range []string{"XBT", "ETH", "USDT"} {
			if p, err := ParseOFAC(data, "sanctioned_addresses_"+cur+".txt", cur, mainnet); err == nil {
				checkParsed(t, p, mainnet)
			}
		}
	})
}

// FuzzNormalizeAddress: address parsing for both chains never panics; an
// accepted address is returned in a form that is accepted again unchanged,
// holds no space, and an Ethereum one is 0x and 40 lower-case hex digits.
func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
		"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "mzYzZXvZw7rzy8kTqRUKBZAHcxKFTtmujQ",
		"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "0x29fC9B71492ec63696Cf9cd56e9832A42B0dCED0",
		"0X29FC9B71492EC63696CF9CD56E9832A42B0DCED0", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "' OR 1=1 --"} {
		f.Add(s)
	}
	nets := []Addresser{mainnet, {BTC: &chaincfg.RegressionNetParams}, {BTC: &chaincfg.TestNet3Params}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, chainName := range []string{"btc", "eth"} {
			for _, a := range nets {
				got, err := a.Normalize(chainName, s)
				if err != nil {
					if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
						t.Fatalf("error %q is not UTF-8", err)
					}
					continue
				}
				if strings.ContainsAny(got, " \t\r\n") || got == "" {
					t.Fatalf("Normalize(%s, %q) = %q", chainName, s, got)
				}
				if again, err := a.Normalize(chainName, got); err != nil || again != got {
					t.Fatalf("Normalize(%s, %q) = %q, but that normalises to %q, %v", chainName, s, got, again, err)
				}
				if chainName == "eth" && (len(got) != 42 || got != strings.ToLower(got)) {
					t.Fatalf("eth address %q from %q", got, s)
				}
			}
		}
		_, _ = ChainOf(s)
		_, _ = ChainForCurrency(s, s)
	})
}
