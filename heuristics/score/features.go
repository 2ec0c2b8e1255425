package score

import (
	"slices"
	"sort"
	"time"
)

// NoCluster marks the side of a flow that is no clustered address: a
// coinbase or block reward ("" sender) or an address the cluster job has not
// seen yet.
const NoCluster int64 = -1

// Flow is one transfer between two addresses, with their clusters, in block
// order.
type Flow struct {
	Height      uint64
	Time        time.Time
	TxID        string
	From, To    string
	FromCluster int64 // NoCluster when unknown
	ToCluster   int64
	Asset       string // "BTC", "ETH" or a token contract
	Value       float64
	Token       bool // an ERC-20 transfer
	Mint        bool // a token transfer from the zero address
}

// Features are what the flows say about one receiving cluster.
type Features struct {
	Cluster        int64
	Payers         int // distinct clusters that paid in
	Payments       int // inbound payments from other clusters
	SmallPayments  int
	InflowValue    map[string]float64 // per asset
	OutflowValue   map[string]float64
	FirstHeight    uint64 // first inbound payment
	LastHeight     uint64
	NewPayers      map[uint64]int // period index → payers paying for the first time
	PeriodTime     map[uint64]time.Time
	IssuedPayers   int    // payers that received tokens back
	IssuedHow      string // "minted", "sent by the cluster", "sent by one issuer"
	PaybackValue   map[string]float64
	PaybackPayers  int // earlier payers paid back
	CashoutValue   map[string]float64
	HoldBlocks     int64 // mean cash-out height − mean inflow height; -1 when no cash-out
	Counterparties int   // distinct clusters paid out to
	Sanctioned     float64
	Company        string
	DepositLinks   int
	ExchangeTag    bool
}

// Context is what else is known about clusters: exchanges, sanctioned
// addresses, company addresses and deposit links, all by cluster.
type Context struct {
	ExchangeTag  map[int64]bool
	DepositLinks map[int64]int
	Sanctioned   map[int64]bool
	Company      map[int64]string
}

// Flows streams a chain's flows in block order (height, then transaction:
// the flows of one transaction are adjacent), calling yield for each. It is
// called once per pass and must give the same flows each time.
type Flows func(yield func(*Flow) error) error

// SliceFlows streams the flows of a slice.
func SliceFlows(flows []Flow) Flows {
	return func(yield func(*Flow) error) error {
		for i := range flows {
			if err := yield(&flows[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// Compute reads the flows of one chain in two passes and returns the
// features of every cluster that received a payment from another cluster.
// Nothing per transfer is kept: the state is per cluster and per pair of
// clusters (who paid whom first, who paid back whom, who sent tokens to
// whose payers), plus the flows of the transaction being read.
//
// Pass 1 counts payers, payments, small tickets, values, new payers per
// period and paybacks (a payment to a cluster that paid the payer earlier).
// Exchanges (for cash-outs) are then known: the clusters tagged so, with
// enough deposit links, or with enough counterparties both ways (see
// ExchangeParams). Pass 2 finds cash-outs to exchanges and the tokens that
// went back to payers.
func Compute(flows Flows, ctx Context, cfg Config, chainName string) (map[int64]*Features, error) {
	period := cfg.PeriodBlocks[chainName]
	if period == 0 {
		period = 1
	}
	feats := map[int64]*Features{}
	get := func(c int64) *Features {
		f := feats[c]
		if f == nil {
			f = &Features{Cluster: c, InflowValue: map[string]float64{}, OutflowValue: map[string]float64{},
				NewPayers: map[uint64]int{}, PeriodTime: map[uint64]time.Time{}, PaybackValue: map[string]float64{},
				CashoutValue: map[string]float64{}, HoldBlocks: -1}
			feats[c] = f
		}
		return f
	}
	firstPay := map[int64]map[int64]uint64{} // receiver → payer → first height
	paidBack := map[int64]map[int64]bool{}   // receiver → earlier payers it paid
	outTo := map[int64]map[int64]bool{}      // payer → clusters it paid
	type mean struct{ sum, n float64 }
	inHeight, cashHeight := map[int64]*mean{}, map[int64]*mean{} // mean heights of inflows and cash-outs
	add := func(m map[int64]*mean, c int64, h uint64) {
		if m[c] == nil {
			m[c] = &mean{}
		}
		m[c].sum += float64(h)
		m[c].n++
	}
	payment := func(f *Flow) bool {
		return f.FromCluster != NoCluster && f.ToCluster != NoCluster && f.FromCluster != f.ToCluster
	}
	err := flows(func(f *Flow) error {
		if !payment(f) {
			return nil
		}
		a, b := f.FromCluster, f.ToCluster
		fb := get(b)
		fb.Payments++
		if f.Value <= smallLimit(cfg, f) {
			fb.SmallPayments++
		}
		fb.InflowValue[f.Asset] += f.Value
		if fb.FirstHeight == 0 || f.Height < fb.FirstHeight {
			fb.FirstHeight = f.Height
		}
		fb.LastHeight = max(fb.LastHeight, f.Height)
		if firstPay[b] == nil {
			firstPay[b] = map[int64]uint64{}
		}
		if _, seen := firstPay[b][a]; !seen {
			firstPay[b][a] = f.Height
			p := f.Height / period
			fb.NewPayers[p]++
			if _, ok := fb.PeriodTime[p]; !ok {
				fb.PeriodTime[p] = f.Time
			}
		}
		add(inHeight, b, f.Height)
		fa := get(a)
		fa.OutflowValue[f.Asset] += f.Value
		if outTo[a] == nil {
			outTo[a] = map[int64]bool{}
		}
		outTo[a][b] = true
		if h, ok := firstPay[a][b]; ok && h < f.Height {
			fa.PaybackValue[f.Asset] += f.Value
			if paidBack[a] == nil {
				paidBack[a] = map[int64]bool{}
			}
			paidBack[a][b] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for c, f := range feats {
		f.Payers = len(firstPay[c])
		f.Counterparties = len(outTo[c])
		f.PaybackPayers = len(paidBack[c])
		f.ExchangeTag = ctx.ExchangeTag[c]
		f.DepositLinks = ctx.DepositLinks[c]
		f.Company = ctx.Company[c]
		if ctx.Sanctioned[c] {
			f.Sanctioned = 1
		}
		for other := range outTo[c] {
			if ctx.Sanctioned[other] && f.Sanctioned < 0.5 {
				f.Sanctioned = 0.5
			}
		}
		for p := range firstPay[c] {
			if ctx.Sanctioned[p] && f.Sanctioned < 0.5 {
				f.Sanctioned = 0.5
			}
		}
	}
	ex := Exchanges(feats, cfg)
	exchange := func(c int64) bool {
		return ex[c] || ctx.ExchangeTag[c] || ctx.DepositLinks[c] >= cfg.Exchange.MinDepositLinks
	}
	payees := map[int64][]int64{} // payer → the clusters it paid, for token receipts
	for c, ps := range firstPay {
		for p := range ps {
			payees[p] = append(payees[p], c)
		}
	}
	issued := map[int64]map[int64]string{}           // cluster → payer → how tokens came back
	bySender := map[int64]map[int64]map[int64]bool{} // cluster → token sender (NoCluster: mints) → payers served
	var txID string
	var txPayments [][2]int64 // (payer, receiver) of the transaction being read
	err = flows(func(f *Flow) error {
		if f.TxID != txID {
			txID, txPayments = f.TxID, txPayments[:0]
		}
		if payment(f) {
			txPayments = append(txPayments, [2]int64{f.FromCluster, f.ToCluster})
			if exchange(f.ToCluster) && !exchange(f.FromCluster) {
				fa := feats[f.FromCluster]
				fa.CashoutValue[f.Asset] += f.Value
				add(cashHeight, f.FromCluster, f.Height)
			}
		}
		p := f.ToCluster
		if !f.Token || p == NoCluster {
			return nil
		}
		for _, c := range payees[p] {
			if firstPay[c][p] > f.Height {
				continue
			}
			switch {
			case f.FromCluster == c:
				setIssued(issued, c, p, "sent by the cluster")
			case f.Mint && slices.Contains(txPayments, [2]int64{p, c}):
				setIssued(issued, c, p, "minted in the payment's transaction")
			}
			s := f.FromCluster
			if f.Mint {
				s = NoCluster
			}
			if s == c || (s != NoCluster && exchange(s)) {
				continue
			}
			if bySender[c] == nil {
				bySender[c] = map[int64]map[int64]bool{}
			}
			if bySender[c][s] == nil {
				bySender[c][s] = map[int64]bool{}
			}
			bySender[c][s][p] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for c, f := range feats {
		if in, out := inHeight[c], cashHeight[c]; in != nil && out != nil {
			f.HoldBlocks = int64(out.sum/out.n - in.sum/in.n)
		}
		// One issuer — a cluster, or mints — that sent tokens to many of the
		// payers after they paid counts for all of those payers.
		need := max(cfg.IssuanceMinPayers, (len(firstPay[c])+1)/2)
		senders := make([]int64, 0, len(bySender[c]))
		for s := range bySender[c] {
			senders = append(senders, s)
		}
		slices.Sort(senders)
		for _, s := range senders {
			if len(bySender[c][s]) < need {
				continue
			}
			how := "sent by one issuer"
			if s == NoCluster {
				how = "minted by the token"
			}
			for p := range bySender[c][s] {
				if _, ok := issued[c][p]; !ok {
					setIssued(issued, c, p, how)
				}
			}
		}
		f.IssuedPayers = len(issued[c])
		f.IssuedHow = mostCommon(issued[c])
	}
	return feats, nil
}

// setIssued records how tokens came back to payer p of cluster c; the first
// way found wins.
func setIssued(issued map[int64]map[int64]string, c, p int64, how string) {
	if issued[c] == nil {
		issued[c] = map[int64]string{}
	}
	if _, ok := issued[c][p]; !ok {
		issued[c][p] = how
	}
}

// smallLimit is the small-ticket limit of a flow's asset.
func smallLimit(cfg Config, f *Flow) float64 {
	if f.Token {
		return cfg.SmallTicket["token"]
	}
	return cfg.SmallTicket[f.Asset]
}

func mostCommon(m map[int64]string) string {
	n := map[string]int{}
	for _, v := range m {
		n[v]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] || (n[keys[i]] == n[keys[j]] && keys[i] < keys[j]) })
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}
