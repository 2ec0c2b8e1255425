package investigate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func TestAddressesAreCheckedAndNormalisedPerChain(t *testing.T) {
	for _, tc := range []struct {
		name, chain, in string
		wantChain, want string
		err             error
	}{
		{"an eth address is folded to lower case", "", " 0xAbCDEF0123456789abcdef0123456789ABCDEF01 ", "eth", "0xabcdef0123456789abcdef0123456789abcdef01", nil},
		{"a mainnet p2pkh address is btc", "", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", nil},
		{"a regtest bech32 address is btc", "", "bcrt1qddxxhgxc56xgzf40qtp7vcp7h0rz8p03m3dvh3", "btc", "bcrt1qddxxhgxc56xgzf40qtp7vcp7h0rz8p03m3dvh3", nil},
		{"bech32 in upper case is stored in lower case", "", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", nil},
		{"a short eth address is malformed", "", "0x1234", "", "", ErrMalformed},
		{"a bad checksum is malformed", "", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "", "", ErrMalformed},
		{"a raw public key is not an address", "", "02a1633cafcc01ebfb6d78e39f687a1f0995c62fc95f51ead10a02ee0be551b5dc", "", "", ErrMalformed},
		{"SQL is not an address", "", "1' OR '1'='1", "", "", ErrMalformed},
		{"an eth address named btc is malformed", "btc", "0xabcdef0123456789abcdef0123456789abcdef01", "", "", ErrMalformed},
		{"an unknown chain", "doge", "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", "", "", ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, got, err := Normalize(tc.chain, tc.in)
			if !errors.Is(err, tc.err) || ch != tc.wantChain || got != tc.want {
				t.Errorf("Normalize(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.chain, tc.in, ch, got, err, tc.wantChain, tc.want, tc.err)
			}
		})
	}
}

func TestNetworksOfBitcoinAddressesAreToldApart(t *testing.T) {
	if sameNetwork("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "mjNGLRYDyCHAGgfuhSSbz3MJUY2y267XFN") {
		t.Error("a mainnet and a testnet-prefix address are on one network")
	}
	if !sameNetwork("mjNGLRYDyCHAGgfuhSSbz3MJUY2y267XFN", "bcrt1qddxxhgxc56xgzf40qtp7vcp7h0rz8p03m3dvh3") {
		t.Error("a base58 testnet-prefix address and a regtest bech32 address can share regtest")
	}
}

func TestValuesPrintWithoutFloatNoise(t *testing.T) {
	for in, want := range map[float64]string{0.1 + 0.2: "0.3", 14.62: "14.62", 50: "50", 0.00000001: "0.00000001", 0: "0", 1e6: "1000000"} {
		if got := FormatValue(in); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", in, got, want)
		}
	}
}

func testFlow() *Flow {
	return &Flow{Chain: "eth", Root: 7, Direction: Both, Hops: 1, Limit: 20,
		Nodes: []*Node{
			{Chain: "eth", ClusterID: 7, Size: 3, Score: &Score{Score: 61.5, Kind: "ponzi"}, Companies: []CompanyLink{{CompanyID: "C1", Name: `Acme "Yield" <Ltd>`}}},
			{Chain: "eth", ClusterID: 9, Size: 1},
		},
		Edges: []Edge{{Hop: 1, From: 9, To: 7, Asset: "ETH", Unit: "ETH", Transfers: 2, Value: 1.5, TxIDs: []string{"0xaa", "0xbb"}}},
	}
}

func TestTheGraphIsValidDOTAndGEXF(t *testing.T) {
	var dot bytes.Buffer
	if err := WriteDOT(&dot, testFlow()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`digraph "chainsleuth eth cluster 7" {`, `c7 [label="eth cluster 7: Acme \"Yield\" <Ltd> (ponzi)", cluster_size=3, score=61.5, peripheries=2];`,
		`c9 -> c7 [label="1.5 ETH (2)", hop=1, txids="0xaa 0xbb"];`} {
		if !strings.Contains(dot.String(), want) {
			t.Errorf("dot lacks %s:\n%s", want, dot.String())
		}
	}
	var gexf bytes.Buffer
	if err := WriteGEXF(&gexf, testFlow()); err != nil {
		t.Fatal(err)
	}
	var g struct {
		Nodes []struct {
			ID    string `xml:"id,attr"`
			Label string `xml:"label,attr"`
		} `xml:"graph>nodes>node"`
		Edges []struct {
			Source string `xml:"source,attr"`
			Target string `xml:"target,attr"`
			Weight string `xml:"weight,attr"`
		} `xml:"graph>edges>edge"`
	}
	if err := xml.Unmarshal(gexf.Bytes(), &g); err != nil {
		t.Fatalf("gexf does not parse: %v\n%s", err, gexf.String())
	}
	if len(g.Nodes) != 2 || g.Nodes[0].Label != `eth cluster 7: Acme "Yield" <Ltd> (ponzi)` || len(g.Edges) != 1 ||
		g.Edges[0].Source != "9" || g.Edges[0].Target != "7" || g.Edges[0].Weight != "2" {
		t.Errorf("gexf: %+v", g)
	}
}

// Every statement of the package binds its values by name: an address full of SQL is one quoted literal.
func TestValuesAreBoundAsQuotedLiterals(t *testing.T) {
	evil := `x' OR '1'='1'); DROP TABLE transfers; --\`
	got, err := store.Bind(seenSQL, named("btc", "address", evil)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `address = 'x\' OR \'1\'=\'1\'); DROP TABLE transfers; --\\'`) {
		t.Errorf("the address is not one escaped literal:\n%s", got)
	}
}
