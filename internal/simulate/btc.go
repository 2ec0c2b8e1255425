package simulate

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
)

// Amounts in satoshi.
const (
	mBTC = 100_000
	oBTC = 100_000_000

	btcFeeRate   = 2      // sat per virtual byte of the estimated size
	btcMinOutput = 10_000 // no change or payment below this: the rest goes to the fee
	// A conservative fee bound per input and per output, for checking a purse can pay before any address
	// is handed out: a P2PKH input (149 vB) and a P2TR output (43 vB).
	btcMaxInputVB, btcMaxOutputVB = 149, 43
	btcSweepEvery                 = 4   // rounds between an exchange's deposit sweeps
	btcSweepInputs                = 50  // deposit outputs per consolidation
	btcBatchOutputs               = 250 // withdrawals per batch transaction
	coinJoinDenomination          = 5 * mBTC * 10
)

// purse is a set of coins spent together: a user's wallet, an exchange's hot wallet or its deposit
// addresses. Coins received in a round are spendable from the next round on.
type purse struct {
	name     string
	e        *entity
	coins    []btcwallet.UTXO // confirmed, in order of arrival
	incoming []btcwallet.UTXO
}

func (p *purse) balance() int64 {
	var s int64
	for _, c := range p.coins {
		s += c.Value
	}
	return s
}

// canPay says whether the purse can pay amount to nOut outputs (plus change) whatever coins it picks.
func (p *purse) canPay(amount int64, nOut int) bool {
	fee := int64(len(p.coins)*btcMaxInputVB+(nOut+1)*btcMaxOutputVB+12) * btcFeeRate
	return p.balance() >= amount+fee
}

// spendable is the balance minus the fee bound of spending all coins to two outputs.
func (p *purse) spendable() int64 {
	return p.balance() - int64(len(p.coins)*btcMaxInputVB+3*btcMaxOutputVB+12)*btcFeeRate
}

type btcUser struct {
	u       *retailUser
	p       *purse
	deposit []string // deposit address at each exchange, "" until the first deposit
	asking  bool     // a withdrawal request is pending
}

type btcRequest struct {
	amount int64
	to     func() string // the recipient's address, chosen when paid
	done   func()
}

type btcExchange struct {
	e         *entity
	n         int
	kind      btcwallet.Kind // of its hot wallet and deposit addresses
	hot       *purse
	hotAddrs  []string
	deposits  *purse
	requests  []btcRequest
	customers int
}

type btcOTC struct {
	e        *entity
	p        *purse
	recv     []string
	deposit  string
	requests []btcRequest
	asking   bool
	float    int64
}

type btcCollector struct {
	e        *entity
	p        *purse
	main     string
	second   string
	deposit  string
	payers   []*btcUser
	join     []int   // round each payer (first) pays in
	contrib  []int64 // what each payer paid in
	lastOut  []int   // round of the payer's last payout
	from     []string
	tries    []int
	first    int
	last     int
	stats    *CollectorStats
	payments int
}

// btcWorld is the Bitcoin side of a world.
type btcWorld struct {
	pl     *plan
	p      Params
	r      *rand.Rand
	wallet *btcwallet.Wallet
	node   btcBackend
	log    *slog.Logger

	nextKey     int
	owner       map[string]*purse
	kinds       map[string]btcwallet.Kind
	placeholder string // the largest output script (P2TR) for fee estimates
	pending     []*btcwallet.Tx
	dirty       []*purse
	purses      []*purse

	miner      *purse
	users      []*btcUser
	exchanges  []*btcExchange
	otc        *btcOTC
	collectors []*btcCollector
	coinjoinAt map[int][]*entity
	round      int
	stats      *BTCStats
}

func newBTCWorld(pl *plan, node btcBackend, log *slog.Logger) *btcWorld {
	b := &btcWorld{pl: pl, p: pl.p, r: newRand(pl.seed, streamBTC), node: node, log: log,
		wallet: btcwallet.New(&chaincfg.RegressionNetParams, walletSeed(pl.seed), nil),
		owner:  map[string]*purse{}, kinds: map[string]btcwallet.Kind{}, coinjoinAt: map[int][]*entity{},
		stats: &BTCStats{TxsByActivity: map[string]int{}, Holdings: map[string][]Coin{}, Inflows: map[string]int{}}}
	b.placeholder = b.wallet.Address(0, btcwallet.P2TR)
	b.miner = &purse{name: "miner"}
	b.owner[b.wallet.Address(0, btcwallet.P2PKH)] = b.miner
	b.kinds[b.wallet.Address(0, btcwallet.P2PKH)] = btcwallet.P2PKH
	return b
}

func (b *btcWorld) newPurse(name string, e *entity) *purse {
	p := &purse{name: name, e: e}
	b.purses = append(b.purses, p)
	return p
}

// newAddr hands out the next key of the wallet as an address of kind, owned by p (and its entity).
func (b *btcWorld) newAddr(p *purse, kind btcwallet.Kind) string {
	b.nextKey++
	a := b.wallet.Address(b.nextKey, kind)
	b.owner[a] = p
	b.kinds[a] = kind
	p.e.btc = append(p.e.btc, a)
	return a
}

func (b *btcWorld) userKind(u *btcUser) btcwallet.Kind {
	if u.u.mixKinds && b.r.IntN(4) == 0 {
		return btcKinds[b.r.IntN(len(btcKinds))]
	}
	return u.u.btcKind
}

// recvAddr is where a user receives: a fresh address, or one used before.
func (b *btcWorld) recvAddr(u *btcUser) string {
	if len(u.p.e.btc) == 0 || b.r.Float64() < 0.55 {
		return b.newAddr(u.p, b.userKind(u))
	}
	return u.p.e.btc[b.r.IntN(len(u.p.e.btc))]
}

// changeOf is where a user's change goes: most often a fresh address, else back to an input's address.
func (b *btcWorld) changeOf(u *btcUser) func([]btcwallet.UTXO) string {
	return func(in []btcwallet.UTXO) string {
		if b.r.Float64() < 0.65 {
			return b.newAddr(u.p, b.userKind(u))
		}
		return in[0].Address
	}
}

func fixed(addr string) func([]btcwallet.UTXO) string {
	return func([]btcwallet.UTXO) string { return addr }
}

type coinOrder int

const (
	largestFirst coinOrder = iota
	oldestFirst
)

// spend pays outs from p, picking coins in order until they cover the outputs and the fee, with change
// (at a random position) to change(inputs) when it is worth an output. The purse must be able to pay
// (canPay): failing here is a bug.
func (b *btcWorld) spend(p *purse, outs []btcwallet.Output, order coinOrder, change func([]btcwallet.UTXO) string, activity string) (*btcwallet.Tx, error) {
	var amount int64
	for _, o := range outs {
		amount += o.Value
	}
	idx := make([]int, len(p.coins))
	for i := range idx {
		idx[i] = i
	}
	if order == largestFirst {
		sort.SliceStable(idx, func(i, j int) bool { return p.coins[idx[i]].Value > p.coins[idx[j]].Value })
	}
	var in []btcwallet.UTXO
	var sum, fee int64
	for _, i := range idx {
		in = append(in, p.coins[i])
		sum += p.coins[i].Value
		vsize, err := b.wallet.EstimateVSize(in, outs, b.placeholder)
		if err != nil {
			return nil, err
		}
		fee = vsize * btcFeeRate
		if sum >= amount+fee {
			break
		}
	}
	if sum < amount+fee {
		return nil, fmt.Errorf("%s (%s): %d sat in %d coins cannot pay %d sat plus a %d sat fee", p.name, activity, sum, len(p.coins), amount, fee)
	}
	final := outs
	if rest := sum - amount - fee; rest >= btcMinOutput && change != nil {
		c := btcwallet.Output{Address: change(in), Value: rest}
		pos := b.r.IntN(len(outs) + 1)
		final = make([]btcwallet.Output, 0, len(outs)+1)
		final = append(final, outs[:pos]...)
		final = append(final, c)
		final = append(final, outs[pos:]...)
	}
	return b.commit(in, final, activity)
}

// commit signs a transaction, takes its inputs out of their purses and books its outputs as incoming.
func (b *btcWorld) commit(in []btcwallet.UTXO, outs []btcwallet.Output, activity string) (*btcwallet.Tx, error) {
	t, err := b.wallet.Build(in, outs, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", activity, err)
	}
	spent := map[wire.OutPoint]bool{}
	var from []*purse
	for _, u := range in {
		spent[u.OutPoint] = true
		p := b.owner[u.Address]
		if p == nil {
			return nil, fmt.Errorf("%s: input %s pays %s, which no purse owns", activity, u.OutPoint, u.Address)
		}
		if len(from) == 0 || from[len(from)-1] != p {
			from = append(from, p)
		}
	}
	for _, p := range from {
		kept := p.coins[:0]
		for _, c := range p.coins {
			if !spent[c.OutPoint] {
				kept = append(kept, c)
			}
		}
		p.coins = kept
	}
	h := t.Msg.TxHash()
	seen := map[string]bool{}
	for i, o := range outs {
		if o.Address == "" {
			continue
		}
		p := b.owner[o.Address]
		if p == nil {
			return nil, fmt.Errorf("%s: output %d pays %s, which no purse owns", activity, i, o.Address)
		}
		if len(p.incoming) == 0 {
			b.dirty = append(b.dirty, p)
		}
		p.incoming = append(p.incoming, btcwallet.UTXO{OutPoint: wire.OutPoint{Hash: h, Index: uint32(i)}, Value: o.Value,
			Address: o.Address, Kind: b.kindOf(o.Address), PkScript: t.Msg.TxOut[i].PkScript})
		if !seen[o.Address] {
			seen[o.Address] = true
			b.stats.Inflows[o.Address]++
		}
	}
	b.pending = append(b.pending, t)
	b.stats.Txs++
	b.stats.TxsByActivity[activity]++
	return t, nil
}

func (b *btcWorld) kindOf(addr string) btcwallet.Kind { return b.kinds[addr] }

// endRound broadcasts the round's transactions, mines them and makes what they paid spendable.
func (b *btcWorld) endRound(ctx context.Context) error {
	if err := b.node.broadcast(ctx, b.pending); err != nil {
		return fmt.Errorf("round %d: %w", b.round, err)
	}
	h, err := b.node.mine(ctx)
	if err != nil {
		return fmt.Errorf("round %d: %w", b.round, err)
	}
	if b.stats.FirstHeight == 0 {
		b.stats.FirstHeight = h
	}
	b.stats.LastHeight = h
	b.stats.Blocks++
	for _, p := range b.dirty {
		p.coins = append(p.coins, p.incoming...)
		p.incoming = nil
	}
	b.dirty, b.pending = b.dirty[:0], b.pending[:0]
	return nil
}

// run plays the whole Bitcoin side.
func (b *btcWorld) run(ctx context.Context) error {
	if err := b.setup(ctx); err != nil {
		return err
	}
	for r := 1; r <= b.p.Rounds; r++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.round = r
		if err := b.step(r); err != nil {
			return err
		}
		if err := b.endRound(ctx); err != nil {
			return err
		}
		if r%25 == 0 {
			b.log.Info("simulating", "chain", "btc", "round", r, "of", b.p.Rounds, "txs", b.stats.Txs, "height", b.stats.LastHeight)
		}
	}
	b.round = b.p.Rounds + 1
	if err := b.finale(); err != nil {
		return err
	}
	if err := b.endRound(ctx); err != nil {
		return err
	}
	b.round = b.p.Rounds + 2
	for _, x := range b.exchanges { // the exit cash-outs reach the hot wallets too
		if err := b.sweep(x); err != nil {
			return err
		}
	}
	if err := b.endRound(ctx); err != nil {
		return err
	}
	for _, c := range b.collectors {
		b.stats.Collectors = append(b.stats.Collectors, *c.stats)
	}
	for _, p := range b.purses {
		for _, c := range p.coins {
			b.stats.Holdings[p.e.id] = append(b.stats.Holdings[p.e.id], Coin{TxID: c.OutPoint.Hash.String(), Vout: c.OutPoint.Index, Value: c.Value, Address: c.Address})
		}
	}
	return nil
}

// setup funds the exchanges from the mining address and onboards everyone with a first withdrawal.
func (b *btcWorld) setup(ctx context.Context) error {
	pl := b.pl
	for i, e := range pl.exchanges {
		x := &btcExchange{e: e, n: i, kind: []btcwallet.Kind{btcwallet.P2WPKH, btcwallet.P2SHP2WPKH, btcwallet.P2PKH}[b.r.IntN(3)]}
		x.hot = b.newPurse(e.id+" hot wallet", e)
		x.deposits = b.newPurse(e.id+" deposits", e)
		for range 2 {
			x.hotAddrs = append(x.hotAddrs, b.newAddr(x.hot, x.kind))
		}
		e.knownBTC = append(e.knownBTC, x.hotAddrs[0])
		b.exchanges = append(b.exchanges, x)
	}
	need := make([]int64, len(b.exchanges))
	for _, ru := range pl.retail {
		u := &btcUser{u: ru, deposit: make([]string, len(b.exchanges))}
		u.p = b.newPurse(ru.e.id, ru.e)
		b.users = append(b.users, u)
	}
	// The OTC desk and the collectors.
	o := &btcOTC{e: pl.otc}
	o.p = b.newPurse(o.e.id, o.e)
	o.float = 2*oBTC + int64(b.p.Retail)*mBTC
	b.otc = o
	for _, e := range pl.ponziBTC {
		c := &btcCollector{e: e, stats: &CollectorStats{Entity: e.id, Chain: "btc"}}
		c.p = b.newPurse(e.id, e)
		c.first, c.last = b.p.Rounds/5, b.p.Rounds-2
		for _, ru := range pl.pickRetail(b.r, b.p.CollectorPayers) {
			c.payers = append(c.payers, b.users[ru.n])
		}
		c.join = joinRounds(b.r, len(c.payers), c.first, c.last, b.p.CollectorGrowth)
		n := len(c.payers)
		c.contrib, c.lastOut, c.from, c.tries = make([]int64, n), make([]int, n), make([]string, n), make([]int, n)
		c.stats.PaymentsByRound = make([]int, b.p.Rounds+2)
		b.collectors = append(b.collectors, c)
	}
	// CoinJoin rounds, spread over the middle and end of the run.
	for k, e := range pl.coinjoins {
		at := b.p.Rounds / 4
		if len(pl.coinjoins) > 1 {
			at += k * (b.p.Rounds - 3 - b.p.Rounds/4) / (len(pl.coinjoins) - 1)
		}
		b.coinjoinAt[at] = append(b.coinjoinAt[at], e)
	}

	// First withdrawals: every user buys some bitcoin at their exchange.
	first := make([]int64, len(b.users))
	for i, u := range b.users {
		first[i] = logUniform(b.r, 20*mBTC, 2*oBTC, mBTC)
		need[u.u.exchange] += first[i]
		b.exchanges[u.u.exchange].customers++
	}
	need[pl.otc.exchange] += o.float
	var total int64
	for i := range need {
		need[i] = need[i]*3/2 + 10*oBTC
		total += need[i]
	}
	coins, err := b.node.fund(ctx, total+oBTC)
	if err != nil {
		return err
	}
	b.miner.coins = coins
	b.miner.e = &entity{id: "miner"}
	var outs []btcwallet.Output
	for i, x := range b.exchanges {
		for k := range 10 {
			outs = append(outs, btcwallet.Output{Address: x.hotAddrs[k%2], Value: need[i] / 10})
		}
	}
	if _, err := b.spend(b.miner, outs, largestFirst, fixed(b.wallet.Address(0, btcwallet.P2PKH)), "funding"); err != nil {
		return err
	}
	b.round = -1
	if err := b.endRound(ctx); err != nil {
		return err
	}
	for i, u := range b.users {
		u := u
		b.exchanges[u.u.exchange].requests = append(b.exchanges[u.u.exchange].requests,
			btcRequest{amount: first[i], to: func() string { return b.newAddr(u.p, b.userKind(u)) }})
	}
	ox := b.exchanges[o.e.exchange]
	ox.requests = append(ox.requests, btcRequest{amount: o.float, to: func() string {
		o.recv = append(o.recv, b.newAddr(o.p, btcwallet.P2WPKH), b.newAddr(o.p, btcwallet.P2WPKH))
		return o.recv[0]
	}})
	for _, x := range b.exchanges {
		if err := b.payWithdrawals(x); err != nil {
			return err
		}
	}
	b.round = 0
	return b.endRound(ctx)
}

// step is one round: collector payments, CoinJoins, retail activity, the OTC desk, payouts and
// cash-outs, then the exchanges' withdrawals and sweeps.
func (b *btcWorld) step(r int) error {
	for _, c := range b.collectors {
		if err := b.collectorPayments(c, r); err != nil {
			return err
		}
	}
	for _, e := range b.coinjoinAt[r] {
		if err := b.coinjoin(e); err != nil {
			return err
		}
	}
	for _, u := range b.users {
		if b.r.Float64() >= b.p.RetailActivity {
			continue
		}
		if err := b.retailAction(u); err != nil {
			return err
		}
	}
	if err := b.otcRound(r); err != nil {
		return err
	}
	for _, c := range b.collectors {
		if err := b.collectorOut(c, r, false); err != nil {
			return err
		}
	}
	for _, x := range b.exchanges {
		if err := b.payWithdrawals(x); err != nil {
			return err
		}
		if (r+x.n)%btcSweepEvery == 0 {
			if err := b.sweep(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// ask queues a withdrawal for a user at their exchange (one at a time).
func (b *btcWorld) ask(u *btcUser) {
	if u.asking {
		return
	}
	u.asking = true
	x := b.exchanges[u.u.exchange]
	x.requests = append(x.requests, btcRequest{amount: logUniform(b.r, 10*mBTC, oBTC, mBTC),
		to: func() string { return b.recvAddr(u) }, done: func() { u.asking = false }})
}

func (b *btcWorld) retailAction(u *btcUser) error {
	x := b.r.IntN(100)
	spendable := u.p.spendable()
	if spendable < 3*btcMinOutput || (x >= 35 && x < 55) {
		b.ask(u)
		return nil
	}
	amount := max(btcMinOutput, spendable*int64(5+b.r.IntN(55))/100)
	amount -= amount % 1000
	order := coinOrder(b.r.IntN(2))
	switch {
	case x < 35: // pay another user
		v := b.users[b.r.IntN(len(b.users))]
		if v == u {
			v = b.users[(u.u.n+1)%len(b.users)]
		}
		_, err := b.spend(u.p, []btcwallet.Output{{Address: b.recvAddr(v), Value: amount}}, order, b.changeOf(u), "retail payment")
		return err
	case x < 70: // sell at an exchange: mostly the home one
		ex := u.u.exchange
		if b.r.IntN(10) == 0 {
			ex = b.r.IntN(len(b.exchanges))
		}
		_, err := b.spend(u.p, []btcwallet.Output{{Address: b.depositAddr(b.exchanges[ex], &u.deposit[ex]), Value: amount}}, order, b.changeOf(u), "exchange deposit")
		return err
	case x < 78: // consolidate a few coins into one fresh address
		if len(u.p.coins) < 3 {
			return nil
		}
		k := min(len(u.p.coins), 2+b.r.IntN(4))
		in := append([]btcwallet.UTXO(nil), u.p.coins[:k]...)
		var sum int64
		for _, c := range in {
			sum += c.Value
		}
		to := b.newAddr(u.p, b.userKind(u))
		vsize, err := b.wallet.EstimateVSize(in, []btcwallet.Output{{Address: to, Value: sum}}, "")
		if err != nil {
			return err
		}
		_, err = b.commit(in, []btcwallet.Output{{Address: to, Value: sum - vsize*btcFeeRate}}, "retail consolidation")
		return err
	case x < 90 && u.u.otc: // sell to the OTC desk for cash
		if len(b.otc.recv) == 0 {
			return nil
		}
		_, err := b.spend(u.p, []btcwallet.Output{{Address: b.otc.recv[b.r.IntN(len(b.otc.recv))], Value: amount}}, order, b.changeOf(u), "otc sale")
		return err
	case u.u.otc: // buy from the OTC desk
		b.otc.requests = append(b.otc.requests, btcRequest{amount: logUniform(b.r, 10*mBTC, 50*mBTC*10, mBTC), to: func() string { return b.recvAddr(u) }})
		return nil
	}
	return nil
}

// depositAddr is a customer's deposit address at an exchange, made on first use.
func (b *btcWorld) depositAddr(x *btcExchange, slot *string) string {
	if *slot == "" {
		*slot = b.newAddr(x.deposits, x.kind)
	}
	return *slot
}

// payWithdrawals pays an exchange's queued withdrawals in batch transactions from its hot wallet, as
// far as the hot wallet's confirmed coins go.
func (b *btcWorld) payWithdrawals(x *btcExchange) error {
	for len(x.requests) > 0 {
		n := min(len(x.requests), btcBatchOutputs)
		var total int64
		for _, q := range x.requests[:n] {
			total += q.amount
		}
		for n > 0 && !x.hot.canPay(total, n) {
			n--
			total -= x.requests[n].amount
		}
		if n == 0 {
			return nil
		}
		outs := make([]btcwallet.Output, n)
		for i, q := range x.requests[:n] {
			outs[i] = btcwallet.Output{Address: q.to(), Value: q.amount}
			if q.done != nil {
				q.done()
			}
		}
		x.requests = x.requests[n:]
		if _, err := b.spend(x.hot, outs, largestFirst, fixed(x.hotAddrs[0]), "exchange withdrawal"); err != nil {
			return err
		}
	}
	return nil
}

// sweep consolidates an exchange's deposit coins into its hot wallet, many inputs per transaction.
func (b *btcWorld) sweep(x *btcExchange) error {
	coins := append([]btcwallet.UTXO(nil), x.deposits.coins...)
	for len(coins) > 0 {
		n := min(len(coins), btcSweepInputs)
		in := coins[:n]
		coins = coins[n:]
		var sum int64
		for _, c := range in {
			sum += c.Value
		}
		to := x.hotAddrs[b.r.IntN(len(x.hotAddrs))]
		vsize, err := b.wallet.EstimateVSize(in, []btcwallet.Output{{Address: to, Value: sum}}, "")
		if err != nil {
			return err
		}
		if sum-vsize*btcFeeRate < btcMinOutput {
			continue
		}
		if _, err := b.commit(in, []btcwallet.Output{{Address: to, Value: sum - vsize*btcFeeRate}}, "exchange sweep"); err != nil {
			return err
		}
	}
	return nil
}

// otcRound: the desk pays its buyers, tops up at its exchange when short, and settles its surplus into
// its deposit address there every eight rounds.
func (b *btcWorld) otcRound(r int) error {
	o := b.otc
	if len(o.recv) == 0 {
		return nil
	}
	for len(o.requests) > 0 {
		q := o.requests[0]
		if !o.p.canPay(q.amount, 1) {
			if !o.asking {
				o.asking = true
				x := b.exchanges[o.e.exchange]
				x.requests = append(x.requests, btcRequest{amount: o.float, to: func() string { return o.recv[0] }, done: func() { o.asking = false }})
			}
			break
		}
		o.requests = o.requests[1:]
		change := o.recv[0]
		if b.r.IntN(2) == 0 {
			change = b.newAddr(o.p, btcwallet.P2WPKH)
		}
		if _, err := b.spend(o.p, []btcwallet.Output{{Address: q.to(), Value: q.amount}}, oldestFirst, fixed(change), "otc payout"); err != nil {
			return err
		}
	}
	if r%8 == 0 {
		if surplus := o.p.spendable() - o.float; surplus > oBTC {
			x := b.exchanges[o.e.exchange]
			b.depositAddr(x, &o.deposit)
			surplus -= surplus % mBTC
			if _, err := b.spend(o.p, []btcwallet.Output{{Address: o.deposit, Value: surplus}}, largestFirst, fixed(o.recv[0]), "otc settlement"); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectorPayments: the payers due this round pay the collector a small amount; those who joined
// earlier now and then pay again.
func (b *btcWorld) collectorPayments(c *btcCollector, r int) error {
	if r < c.first || r > c.last {
		return nil
	}
	if c.main == "" {
		c.main = b.newAddr(c.p, btcwallet.P2PKH)
		c.e.knownBTC = append(c.e.knownBTC, c.main)
	}
	if r == (c.first+c.last)/2 && c.second == "" {
		c.second = b.newAddr(c.p, btcwallet.P2WPKH) // a new address on the site
	}
	for i, u := range c.payers {
		var amount int64
		switch {
		case c.join[i] == r:
			amount = logUniform(b.r, 2*mBTC, 50*mBTC, mBTC/10)
		case c.join[i] < r && c.contrib[i] > 0 && b.r.Float64() < 0.02:
			amount = logUniform(b.r, 2*mBTC, 20*mBTC, mBTC/10)
		default:
			continue
		}
		if !u.p.canPay(amount, 1) {
			if c.join[i] == r && c.tries[i] < 3 && r < c.last { // fetch coins first, pay next round
				c.tries[i]++
				c.join[i]++
				b.ask(u)
			}
			continue
		}
		to := c.main
		if c.second != "" && b.r.IntN(3) == 0 {
			to = c.second
		}
		t, err := b.spend(u.p, []btcwallet.Output{{Address: to, Value: amount}}, largestFirst, b.changeOf(u), "collector payment")
		if err != nil {
			return err
		}
		if c.contrib[i] == 0 {
			c.from[i] = t.Inputs[0].Address
			c.stats.Payers++
		}
		c.contrib[i] += amount
		c.stats.Payments++
		c.stats.PaymentsByRound[r]++
		c.stats.PaymentTxIDs = append(c.stats.PaymentTxIDs, t.TxID)
	}
	return nil
}

// collectorOut: every five rounds a payout to earlier payers from later inflows, every twelve a
// cash-out to the collector's exchange; at the end (exit) most of what is left.
func (b *btcWorld) collectorOut(c *btcCollector, r int, exit bool) error {
	if c.main == "" || r <= c.first+5 {
		return nil
	}
	if !exit && (r-c.first)%5 == 4 {
		budget := c.p.spendable() * 6 / 10
		var outs []btcwallet.Output
		var paid []int
		for i := range c.payers {
			if c.contrib[i] == 0 || c.join[i] > r-6 || (c.lastOut[i] != 0 && c.lastOut[i] > r-10) || len(outs) >= 150 {
				continue
			}
			v := c.contrib[i] * int64(15+b.r.IntN(11)) / 100
			v -= v % 1000
			if v < btcMinOutput || v > budget {
				continue
			}
			budget -= v
			paid = append(paid, i)
			outs = append(outs, btcwallet.Output{Address: c.from[i], Value: v})
		}
		var total int64
		for _, o := range outs {
			total += o.Value
		}
		if len(outs) > 0 && c.p.canPay(total, len(outs)) {
			for _, i := range paid {
				c.lastOut[i] = r
			}
			if _, err := b.spend(c.p, outs, oldestFirst, fixed(c.main), "collector payout"); err != nil {
				return err
			}
			c.stats.Payouts += len(outs)
		}
	}
	if exit || (r-c.first)%12 == 11 {
		share := int64(35)
		if exit {
			share = 90
		}
		v := c.p.spendable() * share / 100
		v -= v % mBTC
		if v < btcMinOutput {
			return nil
		}
		b.depositAddr(b.exchanges[c.e.exchange], &c.deposit)
		if _, err := b.spend(c.p, []btcwallet.Output{{Address: c.deposit, Value: v}}, largestFirst, fixed(c.main), "collector cash-out"); err != nil {
			return err
		}
		c.stats.CashOuts++
	}
	return nil
}

// coinjoin: unrelated users each put in coins worth at least the denomination and get back one output
// of exactly the denomination and their change, both at fresh addresses, in one transaction.
func (b *btcWorld) coinjoin(e *entity) error {
	var parts []*btcUser
	var ins [][]btcwallet.UTXO
	for _, i := range b.r.Perm(len(b.users)) {
		u := b.users[i]
		if len(parts) == b.p.CoinJoinSize {
			break
		}
		if u.p.spendable() < coinJoinDenomination+20*btcMinOutput {
			continue
		}
		// The user's largest coins, until they cover the denomination and a fee share.
		coins := append([]btcwallet.UTXO(nil), u.p.coins...)
		sort.SliceStable(coins, func(a, c int) bool { return coins[a].Value > coins[c].Value })
		var sum int64
		var in []btcwallet.UTXO
		for _, c := range coins {
			in = append(in, c)
			sum += c.Value
			if sum >= coinJoinDenomination+5*btcMinOutput {
				break
			}
		}
		parts = append(parts, u)
		ins = append(ins, in)
	}
	if len(parts) < 3 {
		e.skipped = true
		b.log.Warn("CoinJoin round skipped: too few users with coins", "chain", "btc", "entity", e.id, "round", b.round, "participants", len(parts))
		return nil
	}
	var all []btcwallet.UTXO
	var outs []btcwallet.Output
	for _, in := range ins {
		all = append(all, in...)
		outs = append(outs, btcwallet.Output{Address: b.placeholder, Value: coinJoinDenomination}, btcwallet.Output{Address: b.placeholder, Value: 1})
	}
	vsize, err := b.wallet.EstimateVSize(all, outs, "")
	if err != nil {
		return err
	}
	share := (vsize*btcFeeRate + int64(len(parts)) - 1) / int64(len(parts))
	outs = outs[:0]
	for i, u := range parts {
		var sum int64
		for _, c := range ins[i] {
			sum += c.Value
		}
		outs = append(outs, btcwallet.Output{Address: b.newAddr(u.p, b.userKind(u)), Value: coinJoinDenomination})
		if rest := sum - coinJoinDenomination - share; rest >= btcMinOutput {
			if rest == coinJoinDenomination {
				rest--
			}
			outs = append(outs, btcwallet.Output{Address: b.newAddr(u.p, b.userKind(u)), Value: rest})
		}
	}
	b.r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	b.r.Shuffle(len(outs), func(i, j int) { outs[i], outs[j] = outs[j], outs[i] })
	t, err := b.commit(all, outs, "coinjoin")
	if err != nil {
		return err
	}
	b.stats.CoinJoins = append(b.stats.CoinJoins, CoinJoinTx{Entity: e.id, TxID: t.TxID, Denomination: coinJoinDenomination, Participants: len(parts), Inputs: len(all), Outputs: len(outs)})
	return nil
}

// finale: the collectors exit (most of their coins to the exchange), the OTC desk settles.
func (b *btcWorld) finale() error {
	for _, c := range b.collectors {
		if err := b.collectorOut(c, b.round, true); err != nil {
			return err
		}
	}
	for _, x := range b.exchanges {
		if err := b.payWithdrawals(x); err != nil {
			return err
		}
	}
	return nil
}
