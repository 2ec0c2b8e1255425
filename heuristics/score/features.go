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
	HoldBlocks     int64 // median cash-out height − median inflow height; -1 when no cash-out
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

// Compute reads the flows of one chain, in block order, and returns the
// features of every cluster that received a payment from another cluster.
// Exchanges (for cash-outs) are the clusters tagged so, with enough deposit
// links, or with enough counterparties both ways (see ExchangeParams).
func Compute(flows []Flow, ctx Context, cfg Config, chainName string) map[int64]*Features {
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
	firstPay := map[int64]map[int64]uint64{}   // receiver → payer → first height
	paidBack := map[int64]map[int64]bool{}     // receiver → earlier payers it paid
	outTo := map[int64]map[int64]bool{}        // payer side: clusters paid out to
	inHeights := map[int64][]uint64{}          // receiver → heights of inbound payments
	outFlows := map[int64][]int{}              // cluster → indexes of its outbound flows
	paidInTx := map[int64]map[string][]int64{} // receiver → txid → payers in it (for mints)
	type receipt struct {
		sender int64 // NoCluster with mint
		mint   bool
		txid   string
		height uint64
	}
	receipts := map[int64][]receipt{} // cluster → token receipts
	for i := range flows {
		f := &flows[i]
		a, b := f.FromCluster, f.ToCluster
		if f.Token && b != NoCluster {
			receipts[b] = append(receipts[b], receipt{a, f.Mint, f.TxID, f.Height})
		}
		if a == NoCluster || b == NoCluster || a == b {
			continue
		}
		// b received a payment from a.
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
		inHeights[b] = append(inHeights[b], f.Height)
		if paidInTx[b] == nil {
			paidInTx[b] = map[string][]int64{}
		}
		paidInTx[b][f.TxID] = append(paidInTx[b][f.TxID], a)
		// a paid b.
		fa := get(a)
		fa.OutflowValue[f.Asset] += f.Value
		if outTo[a] == nil {
			outTo[a] = map[int64]bool{}
		}
		outTo[a][b] = true
		outFlows[a] = append(outFlows[a], i)
		if h, ok := firstPay[a][b]; ok && h < f.Height {
			fa.PaybackValue[f.Asset] += f.Value
			if paidBack[a] == nil {
				paidBack[a] = map[int64]bool{}
			}
			paidBack[a][b] = true
		}
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
	}
	ex := Exchanges(feats, cfg)
	exchange := func(c int64) bool {
		return ex[c] || ctx.ExchangeTag[c] || ctx.DepositLinks[c] >= cfg.Exchange.MinDepositLinks
	}
	for c, f := range feats {
		// Cash-outs to exchanges, and how long the money stayed.
		var cashHeights []uint64
		for _, i := range outFlows[c] {
			fl := &flows[i]
			if exchange(fl.ToCluster) && !exchange(c) {
				f.CashoutValue[fl.Asset] += fl.Value
				cashHeights = append(cashHeights, fl.Height)
			}
			if ctx.Sanctioned[fl.ToCluster] && f.Sanctioned < 0.5 {
				f.Sanctioned = 0.5
			}
		}
		if len(cashHeights) > 0 && len(inHeights[c]) > 0 {
			f.HoldBlocks = int64(median(cashHeights)) - int64(median(inHeights[c]))
		}
		for p := range firstPay[c] {
			if ctx.Sanctioned[p] && f.Sanctioned < 0.5 {
				f.Sanctioned = 0.5
			}
		}
		// Tokens back to payers: from the cluster itself, minted in the
		// payment's own transaction, or from one issuer (a cluster, or mints)
		// that sent tokens to many of the payers after they paid.
		payers := firstPay[c]
		if len(payers) == 0 {
			continue
		}
		issued := map[int64]string{}
		bySender := map[int64]map[int64]bool{} // sender (NoCluster for mints) → payers served
		for p, first := range payers {
			for _, r := range receipts[p] {
				if r.height < first {
					continue
				}
				switch {
				case r.sender == c:
					issued[p] = "sent by the cluster"
				case r.mint && slices.Contains(paidInTx[c][r.txid], p):
					issued[p] = "minted in the payment's transaction"
				}
				s := r.sender
				if r.mint {
					s = NoCluster
				}
				if bySender[s] == nil {
					bySender[s] = map[int64]bool{}
				}
				bySender[s][p] = true
			}
		}
		need := max(cfg.IssuanceMinPayers, (len(payers)+1)/2)
		senders := make([]int64, 0, len(bySender))
		for s := range bySender {
			senders = append(senders, s)
		}
		slices.Sort(senders)
		for _, s := range senders {
			if s == c || len(bySender[s]) < need || (s != NoCluster && exchange(s)) {
				continue
			}
			how := "sent by one issuer"
			if s == NoCluster {
				how = "minted by the token"
			}
			for p := range bySender[s] {
				if _, ok := issued[p]; !ok {
					issued[p] = how
				}
			}
		}
		f.IssuedPayers = len(issued)
		f.IssuedHow = mostCommon(issued)
	}
	return feats
}

// smallLimit is the small-ticket limit of a flow's asset.
func smallLimit(cfg Config, f *Flow) float64 {
	if f.Token {
		return cfg.SmallTicket["token"]
	}
	return cfg.SmallTicket[f.Asset]
}

func median(v []uint64) uint64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
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
