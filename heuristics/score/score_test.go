package score

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// world builds flows in block order with a small vocabulary: clusters are
// numbers, addresses "aN" for cluster N.
type world struct {
	flows []Flow
	tx    int
}

func (w *world) pay(height uint64, from, to int64, value float64) uint64 {
	w.tx++
	w.flows = append(w.flows, Flow{Height: height, Unix: int64(height) * 600, Tx: uint64(w.tx),
		FromCluster: from, ToCluster: to, Asset: "ETH", Value: value})
	return uint64(w.tx)
}

func (w *world) token(height uint64, tx uint64, from, to int64, value float64) {
	f := Flow{Height: height, Tx: tx, FromCluster: from, ToCluster: to, Asset: "0xtoken", Value: value, Token: true}
	if from == NoCluster {
		f.Mint = true
	}
	w.flows = append(w.flows, f)
}

func (w *world) compute(t *testing.T, ctx Context, cfg Config) map[int64]*Features {
	t.Helper()
	feats, err := Compute(SliceFlows(w.flows), len(w.flows), ctx, cfg, "eth")
	if err != nil {
		t.Fatal(err)
	}
	return feats
}

func testConfig() Config {
	c := DefaultConfig()
	c.PeriodBlocks = map[string]uint64{"eth": 10}
	return c
}

func scoreOf(scores []Score, c int64) Score {
	for _, s := range scores {
		if s.Cluster == c {
			return s
		}
	}
	return Score{}
}

func TestTheEmbeddedConfigIsValidAndBadOnesAreRefused(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		edit func(*Config)
	}{
		{"no version", func(c *Config) { c.Version = "" }},
		{"a negative weight", func(c *Config) { c.Weights.Growth = -1 }},
		{"all weights zero", func(c *Config) { c.Weights = Weights{} }},
		{"an alert ratio of 1", func(c *Config) { c.Growth.AlertRatio = 1 }},
		{"a period of 0 blocks", func(c *Config) { c.PeriodBlocks["btc"] = 0 }},
		{"a window without unit", func(c *Config) { c.Window = "30" }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			if c.Validate() == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestACrowdsaleMintingToEachBuyerIsATokenSale(t *testing.T) {
	var w world
	const sale = 1000
	for i := int64(1); i <= 20; i++ {
		tx := w.pay(uint64(10+i), i, sale, 0.5)
		w.token(uint64(10+i), tx, NoCluster, i, 500)
	}
	w.pay(40, sale, 2000, 10) // forwards to a treasury
	scores, _ := EvaluateAll(w.compute(t, Context{}, testConfig()), testConfig(), "eth")
	s := scoreOf(scores, sale)
	if s.Kind != KindTokenSale || s.Components.Issuance != 1 || s.Features.IssuedHow != "minted in the payment's transaction" {
		t.Fatalf("kind %q issuance %.2f (%s); want a token sale minting to every buyer", s.Kind, s.Components.Issuance, s.Features.IssuedHow)
	}
	if scores[0].Cluster != sale {
		t.Errorf("the sale is not the top score: %+v", scores[0])
	}
	if !strings.Contains(strings.Join(s.Reasons, "; "), "tokens went back to 20 of 20 payers") {
		t.Errorf("reasons %q", s.Reasons)
	}
}

func TestAManualSaleIsFoundThroughItsOneIssuer(t *testing.T) {
	var w world
	const collector, issuer = 1000, 1001
	for i := int64(1); i <= 12; i++ {
		w.pay(uint64(10+i), i, collector, 1)
	}
	for i := int64(1); i <= 12; i++ {
		w.token(50, uint64(1000+i), issuer, i, 100)
	}
	scores, _ := EvaluateAll(w.compute(t, Context{}, testConfig()), testConfig(), "eth")
	s := scoreOf(scores, collector)
	if s.Kind != KindTokenSale || s.Features.IssuedPayers != 12 || s.Features.IssuedHow != "sent by one issuer" {
		t.Errorf("kind %q, %d payers issued (%s); want a token sale with one issuer for all 12", s.Kind, s.Features.IssuedPayers, s.Features.IssuedHow)
	}
}

func TestAPonziPaysEarlierPayersGrowsFastAndRaisesAnAlert(t *testing.T) {
	var w world
	const ponzi = 1000
	payer := int64(1)
	// New payers per 10-block period: 1, 1, 2, 2, 3, 12.
	for period, n := range []int{1, 1, 2, 2, 3, 12} {
		for range n {
			w.pay(uint64(period*10+1), payer, ponzi, 0.05)
			payer++
		}
	}
	for p := int64(1); p <= 6; p++ { // payouts to the first payers from later money
		w.pay(55, ponzi, p, 0.06)
	}
	cfg := testConfig()
	s, alerts := Evaluate(w.compute(t, Context{}, cfg)[ponzi], cfg, "eth", false)
	if s.Kind != KindPonzi || s.Features.PaybackPayers != 6 || s.Components.Payback != 1 {
		t.Errorf("kind %q, %d payers paid back, payback %.2f; want a Ponzi paying back 6 earlier payers with all its outflow", s.Kind, s.Features.PaybackPayers, s.Components.Payback)
	}
	if len(alerts) != 1 || alerts[0].PeriodStart != 50 || alerts[0].NewPayers != 12 || alerts[0].Severity != "high" {
		t.Fatalf("alerts %+v; want one high alert for the 12 new payers of blocks 50-59", alerts)
	}
	if a := alerts[0]; math.Abs(a.Baseline-1.8) > 1e-9 || math.Abs(a.Ratio-12/1.8) > 1e-9 {
		t.Errorf("baseline %.2f ratio %.2f; want the mean of the five periods before (1.8) and 12/1.8", a.Baseline, a.Ratio)
	}
}

func TestSteadyPaymentsRaiseNoAlert(t *testing.T) {
	var w world
	const shop = 1000
	payer := int64(1)
	for period := range 8 {
		for range 6 {
			w.pay(uint64(period*10+2), payer, shop, 0.05)
			payer++
		}
	}
	cfg := testConfig()
	if _, alerts := Evaluate(w.compute(t, Context{}, cfg)[shop], cfg, "eth", false); len(alerts) != 0 {
		t.Errorf("alerts %+v for six new payers in every period", alerts)
	}
}

func TestAnExchangeIsScoredDownAndItsDepositsAreCashOuts(t *testing.T) {
	var w world
	const exchange, collector = 500, 1000
	for i := int64(1); i <= 10; i++ {
		w.pay(uint64(i), i, collector, 0.1)
	}
	w.pay(20, collector, exchange, 0.9)
	cfg := testConfig()
	ctx := Context{DepositLinks: map[int64]int{exchange: 12}}
	feats := w.compute(t, ctx, cfg)
	scores, _ := EvaluateAll(feats, cfg, "eth")
	c := scoreOf(scores, collector)
	if c.Components.Cashout != 1 || c.Features.HoldBlocks != 20-6 {
		t.Errorf("collector cash-out %.2f after %d blocks; want all its outflow to the exchange, 14 blocks after the mean inflow height (5.5)", c.Components.Cashout, c.Features.HoldBlocks)
	}
	if e := scoreOf(scores, exchange); e.Kind != KindExchange || e.KindConfidence != 0.8 {
		t.Errorf("exchange: kind %q confidence %.1f", e.Kind, e.KindConfidence)
	}
}

func TestFewPayersGateTheScore(t *testing.T) {
	var w world
	w.pay(1, 1, 1000, 0.1)
	w.pay(2, 1000, 1, 0.2)
	scores, _ := EvaluateAll(w.compute(t, Context{}, testConfig()), testConfig(), "eth")
	if s := scoreOf(scores, 1000); s.Score > 15 {
		t.Errorf("a cluster with one payer scores %.1f", s.Score)
	}
}

// Counts by period keep increasing period order and the time of each
// period's first count, whether flows come in block order or not: through
// PeriodCounts.Add, and through a cluster's features in pass 1 (the current
// period held apart, appended while periods only grow).
func TestPeriodCountsKeepOrderAndEachPeriodsFirstTime(t *testing.T) {
	at := func(s int) int64 { return int64(s) }
	type add struct {
		p uint64
		s int
	}
	for _, tc := range []struct {
		adds []add
		want PeriodCounts
	}{
		{[]add{{5, 50}, {5, 51}, {7, 70}, {3, 30}, {7, 71}, {5, 52}, {3, 31}, {9, 90}},
			PeriodCounts{{Period: 3, N: 2, Unix: 30}, {Period: 5, N: 3, Unix: 50},
				{Period: 7, N: 2, Unix: 70}, {Period: 9, N: 1, Unix: 90}}},
		{[]add{{2, 20}, {2, 21}, {4, 40}, {6, 60}, {6, 61}, {6, 62}},
			PeriodCounts{{Period: 2, N: 2, Unix: 20}, {Period: 4, N: 1, Unix: 40}, {Period: 6, N: 3, Unix: 60}}},
		{[]add{{2, 20}, {4, 40}, {6, 60}, {4, 41}, {8, 80}, {1, 10}},
			PeriodCounts{{Period: 1, N: 1, Unix: 10}, {Period: 2, N: 1, Unix: 20}, {Period: 4, N: 2, Unix: 40},
				{Period: 6, N: 1, Unix: 60}, {Period: 8, N: 1, Unix: 80}}},
	} {
		var c PeriodCounts
		f := newFeatures(1)
		for _, a := range tc.adds {
			c.Add(a.p, at(a.s))
			f.addNewPayer(a.p, at(a.s))
		}
		f.flushNewPayers()
		if !slices.Equal(c, tc.want) {
			t.Errorf("counts %v, want %v", c, tc.want)
		}
		if !slices.Equal(f.NewPayers, tc.want) {
			t.Errorf("features' new payers %v, want %v", f.NewPayers, tc.want)
		}
	}
}

// Height 0 is a height like any other: a payment there is a cluster's first.
func TestAPaymentAtHeightZeroIsTheFirst(t *testing.T) {
	var w world
	w.pay(0, 1, 1000, 1)
	w.pay(5, 2, 1000, 1)
	if f := w.compute(t, Context{}, testConfig())[1000]; f.FirstHeight != 0 || f.LastHeight != 5 {
		t.Errorf("first height %d, last %d; want 0 and 5", f.FirstHeight, f.LastHeight)
	}
}

// EvaluateAll gives the same scores and alerts, in the same order, whether it
// evaluates the clusters in one goroutine or in several.
func TestEvaluateAllGivesTheSameInPartsAsInOne(t *testing.T) {
	const clusters = 5_000
	r := rand.New(rand.NewPCG(9, 9))
	flows := make([]Flow, 200_000)
	for i := range flows {
		h := uint64(i / 500)
		// Receivers skewed to a few clusters, so that some raise alerts.
		to := r.IntN(clusters)
		if i%3 == 0 {
			to = r.IntN(20)
		}
		flows[i] = Flow{Height: h, Unix: 1500000000 + int64(h)*600, Tx: uint64(i), FromCluster: int64(r.IntN(clusters)),
			ToCluster: int64(to), Asset: "BTC", Value: float64(r.IntN(1000)) / 100}
	}
	cfg := DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{"btc": 20}
	feats, err := Compute(SliceFlows(flows), len(flows), Context{}, cfg, "btc")
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	oneScores, oneAlerts := EvaluateAll(feats, cfg, "btc")
	runtime.GOMAXPROCS(4)
	scores, alerts := EvaluateAll(feats, cfg, "btc")
	if len(oneScores) < clusters/2 || len(oneAlerts) == 0 {
		t.Fatalf("%d scores and %d alerts: the test needs more of both", len(oneScores), len(oneAlerts))
	}
	if !reflect.DeepEqual(scores, oneScores) || !reflect.DeepEqual(alerts, oneAlerts) {
		t.Fatalf("in 4 parts: %d scores, %d alerts; in one: %d, %d, or the same counts in another order", len(scores), len(alerts), len(oneScores), len(oneAlerts))
	}
}
