package score

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// Kinds a cluster can be detected as.
const (
	KindExchange  = "exchange"
	KindTokenSale = "token_sale"
	KindPonzi     = "ponzi"
	KindCollector = "collector"
)

// Components of a score, each in [0, 1].
type Components struct {
	Payers      float64 `json:"payers"`
	SmallTicket float64 `json:"small_ticket"`
	Growth      float64 `json:"growth"`
	Issuance    float64 `json:"issuance"`
	Payback     float64 `json:"payback"`
	Cashout     float64 `json:"cashout"`
	Sanction    float64 `json:"sanction"`
	Company     float64 `json:"company"`
}

// Score is a cluster's fundraising-flow score with what it is made of.
type Score struct {
	Cluster        int64
	Score          float64 // 0–100
	Kind           string
	KindConfidence float64
	Evidence       map[string]any
	Components     Components
	GrowthRatio    float64
	Reasons        []string
	Features       *Features
}

// Alert is an early warning: new payers in one period far above the
// cluster's own baseline.
type Alert struct {
	Cluster                int64
	PeriodStart, PeriodEnd uint64 // heights
	PeriodTime             time.Time
	NewPayers              int
	Baseline               float64
	Ratio                  float64
	Severity               string // "medium" or "high"
}

// growth walks a cluster's periods in order and returns the largest ratio of
// new payers to the mean of the periods before it, over eligible periods,
// and an alert for every period at or above the alert ratio.
func growth(f *Features, cfg Config, period uint64) (best float64, bestPeriod uint64, alerts []Alert) {
	if len(f.NewPayers) == 0 {
		return 0, 0, nil
	}
	first := f.FirstHeight / period
	last := f.LastHeight / period
	g := cfg.Growth
	sum, next := 0, 0 // next: the first count of f.NewPayers not behind p
	for p := first; p <= last; p++ {
		for next < len(f.NewPayers) && f.NewPayers[next].Period < p {
			next++
		}
		n, at := 0, time.Time{}
		if next < len(f.NewPayers) && f.NewPayers[next].Period == p {
			n, at = f.NewPayers[next].N, time.Unix(f.NewPayers[next].Unix, 0).UTC()
		}
		seen := int(p - first)
		if seen >= g.BaselinePeriods && n >= g.MinNewPayers {
			baseline := max(float64(sum)/float64(seen), g.MinBaseline)
			ratio := float64(n) / baseline
			if ratio > best {
				best, bestPeriod = ratio, p
			}
			if ratio >= g.AlertRatio {
				sev := "medium"
				if ratio >= g.HighRatio {
					sev = "high"
				}
				alerts = append(alerts, Alert{Cluster: f.Cluster, PeriodStart: p * period, PeriodEnd: (p+1)*period - 1,
					PeriodTime: at, NewPayers: n, Baseline: float64(sum) / float64(seen), Ratio: ratio, Severity: sev})
			}
		}
		sum += n
	}
	return best, bestPeriod, alerts
}

// share is part/total over assets, each asset weighing the same (values of
// different assets are not added up).
func share(part, total AssetValues) float64 {
	var s float64
	var n int
	for _, t := range total {
		if t.Value <= 0 {
			continue
		}
		s += min(part.Get(t.Asset)/t.Value, 1)
		n++
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// Evaluate turns a cluster's features into its score, kind, reasons and
// alerts.
func Evaluate(f *Features, cfg Config, chainName string, exchange bool) (Score, []Alert) {
	period := max(cfg.PeriodBlocks[chainName], 1)
	s := Score{Cluster: f.Cluster, Features: f, Evidence: map[string]any{}}
	c := &s.Components
	var reasons []string

	c.Payers = math.Min(1, math.Log1p(float64(f.Payers))/math.Log1p(cfg.PayersRef))
	if f.Payers >= 2 {
		reasons = append(reasons, fmt.Sprintf("%d distinct clusters paid in (%d payments)", f.Payers, f.Payments))
	}
	if f.Payments > 0 {
		c.SmallTicket = float64(f.SmallPayments) / float64(f.Payments)
		if f.Payers >= 2 && c.SmallTicket >= 0.5 {
			reasons = append(reasons, fmt.Sprintf("%.0f%% of the inbound payments were small tickets", 100*c.SmallTicket))
		}
	}
	ratio, at, alerts := growth(f, cfg, period)
	s.GrowthRatio = ratio
	if ratio > 1 {
		c.Growth = math.Min(1, math.Log(ratio)/math.Log(2*cfg.Growth.AlertRatio))
	}
	if len(alerts) > 0 {
		reasons = append(reasons, fmt.Sprintf("new payers grew %.1f× above the cluster's baseline in blocks %d-%d", ratio, at*period, (at+1)*period-1))
	}
	if f.Payers > 0 {
		c.Issuance = float64(f.IssuedPayers) / float64(f.Payers)
		if f.IssuedPayers >= cfg.IssuanceMinPayers {
			reasons = append(reasons, fmt.Sprintf("tokens went back to %d of %d payers (%s)", f.IssuedPayers, f.Payers, f.IssuedHow))
		}
	}
	// Payback counts in proportion to how many earlier payers were paid: a
	// scheme pays many of them, an ordinary wallet pays back one or two
	// people who once paid it.
	breadth := math.Min(1, float64(f.PaybackPayers)/math.Max(3, 0.2*float64(f.Payers)))
	c.Payback = share(f.PaybackValue, f.OutflowValue) * breadth
	if f.PaybackPayers > 0 && c.Payback >= 0.05 {
		reasons = append(reasons, fmt.Sprintf("%.0f%% of the outflow went back to %d earlier payers", 100*share(f.PaybackValue, f.OutflowValue), f.PaybackPayers))
	}
	cash := share(f.CashoutValue, f.OutflowValue)
	if cash > 0 {
		hold := 1.0
		if ref := cfg.HoldBlocksRef[chainName]; ref > 0 && float64(f.HoldBlocks) > ref {
			hold = ref / float64(f.HoldBlocks)
		}
		c.Cashout = cash * hold
		reasons = append(reasons, fmt.Sprintf("%.0f%% of the outflow went to exchanges, %d blocks after the money came in (on average)", 100*cash, max(f.HoldBlocks, 0)))
	}
	c.Sanction = f.Sanctioned
	switch {
	case f.Sanctioned >= 1:
		reasons = append(reasons, "an address of the cluster is on a sanctions list")
	case f.Sanctioned > 0:
		reasons = append(reasons, "a direct counterparty is on a sanctions list")
	}
	if f.Company != "" {
		c.Company = 1
		reasons = append(reasons, "an address of the cluster is a known address of company "+f.Company)
	}

	w := cfg.Weights
	total := w.SmallTicket*c.SmallTicket + w.Growth*c.Growth + w.Issuance*c.Issuance +
		w.Payback*c.Payback + w.Cashout*c.Cashout + w.Sanction*c.Sanction + w.Company*c.Company
	s.Score = 100 * c.Payers * total / w.sum()

	d := cfg.Detect
	switch {
	case exchange:
		s.Kind = KindExchange
		switch {
		case f.ExchangeTag:
			s.KindConfidence = 0.9
			s.Evidence["tag"] = "exchange"
		case f.DepositLinks >= cfg.Exchange.MinDepositLinks:
			s.KindConfidence = 0.8
			s.Evidence["deposit_links"] = f.DepositLinks
		default:
			s.KindConfidence = 0.5
			s.Evidence["counterparties_in"], s.Evidence["counterparties_out"] = f.Payers, f.Counterparties
		}
		s.Score *= cfg.Exchange.ScoreFactor
		reasons = append([]string{fmt.Sprintf("looks like an exchange (%s): it moves customers' money, score × %.1f", exchangeWhy(s.Evidence), cfg.Exchange.ScoreFactor)}, reasons...)
	case f.Payers >= d.MinPayers && c.Issuance >= d.TokenSaleIssuance:
		s.Kind, s.KindConfidence = KindTokenSale, c.Issuance
		s.Evidence["payers"], s.Evidence["issued_payers"], s.Evidence["issued"] = f.Payers, f.IssuedPayers, f.IssuedHow
	case f.Payers >= d.MinPayers && c.Payback >= d.PonziPayback && f.PaybackPayers >= 3:
		s.Kind, s.KindConfidence = KindPonzi, math.Min(1, 0.5+c.Payback+c.Growth/4)
		s.Evidence["payers"], s.Evidence["paid_back"], s.Evidence["payback_share"] = f.Payers, f.PaybackPayers, round(c.Payback)
	case f.Payers >= d.MinPayers && c.SmallTicket >= d.SmallShare:
		s.Kind, s.KindConfidence = KindCollector, 0.5
		s.Evidence["payers"], s.Evidence["small_share"] = f.Payers, round(c.SmallTicket)
	}
	s.Score = math.Round(s.Score*10) / 10
	s.Reasons = reasons
	return s, alerts
}

func exchangeWhy(ev map[string]any) string {
	switch {
	case ev["tag"] != nil:
		return "tagged exchange"
	case ev["deposit_links"] != nil:
		return fmt.Sprintf("%v deposit addresses", ev["deposit_links"])
	}
	return fmt.Sprintf("%v counterparties in, %v out", ev["counterparties_in"], ev["counterparties_out"])
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// EvidenceJSON is the evidence as stored.
func (s Score) EvidenceJSON() string {
	b, _ := json.Marshal(s.Evidence) // map of strings and numbers: cannot fail
	return string(b)
}

// Exchanges lists the clusters that are exchanges by the config's rules.
func Exchanges(feats map[int64]*Features, cfg Config) map[int64]bool {
	out := map[int64]bool{}
	for c, f := range feats {
		if f.ExchangeTag || f.DepositLinks >= cfg.Exchange.MinDepositLinks ||
			(f.Payers >= cfg.Exchange.MinCounterparties && f.Counterparties >= cfg.Exchange.MinCounterparties) {
			out[c] = true
		}
	}
	return out
}

// EvaluateAll scores every cluster with features, highest score first.
func EvaluateAll(feats map[int64]*Features, cfg Config, chainName string) ([]Score, []Alert) {
	ex := Exchanges(feats, cfg)
	ids := make([]int64, 0, len(feats))
	for c := range feats {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	// The clusters are evaluated in as many parts as the runtime has CPUs
	// (1.4 s in one at 200,000 clusters), each into its own places, so the
	// result is the same in any case.
	scores := make([]Score, len(ids))
	parts := max(1, min(runtime.GOMAXPROCS(0), len(ids)/evaluatePartMin))
	partAlerts := make([][]Alert, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(ids)/parts, (p+1)*len(ids)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				var a []Alert
				scores[i], a = Evaluate(feats[ids[i]], cfg, chainName, ex[ids[i]])
				partAlerts[p] = append(partAlerts[p], a...)
			}
		})
	}
	wg.Wait()
	var alerts []Alert
	for _, a := range partAlerts {
		alerts = append(alerts, a...)
	}
	sort.SliceStable(scores, func(i, j int) bool { return scores[i].Score > scores[j].Score })
	return scores, alerts
}

// evaluatePartMin is the fewest clusters EvaluateAll gives a goroutine.
const evaluatePartMin = 1000
