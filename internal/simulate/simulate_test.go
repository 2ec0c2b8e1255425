package simulate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func testParams(t testing.TB) Params {
	t.Helper()
	p, err := ParamsFor(Small)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dryRun builds a world without nodes and returns it with its two files as written.
func dryRun(t testing.TB, seed uint64, p Params, btc, eth bool) (*Result, []byte, []byte) {
	t.Helper()
	res, err := Run(context.Background(), Config{Seed: seed, Params: p, DryRun: true, BTC: btc, ETH: eth})
	if err != nil {
		t.Fatalf("dry run of seed %d: %v", seed, err)
	}
	return res, truthBytes(t, res), companiesBytes(t, res)
}

func truthBytes(t testing.TB, res *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTruth(&b, res.Truth); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func companiesBytes(t testing.TB, res *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCompanies(&b, res.Companies); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func addressSet(tr *Truth) map[string]bool {
	m := map[string]bool{}
	for k := range tr.Owners() {
		m[k] = true
	}
	return m
}

func TestOneSeedGivesTheSameTruthTwice(t *testing.T) {
	p := testParams(t)
	_, t1, c1 := dryRun(t, 11, p, true, true)
	_, t2, c2 := dryRun(t, 11, p, true, true)
	if !bytes.Equal(t1, t2) {
		t.Error("two dry runs of seed 11 wrote different truth.json")
	}
	if !bytes.Equal(c1, c2) {
		t.Error("two dry runs of seed 11 wrote different companies.csv")
	}
}

func TestTwoSeedsGiveDifferentWorlds(t *testing.T) {
	p := testParams(t)
	a, _, ca := dryRun(t, 11, p, true, true)
	b, _, cb := dryRun(t, 12, p, true, true)
	sa, sb := addressSet(a.Truth), addressSet(b.Truth)
	shared := 0
	for k := range sa {
		if sb[k] {
			shared++
		}
	}
	if shared > 0 {
		t.Errorf("seeds 11 and 12 share %d of their %d and %d addresses", shared, len(sa), len(sb))
	}
	if bytes.Equal(ca, cb) {
		t.Error("seeds 11 and 12 wrote the same company registry")
	}
	if a.BTC.Txs == b.BTC.Txs && a.ETH.Txs == b.ETH.Txs && slices.Equal(a.BTC.Collectors[0].PaymentsByRound, b.BTC.Collectors[0].PaymentsByRound) {
		t.Error("seeds 11 and 12 made the same numbers of transactions and collector payments")
	}
}

func TestLeavingAChainOutKeepsTheOtherChainAsItIs(t *testing.T) {
	p := testParams(t)
	both, _, _ := dryRun(t, 3, p, true, true)
	btcOnly, _, _ := dryRun(t, 3, p, true, false)
	ethOnly, _, _ := dryRun(t, 3, p, false, true)
	only := func(tr *Truth, chain string) []string {
		var out []string
		for _, e := range tr.Entities {
			for _, a := range append(e.Addresses, e.Contracts...) {
				if a.Chain == chain {
					out = append(out, e.ID+" "+a.Address)
				}
			}
		}
		return out
	}
	if !slices.Equal(only(both.Truth, "btc"), only(btcOnly.Truth, "btc")) {
		t.Error("the Bitcoin side changes when Ethereum is left out")
	}
	if !slices.Equal(only(both.Truth, "eth"), only(ethOnly.Truth, "eth")) {
		t.Error("the Ethereum side changes when Bitcoin is left out")
	}
	if len(only(btcOnly.Truth, "eth")) != 0 || len(only(ethOnly.Truth, "btc")) != 0 {
		t.Error("a chain left out still has addresses in the truth")
	}
	for _, e := range ethOnly.Truth.Entities {
		if e.Kind == KindCoinJoinRound || strings.HasPrefix(e.ID, "ponzi-btc") {
			t.Errorf("%s (a Bitcoin-only entity) is in the truth of an Ethereum-only world", e.ID)
		}
	}
}

// TestTruthKeepsItsShape checks truth.json key by key, since tests and tools of other packages read it,
// and the invariants they rely on.
func TestTruthKeepsItsShape(t *testing.T) {
	p := testParams(t)
	res, raw, csvRaw := dryRun(t, 5, p, true, true)
	keys := func(m map[string]json.RawMessage) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	if got := keys(top); got != "companies,entities,seed" {
		t.Fatalf("top-level keys %s", got)
	}
	var entities []map[string]json.RawMessage
	if err := json.Unmarshal(top["entities"], &entities); err != nil {
		t.Fatal(err)
	}
	for _, e := range entities {
		if got := keys(e); got != "addresses,company_id,contracts,fundraising,id,kind" {
			t.Fatalf("entity keys %s", got)
		}
	}
	var companies []map[string]json.RawMessage
	if err := json.Unmarshal(top["companies"], &companies); err != nil {
		t.Fatal(err)
	}
	for _, c := range companies {
		if got := keys(c); got != "company_id,jurisdiction,name,registration_no" {
			t.Fatalf("company keys %s", got)
		}
	}

	kinds := map[string]bool{KindExchange: true, KindOTC: true, KindTokenSale: true, KindPonzi: true, KindAirdropSource: true,
		KindAirdropFarmer: true, KindRetail: true, KindCoinJoinRound: true}
	seenKinds := map[string]int{}
	owner := map[string]string{}
	companyIDs := map[string]bool{}
	for _, c := range res.Truth.Companies {
		companyIDs[c.CompanyID] = true
	}
	for _, e := range res.Truth.Entities {
		if !kinds[e.Kind] {
			t.Errorf("%s: unknown kind %q", e.ID, e.Kind)
		}
		seenKinds[e.Kind]++
		if want := e.Kind == KindTokenSale || e.Kind == KindPonzi; e.Fundraising != want {
			t.Errorf("%s (%s): fundraising %v", e.ID, e.Kind, e.Fundraising)
		}
		if e.CompanyID != nil && !companyIDs[*e.CompanyID] {
			t.Errorf("%s: company %s is not in the registry", e.ID, *e.CompanyID)
		}
		if e.Kind != KindCoinJoinRound && len(e.Addresses) == 0 {
			t.Errorf("%s: no addresses", e.ID)
		}
		for _, a := range append(e.Addresses, e.Contracts...) {
			k := a.Chain + ":" + a.Address
			if prev, ok := owner[k]; ok {
				t.Errorf("%s belongs to both %s and %s", k, prev, e.ID)
			}
			owner[k] = e.ID
			if a.Chain == "eth" && (a.Address != strings.ToLower(a.Address) || len(a.Address) != 42) {
				t.Errorf("%s: Ethereum address %s is not lowercase 0x-hex", e.ID, a.Address)
			}
		}
	}
	for _, k := range []string{KindExchange, KindOTC, KindTokenSale, KindPonzi, KindAirdropSource, KindAirdropFarmer, KindRetail, KindCoinJoinRound} {
		if seenKinds[k] == 0 {
			t.Errorf("no entity of kind %s", k)
		}
	}
	for _, id := range []string{"exchange-1", "token-sale-1", "token-sale-2", "ponzi-btc-1", "ponzi-eth-1", "airdrop-1"} {
		if e := res.Truth.Entity(id); e == nil || e.CompanyID == nil {
			t.Errorf("%s has no company", id)
		}
	}

	// companies.csv: the import's columns, one row per company, addresses of the company's own entity.
	rows, err := csv.NewReader(bytes.NewReader(csvRaw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "company_id,name,registration_no,jurisdiction,status,domains,aliases,addresses" {
		t.Fatalf("companies.csv header %s", got)
	}
	if len(rows)-1 != len(res.Truth.Companies) {
		t.Fatalf("companies.csv has %d rows, the truth %d companies", len(rows)-1, len(res.Truth.Companies))
	}
	entityOf := map[string]string{}
	for _, e := range res.Truth.Entities {
		if e.CompanyID != nil {
			entityOf[*e.CompanyID] = e.ID
		}
	}
	for _, row := range rows[1:] {
		if row[1] == "" || row[2] == "" || row[3] == "" || row[4] == "" || row[5] == "" || row[6] == "" || row[7] == "" {
			t.Errorf("company %s has an empty field: %q", row[0], row)
		}
		for _, a := range strings.Split(row[7], ";") {
			if owner[a] != entityOf[row[0]] {
				t.Errorf("company %s lists %s, which belongs to %q, not %s", row[0], a, owner[a], entityOf[row[0]])
			}
		}
	}
}

func TestCollectorPayersGrowFastOverTime(t *testing.T) {
	p := testParams(t)
	res, _, _ := dryRun(t, 21, p, true, true)
	for _, c := range append(res.BTC.Collectors, res.ETH.Collectors...) {
		first, last := p.Rounds/5, p.Rounds-2
		third := (last - first + 1) / 3
		var early, late int
		for r := first; r < first+third; r++ {
			early += c.PaymentsByRound[r]
		}
		for r := last - third + 1; r <= last; r++ {
			late += c.PaymentsByRound[r]
		}
		if late < 3*max(early, 1) {
			t.Errorf("%s: %d payments in the first third of its rounds, %d in the last: no fast growth", c.Entity, early, late)
		}
		if c.Payers < p.CollectorPayers*3/4 || c.Payouts == 0 || c.CashOuts < 2 {
			t.Errorf("%s: %d payers, %d payouts, %d cash-outs", c.Entity, c.Payers, c.Payouts, c.CashOuts)
		}
	}
}

func TestMediumScaleMakesAtLeast20000Transactions(t *testing.T) {
	if testing.Short() {
		t.Skip("signs 20,000 transactions")
	}
	p, err := ParamsFor(Medium)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, _, _ := dryRun(t, 1, p, true, true)
	if n := res.BTC.Txs + res.ETH.Txs; n < 20_000 {
		t.Errorf("medium makes %d transactions (btc %d, eth %d)", n, res.BTC.Txs, res.ETH.Txs)
	}
	t.Logf("medium, dry: btc %d + eth %d transactions in %s", res.BTC.Txs, res.ETH.Txs, time.Since(start).Round(time.Millisecond))
}
