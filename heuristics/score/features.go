package score

import (
	"cmp"
	"slices"

	"github.com/chainsleuth/chainsleuth/internal/prefetch"
)

// NoCluster marks the side of a flow that is no clustered address: a
// coinbase or block reward ("" sender) or an address the cluster job has not
// seen yet.
const NoCluster int64 = -1

// Flow is one transfer between two addresses, with their clusters, in block
// order.
type Flow struct {
	Height      uint64
	Unix        int64  // the block's time, in Unix seconds
	Tx          uint64 // the transaction, by a hash of its id
	FromCluster int64  // NoCluster when unknown
	ToCluster   int64
	Asset       string // "BTC", "ETH" or a token contract
	Value       float64
	Token       bool // an ERC-20 transfer
	Mint        bool // a token transfer from the zero address
}

// Features are what the flows say about one receiving cluster.
//
// Pass 1 of Compute updates the fields up to Cluster for nearly every flow,
// on two clusters that are seldom in cache. They come first, in the order of
// its cache lines (a Features is 64-byte aligned: 360 bytes, in the
// allocator's 384-byte class): the receiver's fields in the first two lines,
// the payer's in the third, so that pass 1 prefetches exactly what a flow
// touches (pass1Shard.prefetchFeatures; layout checked by a test).
type Features struct {
	// Line 0: the receiver's.
	InflowValue AssetValues
	// Room for the first asset of InflowValue and OutflowValue (newFeatures),
	// which would otherwise be small allocations of their own elsewhere.
	inflow1       [1]AssetValue
	Payments      int // inbound payments from other clusters
	SmallPayments int

	// Line 1: the receiver's.
	FirstHeight uint64 // first inbound payment
	LastHeight  uint64
	Payers      int // distinct clusters that paid in
	// The sum of the heights of inflows (as many as Payments), for HoldBlocks.
	inHeights float64
	// The new payers of the period being counted, until a later period
	// comes (addNewPayer): NewPayers' own array is seldom in cache.
	newPayersNow PeriodCount
	// Whether a period came after a later one: until then NewPayers only
	// grows at its end, with no read of its last count.
	newPayersUnordered bool

	// Line 2: the payer's, and what the receiver seldom touches.
	OutflowValue AssetValues
	outflow1     [1]AssetValue
	Cluster      int64

	Counterparties int // distinct clusters paid out to
	Sanctioned     float64
	NewPayers      PeriodCounts // payers paying for the first time, by period

	IssuedPayers  int    // payers that received tokens back
	IssuedHow     string // "minted", "sent by the cluster", "sent by one issuer"
	PaybackValue  AssetValues
	PaybackPayers int // earlier payers paid back
	CashoutValue  AssetValues
	HoldBlocks    int64 // mean cash-out height − mean inflow height; -1 when no cash-out
	Company       string
	DepositLinks  int
	ExchangeTag   bool

	// Sums of the heights of cash-outs and their count, for HoldBlocks.
	cashHeights, cashes float64
}

// AssetValues are sums of whole units per asset. A cluster moves one asset
// or a few, so a short list is smaller and faster than a map.
type AssetValues []AssetValue

// AssetValue is the sum of one asset.
type AssetValue struct {
	Asset string
	Value float64
}

// Add adds v to the sum of asset.
func (a *AssetValues) Add(asset string, v float64) {
	for i := range *a {
		if (*a)[i].Asset == asset {
			(*a)[i].Value += v
			return
		}
	}
	*a = append(*a, AssetValue{asset, v})
}

// Get is the sum of asset (0 when none).
func (a AssetValues) Get(asset string) float64 {
	for _, x := range a {
		if x.Asset == asset {
			return x.Value
		}
	}
	return 0
}

// PeriodCounts are counts by period index, in increasing order of period,
// each with the time of the flow that first counted in it. Flows come in
// block order, so a count goes to the last period or a new one after it: a
// short list is smaller and faster than a map per cluster.
type PeriodCounts []PeriodCount

// PeriodCount is the count of one period, with the time of its first flow
// in Unix seconds: a time.Time holds a pointer (its location), which made
// every cluster's counts memory the collector scans, about 0.2 GB of small
// objects at 200,000 clusters (docs/performance.md).
type PeriodCount struct {
	Period uint64
	N      int
	Unix   int64
}

// Add counts one in period p, at Unix time t if p had no count yet.
func (c *PeriodCounts) Add(p uint64, t int64) { c.AddN(p, 1, t) }

// AddN counts n in period p, at Unix time t if p had no count yet.
func (c *PeriodCounts) AddN(p uint64, n int, t int64) {
	last := len(*c)
	if last > 0 && (*c)[last-1].Period == p {
		(*c)[last-1].N += n
		return
	}
	i, found := slices.BinarySearchFunc(*c, p, func(x PeriodCount, p uint64) int { return cmp.Compare(x.Period, p) })
	if found { // an earlier period again (flows out of block order)
		(*c)[i].N += n
		return
	}
	*c = slices.Insert(*c, i, PeriodCount{Period: p, N: n, Unix: t})
}

// addNewPayer counts a new payer in period p, at Unix time t if p had no count
// yet: in newPayersNow while the period stays the same, as it does for
// flows in block order; the count moves to NewPayers when another period
// comes, and at the end of pass 1 (flushNewPayers).
func (f *Features) addNewPayer(p uint64, t int64) {
	now := &f.newPayersNow
	if now.N > 0 && now.Period == p {
		now.N++
		return
	}
	if now.N > 0 && p < now.Period {
		f.newPayersUnordered = true
	}
	f.flushNewPayers()
	f.newPayersNow = PeriodCount{Period: p, N: 1, Unix: t}
}

// flushNewPayers moves the count of newPayersNow to NewPayers.
func (f *Features) flushNewPayers() {
	now := f.newPayersNow
	if now.N == 0 {
		return
	}
	if f.newPayersUnordered {
		f.NewPayers.AddN(now.Period, now.N, now.Unix)
	} else { // every period counted so far is below now's
		f.NewPayers = append(f.NewPayers, now)
	}
	f.newPayersNow = PeriodCount{}
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
// the flows of one transaction are adjacent), calling yield with each batch
// of consecutive flows. It is called once per pass and must give the same
// flows each time. A batch is valid only during the call: a Flows may reuse
// it for the next one.
type Flows func(yield func([]Flow) error) error

// SliceFlows streams the flows of a slice, in batches of flowBatchSize.
func SliceFlows(flows []Flow) Flows {
	return func(yield func([]Flow) error) error {
		for lo := 0; lo < len(flows); lo += flowBatchSize {
			if err := yield(flows[lo:min(len(flows), lo+flowBatchSize)]); err != nil {
				return err
			}
		}
		return nil
	}
}

// payment reports whether a flow is a payment from one cluster to another.
func payment(f *Flow) bool {
	return f.FromCluster != NoCluster && f.ToCluster != NoCluster && f.FromCluster != f.ToCluster
}

// Compute reads the flows of one chain in two passes and returns the
// features of every cluster that received a payment from another cluster.
// Nothing per transfer is kept: the state is per cluster and per pair of
// clusters (who paid whom first, who paid back whom, who sent tokens to
// whose payers), plus the flows of the transaction being read.
//
// Pass 1 counts payers, payments, small tickets, values, new payers per
// period and paybacks (a payment to a cluster that paid the payer earlier),
// with the clusters split into shards, a goroutine each (passOne).
// Exchanges (for cash-outs) are then known: the clusters tagged so, with
// enough deposit links, or with enough counterparties both ways (see
// ExchangeParams). Pass 2 finds cash-outs to exchanges and the tokens that
// went back to payers.
//
// count is how many flows there are (0 if not known): an upper bound on the
// pairs, by which pass 1 sizes its tables once (up to maxReservedPairs)
// instead of doubling them as they fill.
func Compute(flows Flows, count int, ctx Context, cfg Config, chainName string) (map[int64]*Features, error) {
	one, err := passOne(flows, count, ctx, cfg, chainName, computeShards())
	if err != nil {
		return nil, err
	}
	feats := one.feats
	for c, f := range feats {
		f.ExchangeTag = ctx.ExchangeTag[c]
		f.DepositLinks = ctx.DepositLinks[c]
		f.Company = ctx.Company[c]
		if ctx.Sanctioned[c] {
			f.Sanctioned = 1
		}
	}
	ex := exchangeTable(feats, ctx, cfg)
	everyone := cfg.Exchange.MinDepositLinks <= 0 // no links needed: every cluster is one
	exchange := func(c int64) bool { return everyone || c >= 0 && ex.find(clusterKey(c)) != nil }
	var addrs [2 * pass1Group]uintptr
	prefetchExchanges := func(flows []Flow) {
		k := 0
		for i := range flows {
			if f := &flows[i]; payment(f) {
				addrs[k], addrs[k+1] = ex.slotAddr(clusterKey(f.ToCluster)), ex.slotAddr(clusterKey(f.FromCluster))
				k += 2
			}
		}
		prefetch.ForWrite(addrs[:k])
	}
	// payer → the clusters it paid, for token receipts: built at the first
	// token flow (a pass over every pair; Bitcoin has no tokens).
	var payees map[uint32][]uint32
	payeesOf := func(p uint32) []uint32 {
		if payees == nil {
			payees = map[uint32][]uint32{}
			for _, sh := range one.shards {
				sh.firstPay.all(func(k uint64, _ *uint32) {
					pk := pairOfKey(k)
					payees[pk.payer] = append(payees[pk.payer], pk.receiver)
				})
			}
		}
		return payees[p]
	}
	issued := map[pairKey]uint8{}      // (cluster, payer) → how tokens came back (issuedHow index)
	served := map[[3]uint32]struct{}{} // (cluster, token sender, payer): the sender served that payer
	servedBy := map[pairKey]int{}      // (cluster, token sender) → payers served
	var tx uint64
	var txPayments []pairKey // (receiver, payer) of the transaction being read
	passTwo := func(f *Flow) {
		if f.Tx != tx {
			tx, txPayments = f.Tx, txPayments[:0]
		}
		if payment(f) {
			txPayments = append(txPayments, pair(f.ToCluster, f.FromCluster))
			if exchange(f.ToCluster) && !exchange(f.FromCluster) {
				fa := feats[f.FromCluster]
				fa.CashoutValue.Add(f.Asset, f.Value)
				fa.cashHeights += float64(f.Height)
				fa.cashes++
			}
		}
		if !f.Token || f.ToCluster == NoCluster {
			return
		}
		p := uint32(f.ToCluster)
		for _, c := range payeesOf(p) {
			if uint64(one.firstPayAt(pairKey{c, p})) > f.Height {
				continue
			}
			switch {
			case f.FromCluster == int64(c):
				setIssued(issued, pairKey{c, p}, issuedByCluster)
			case f.Mint && slices.Contains(txPayments, pairKey{c, p}):
				setIssued(issued, pairKey{c, p}, issuedMintedInPayment)
			}
			s := mintSender
			if !f.Mint {
				s = uint32(f.FromCluster)
			}
			if f.FromCluster == int64(c) || (!f.Mint && (f.FromCluster == NoCluster || exchange(f.FromCluster))) {
				continue
			}
			if _, seen := served[[3]uint32{c, s, p}]; !seen {
				served[[3]uint32{c, s, p}] = struct{}{}
				servedBy[pairKey{c, s}]++
			}
		}
	}
	err = flows(func(batch []Flow) error {
		group := func(k int) []Flow { return flowGroup(batch, k) }
		prefetchExchanges(group(0))
		for g := 0; g*pass1Group < len(batch); g++ {
			prefetchExchanges(group(g + 1))
			for i, flows := 0, group(g); i < len(flows); i++ {
				passTwo(&flows[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// One issuer — a cluster, or mints — that sent tokens to many of a
	// cluster's payers after they paid counts for all of those payers.
	for k := range served {
		c, s, p := k[0], k[1], k[2]
		f := feats[int64(c)]
		if servedBy[pairKey{c, s}] < max(cfg.IssuanceMinPayers, (f.Payers+1)/2) {
			continue
		}
		how := issuedByIssuer
		if s == mintSender {
			how = issuedMintedByToken
		}
		setIssued(issued, pairKey{c, p}, how)
	}
	hows := map[int64][]int{}
	for k, how := range issued {
		c := int64(k.receiver)
		if hows[c] == nil {
			hows[c] = make([]int, len(issuedHow))
		}
		hows[c][how]++
		feats[c].IssuedPayers++
	}
	for c, n := range hows {
		best := 0
		for i := range n {
			if n[i] > n[best] {
				best = i
			}
		}
		feats[c].IssuedHow = issuedHow[best]
	}
	for _, f := range feats {
		if f.Payments > 0 && f.cashes > 0 {
			f.HoldBlocks = int64(f.cashHeights/f.cashes - f.inHeights/float64(f.Payments))
		}
	}
	return feats, nil
}

// exchangeTable holds the exchanges: by their features (Exchanges), and by
// tags and deposit links, including clusters with no features (a token's
// sender that paid no one). One table, since pass 2 asks about both sides of
// every payment, and its slots are prefetched a group of flows ahead, as in
// pass 1 (a map's misses were 3.3 s of a run at 13M flows).
func exchangeTable(feats map[int64]*Features, ctx Context, cfg Config) *table[struct{}] {
	ex := &table[struct{}]{}
	for c, is := range Exchanges(feats, cfg) {
		if is {
			ex.insert(clusterKey(c), struct{}{})
		}
	}
	for c, tagged := range ctx.ExchangeTag {
		if tagged && c >= 0 {
			ex.insert(clusterKey(c), struct{}{})
		}
	}
	for c, n := range ctx.DepositLinks {
		if n >= cfg.Exchange.MinDepositLinks && c >= 0 {
			ex.insert(clusterKey(c), struct{}{})
		}
	}
	return ex
}

// newFeatures starts the features of cluster c, its first inflow and
// outflow asset held in the struct itself (measured with BenchmarkCompute).
func newFeatures(c int64) *Features {
	f := &Features{Cluster: c, HoldBlocks: -1}
	f.InflowValue, f.OutflowValue = f.inflow1[:0:1], f.outflow1[:0:1]
	return f
}

// pairKey is a pair of clusters: a receiver and a payer (or a token sender).
type pairKey struct{ receiver, payer uint32 }

func pair(receiver, payer int64) pairKey { return pairKey{uint32(receiver), uint32(payer)} }

// mintSender stands for the zero address as a token sender.
const mintSender = ^uint32(0)

// How tokens came back to a payer, strongest first: when several apply,
// the first found is kept, and a cluster's IssuedHow is the most common.
var issuedHow = []string{"minted in the payment's transaction", "sent by the cluster", "sent by one issuer", "minted by the token"}

const (
	issuedMintedInPayment uint8 = iota
	issuedByCluster
	issuedByIssuer
	issuedMintedByToken
)

// setIssued records how tokens came back to a payer; the first way found
// wins.
func setIssued(issued map[pairKey]uint8, k pairKey, how uint8) {
	if _, ok := issued[k]; !ok {
		issued[k] = how
	}
}

// smallLimit is the small-ticket limit of a flow's asset.
func smallLimit(cfg Config, f *Flow) float64 {
	if f.Token {
		return cfg.SmallTicket["token"]
	}
	return cfg.SmallTicket[f.Asset]
}
