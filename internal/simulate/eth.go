package simulate

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chainsleuth/chainsleuth/internal/devnet"
)

// Ethereum amounts are kept in gwei (int64: exact, since every amount here is a whole number of gwei)
// and converted to wei only when a transaction is signed.
const (
	gweiPerETH = 1_000_000_000
	milliETH   = gweiPerETH / 1000

	// Every transaction offers at most ethGasPrice gwei per gas (the fee cap of EIP-1559 transactions,
	// the price of legacy ones) with a 1 gwei tip. The ledger charges gas limit × ethGasPrice, an upper
	// bound of what is paid, so the real balance is never below the ledger's.
	ethGasPrice = 4
	gasTransfer = 21_000
	gasToken    = 80_000
	gasBuy      = 200_000
	gasDeploy   = 3_000_000
	gasMint     = 100_000
	gasPull     = 100_000 // transferFrom
	// ethReserve is what an account keeps for gas.
	ethReserve = 10 * milliETH

	crowdsaleRate = 1000 // tokens per ETH
	manualPerETH  = 800  // tokens per ETH in the manual sale
	manualPerTUSD = 400  // nano-tokens per TUSD base unit (0.4 tokens per TUSD)
	airdropAmount = 250  // tokens to each recipient
	tusd          = 1_000_000
)

// The transaction's fees come from SignTx as 2 × baseFee + tip: a fixed "base fee" of 1.5 gwei makes
// them ethGasPrice gwei whatever the chain's base fee is.
var (
	signBaseFee = big.NewInt(1_500_000_000)
	signTip     = big.NewInt(1_000_000_000)
)

// token is one of the world's tokens. The ledger counts TUSD in its base units (6 decimals) and the
// 18-decimal tokens in nano-tokens (10^9 base units).
type token int

const (
	tUSD token = iota
	tSale
	tManual
	tDrop
	nTokens
)

func (t token) contract() string {
	if t == tUSD {
		return devnet.Stablecoin
	}
	return devnet.ERC20
}

func (t token) base(amount int64) *big.Int {
	if t == tUSD {
		return big.NewInt(amount)
	}
	return new(big.Int).Mul(big.NewInt(amount), big.NewInt(1e9))
}

const ethNative token = -1

// account is an Ethereum account of the world and its ledger.
type account struct {
	key   *ecdsa.PrivateKey
	addr  common.Address
	e     *entity
	nonce uint64
	bal   int64 // gwei, confirmed
	in    int64 // gwei, received this round
	tok   [nTokens]int64
	tokIn [nTokens]int64
	dirty bool
}

func (a *account) avail() int64 { return a.bal - ethReserve }

type ethUser struct {
	u       *retailUser
	accts   []*account
	deposit []*account // deposit account at each exchange, nil until the first deposit
	asking  bool
}

type ethRequest struct {
	to     *account
	amount int64
	tok    token
	done   func()
}

type ethForward struct {
	from   *account
	amount int64
	tok    token
	topup  bool // send the deposit account gas for the token transfer (the transfer comes later)
}

type ethExchange struct {
	e        *entity
	n        int
	hot      *account
	requests []ethRequest
	forwards map[int][]ethForward // by round
}

type ethCollector struct {
	e       *entity
	acct    *account
	deposit *account
	payers  []*ethUser
	join    []int
	contrib []int64
	lastOut []int
	from    []*account
	tries   []int
	first   int
	last    int
	stats   *CollectorStats
}

type ethSale struct {
	crowdsale          common.Address
	deployer, treasury *account
	deposit            *account
	buyers             []*ethUser
	at                 [][]int // buy rounds per buyer
}

type ethManual struct {
	collector, distributor *account
	deposit                *account
	buyers                 []*ethUser
	at                     []int
	deliveries             map[int][]ethRequest
}

type ethFarmer struct {
	e     *entity
	acct  *account
	farms []*account
}

type ethDrop struct {
	dist       *account
	start      int
	recipients []*account
	forwards   map[int][]*account // farm accounts forwarding, by round
	farmerOf   map[*account]*ethFarmer
}

// ethPull is a transferFrom an approved spender makes.
type ethPull struct {
	owner, spender *account
	amount         int64
}

type ethOTC struct {
	acct     *account
	deposit  *account
	requests []ethRequest
	asking   bool
}

// ethWorld is the Ethereum side of a world.
type ethWorld struct {
	pl     *plan
	p      Params
	r      *rand.Rand
	node   ethBackend
	log    *slog.Logger
	signer types.Signer

	nextKey  int
	funder   *account
	issuer   *account
	outside  *entity // the funder and the issuer: no entity of the truth
	pending  []ethSent
	dirty    []*account
	accounts []*account
	tokens   [nTokens]common.Address

	users      []*ethUser
	exchanges  []*ethExchange
	otc        *ethOTC
	collectors []*ethCollector
	sale       *ethSale
	manual     *ethManual
	drop       *ethDrop
	farmers    []*ethFarmer
	pulls      map[int][]ethPull // transferFroms due, by round
	round      int
	stats      *ETHStats
}

// ETHStats is the Ethereum side of a run.
type ETHStats struct {
	Txs           int
	TxsByActivity map[string]int
	// FirstBlock and LastBlock bound the blocks the world's transactions are in.
	FirstBlock, LastBlock uint64
	Blocks                int // rounds sealed (a round may take more than one block)
	Elapsed               time.Duration
	Stablecoin            string // the TUSD contract (its issuer is outside the world)
	SaleToken, Crowdsale  string
	ManualToken           string
	AirdropToken          string
	Collectors            []CollectorStats
	CrowdsaleBuys         int
	ManualPayments        int
	ManualDeliveries      int
	AirdropTransfers      int
	FarmForwards          int
	SelfAuthorizations    int // approve + transferFrom between two accounts of one user
	DepositForwards       int // deposits forwarded to hot wallets (ETH and tokens)
	// Tokens are the token balances at the end: token contract → account → amount in base units.
	Tokens map[string]map[string]string
}

func ethKey(label string) *ecdsa.PrivateKey {
	d := crypto.Keccak256([]byte(label))
	for {
		k, err := crypto.ToECDSA(d)
		if err == nil {
			return k
		}
		d = crypto.Keccak256(d)
	}
}

// newETHWorld reaches the node (unless dry) and checks it can host the seed's world.
func newETHWorld(ctx context.Context, pl *plan, cfg Config, log *slog.Logger) (*ethWorld, error) {
	w := &ethWorld{pl: pl, p: pl.p, r: newRand(pl.seed, streamETH), log: log, outside: &entity{id: "outside"}, pulls: map[int][]ethPull{},
		stats: &ETHStats{TxsByActivity: map[string]int{}, Tokens: map[string]map[string]string{}}}
	fund := devnet.DevAccount(0)
	w.funder = &account{key: fund.Key, addr: fund.Address, e: w.outside, bal: 1 << 62}
	w.issuer = w.outsideAccount(fmt.Sprintf("chainsleuth-simulate-%d-eth-issuer", pl.seed))
	chainID := big.NewInt(devnet.ChainID)
	if cfg.DryRun {
		w.node = &ethDry{}
	} else {
		n, err := dialETH(ctx, cfg.ETHRPC, log)
		if err != nil {
			return nil, err
		}
		w.node = n
		if chainID, err = n.client.ChainID(ctx); err != nil {
			n.close()
			return nil, fmt.Errorf("chain id of %s: %w", cfg.ETHRPC, err)
		}
		if err := w.checkNode(ctx, n); err != nil {
			n.close()
			return nil, err
		}
	}
	w.signer = types.LatestSignerForChainID(chainID)
	return w, nil
}

func (w *ethWorld) checkNode(ctx context.Context, n *ethNode) error {
	head, err := n.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return err
	}
	if head.BaseFee != nil && head.BaseFee.Cmp(big.NewInt(2e9)) > 0 {
		return fmt.Errorf("the base fee of %s is %s wei: the simulator pays at most %d gwei per gas; use a fresh dev chain", n.url, head.BaseFee, ethGasPrice)
	}
	first := ethKey(w.keyLabel(0))
	nonce, err := n.client.NonceAt(ctx, crypto.PubkeyToAddress(first.PublicKey), nil)
	if err != nil {
		return err
	}
	if nonce > 0 {
		return fmt.Errorf("seed %d was already simulated on %s (its first account has sent %d transactions): use a fresh dev chain or another seed", w.pl.seed, n.url, nonce)
	}
	if w.funder.nonce, err = n.client.PendingNonceAt(ctx, w.funder.addr); err != nil {
		return err
	}
	bal, err := n.client.BalanceAt(ctx, w.funder.addr, nil)
	if err != nil {
		return err
	}
	if bal.Cmp(new(big.Int).Mul(big.NewInt(100_000), devnet.Ether)) < 0 {
		return fmt.Errorf("the funding account %s holds %s wei on %s: the simulator needs chainsleuth's dev chain (bin/devnet eth), whose first prefunded account pays the exchanges", ethHex(w.funder.addr), bal, n.url)
	}
	return nil
}

func (w *ethWorld) close() { w.node.close() }

func (w *ethWorld) keyLabel(i int) string {
	return fmt.Sprintf("chainsleuth-simulate-%d-eth-%d", w.pl.seed, i)
}

func (w *ethWorld) outsideAccount(label string) *account {
	k := ethKey(label)
	return &account{key: k, addr: crypto.PubkeyToAddress(k.PublicKey), e: w.outside}
}

// newAccount hands out the next key of the seed as an account of e.
func (w *ethWorld) newAccount(e *entity) *account {
	k := ethKey(w.keyLabel(w.nextKey))
	w.nextKey++
	a := &account{key: k, addr: crypto.PubkeyToAddress(k.PublicKey), e: e}
	e.eth = append(e.eth, a.addr)
	w.accounts = append(w.accounts, a)
	return a
}

func (w *ethWorld) markDirty(a *account) {
	if !a.dirty {
		a.dirty = true
		w.dirty = append(w.dirty, a)
	}
}

// send signs a transaction from `from` and books its cost (gas limit × fee cap, plus value).
func (w *ethWorld) send(from *account, to *common.Address, value int64, data []byte, gas uint64, legacy bool, activity string) (*types.Transaction, error) {
	cost := value + int64(gas)*ethGasPrice
	if from.bal < cost {
		return nil, fmt.Errorf("%s: %s holds %d gwei, %d are needed", activity, ethHex(from.addr), from.bal, cost)
	}
	tx, err := devnet.SignTx(w.signer, devnet.Account{Address: from.addr, Key: from.key}, from.nonce, to, weiOf(value), gas, data, signBaseFee, signTip, legacy)
	if err != nil {
		return nil, err
	}
	from.nonce++
	from.bal -= cost
	w.pending = append(w.pending, ethSent{tx: tx, activity: activity})
	w.stats.Txs++
	w.stats.TxsByActivity[activity]++
	return tx, nil
}

func (w *ethWorld) canPay(a *account, value int64, gas uint64) bool {
	return a.bal >= value+int64(gas)*ethGasPrice
}

// pay sends ETH from one account of the world to another.
func (w *ethWorld) pay(from, to *account, value int64, legacy bool, activity string) error {
	if _, err := w.send(from, &to.addr, value, nil, gasTransfer, legacy, activity); err != nil {
		return err
	}
	to.in += value
	w.markDirty(to)
	return nil
}

func (w *ethWorld) canPayToken(a *account, t token, amount int64) bool {
	return a.tok[t] >= amount && w.canPay(a, 0, gasToken)
}

// payToken transfers a token between accounts of the world.
func (w *ethWorld) payToken(from *account, t token, to *account, amount int64, activity string) error {
	if from.tok[t] < amount {
		return fmt.Errorf("%s: %s holds %d of token %d, %d are needed", activity, ethHex(from.addr), from.tok[t], t, amount)
	}
	data, err := devnet.Pack(t.contract(), "transfer", to.addr, t.base(amount))
	if err != nil {
		return err
	}
	if _, err := w.send(from, &w.tokens[t], 0, data, gasToken, w.r.IntN(4) == 0, activity); err != nil {
		return err
	}
	from.tok[t] -= amount
	to.tokIn[t] += amount
	w.markDirty(to)
	return nil
}

// deploy creates a contract from `from` and returns its address.
func (w *ethWorld) deploy(from *account, name string, args ...any) (common.Address, error) {
	c, err := devnet.LoadContract(name)
	if err != nil {
		return common.Address{}, err
	}
	data, err := c.DeployData(args...)
	if err != nil {
		return common.Address{}, err
	}
	addr := crypto.CreateAddress(from.addr, from.nonce)
	if _, err := w.send(from, nil, 0, data, gasDeploy, false, "deploy "+name); err != nil {
		return common.Address{}, err
	}
	return addr, nil
}

func (w *ethWorld) call(from *account, at common.Address, contract, method string, gas uint64, args ...any) error {
	data, err := devnet.Pack(contract, method, args...)
	if err != nil {
		return err
	}
	_, err = w.send(from, &at, 0, data, gas, false, contract+"."+method)
	return err
}

// endRound submits the round's transactions, waits for their blocks and books what they paid.
func (w *ethWorld) endRound(ctx context.Context) error {
	head, err := w.node.submit(ctx, w.pending)
	if err != nil {
		return fmt.Errorf("round %d: %w", w.round, err)
	}
	if w.stats.FirstBlock == 0 {
		w.stats.FirstBlock = head
	}
	w.stats.LastBlock = head
	w.stats.Blocks++
	for _, a := range w.dirty {
		a.bal += a.in
		a.in = 0
		for t := range a.tok {
			a.tok[t] += a.tokIn[t]
			a.tokIn[t] = 0
		}
		a.dirty = false
	}
	w.dirty, w.pending = w.dirty[:0], w.pending[:0]
	return nil
}

func (w *ethWorld) run(ctx context.Context) error {
	if err := w.setup(ctx); err != nil {
		return err
	}
	for r := 1; r <= w.p.Rounds; r++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.round = r
		if err := w.step(r); err != nil {
			return err
		}
		if err := w.endRound(ctx); err != nil {
			return err
		}
		if r%25 == 0 {
			w.log.Info("simulating", "chain", "eth", "round", r, "of", w.p.Rounds, "txs", w.stats.Txs, "block", w.stats.LastBlock)
		}
	}
	// The end: the collectors exit, the sales cash out, the exchanges forward what is still due.
	w.round = w.p.Rounds + 1
	if err := w.finale(); err != nil {
		return err
	}
	if err := w.endRound(ctx); err != nil {
		return err
	}
	for r := w.p.Rounds + 2; r <= w.p.Rounds+8; r++ {
		w.round = r
		busy := false
		for _, x := range w.exchanges {
			if err := w.forwards(x, r); err != nil {
				return err
			}
			for due := range x.forwards {
				if due > r {
					busy = true
				}
			}
		}
		if err := w.deliveries(r); err != nil {
			return err
		}
		if err := w.pullsDue(r); err != nil {
			return err
		}
		if err := w.endRound(ctx); err != nil {
			return err
		}
		if !busy && len(w.manual.deliveries) == 0 && len(w.pulls) == 0 {
			break
		}
	}
	for _, c := range w.collectors {
		w.stats.Collectors = append(w.stats.Collectors, *c.stats)
	}
	for t, addr := range w.tokens {
		m := map[string]string{}
		for _, a := range w.accounts {
			if a.tok[t] != 0 {
				m[ethHex(a.addr)] = token(t).base(a.tok[t]).String()
			}
		}
		w.stats.Tokens[ethHex(addr)] = m
	}
	return nil
}

// setup: the funder pays the exchanges, the issuer deploys the stablecoin and hands it to the
// exchanges, and everyone gets a first withdrawal.
func (w *ethWorld) setup(ctx context.Context) error {
	pl := w.pl
	for i, e := range pl.exchanges {
		x := &ethExchange{e: e, n: i, forwards: map[int][]ethForward{}}
		x.hot = w.newAccount(e)
		e.knownETH = append(e.knownETH, x.hot.addr)
		w.exchanges = append(w.exchanges, x)
	}
	for _, ru := range pl.retail {
		w.users = append(w.users, &ethUser{u: ru, deposit: make([]*account, len(w.exchanges))})
	}
	type grant struct {
		x      int
		to     *account
		amount int64
		tok    token
	}
	var grants []grant
	give := func(x int, to *account, amount int64, t token) {
		grants = append(grants, grant{x, to, amount, t})
	}
	for _, u := range w.users {
		for range u.u.ethWallet {
			a := w.newAccount(u.u.e)
			u.accts = append(u.accts, a)
			give(u.u.exchange, a, logUniform(w.r, 200*milliETH, 20*gweiPerETH, milliETH), ethNative)
		}
		if w.r.IntN(10) < 6 {
			give(u.u.exchange, u.accts[0], logUniform(w.r, 50*tusd, 20_000*tusd, tusd), tUSD)
		}
	}
	w.otc = &ethOTC{acct: w.newAccount(pl.otc)}
	give(pl.otc.exchange, w.otc.acct, 30*gweiPerETH, ethNative)
	give(pl.otc.exchange, w.otc.acct, 10_000*tusd, tUSD)
	w.sale = &ethSale{deployer: w.newAccount(pl.crowdsale)}
	give(pl.crowdsale.exchange, w.sale.deployer, gweiPerETH, ethNative)
	w.manual = &ethManual{collector: w.newAccount(pl.manualSale), deliveries: map[int][]ethRequest{}}
	pl.manualSale.knownETH = append(pl.manualSale.knownETH, w.manual.collector.addr)
	w.manual.distributor = w.newAccount(pl.manualSale)
	give(pl.manualSale.exchange, w.manual.collector, 500*milliETH, ethNative)
	give((pl.manualSale.exchange+1)%len(w.exchanges), w.manual.distributor, gweiPerETH, ethNative)
	w.drop = &ethDrop{dist: w.newAccount(pl.airdrop), forwards: map[int][]*account{}, farmerOf: map[*account]*ethFarmer{}}
	pl.airdrop.knownETH = append(pl.airdrop.knownETH, w.drop.dist.addr)
	give(0, w.drop.dist, 2*gweiPerETH+int64(w.p.AirdropRecipients+w.p.Farmers*w.p.FarmAddresses)*gasToken*ethGasPrice, ethNative)
	for _, e := range pl.farmers {
		f := &ethFarmer{e: e, acct: w.newAccount(e)}
		w.farmers = append(w.farmers, f)
		give(w.r.IntN(len(w.exchanges)), f.acct, 500*milliETH+int64(w.p.FarmAddresses)*3*milliETH, ethNative)
	}

	// What each exchange needs: half again what it hands out first, and a margin.
	needETH := make([]int64, len(w.exchanges))
	needTUSD := make([]int64, len(w.exchanges))
	for _, g := range grants {
		if g.tok == tUSD {
			needTUSD[g.x] += g.amount
		} else {
			needETH[g.x] += g.amount
		}
	}
	var totalTUSD int64
	for i := range w.exchanges {
		needETH[i] = needETH[i]*3/2 + 200*gweiPerETH
		needTUSD[i] = needTUSD[i]*2 + 50_000*tusd
		totalTUSD += needTUSD[i]
	}
	w.round = -3
	for i, x := range w.exchanges {
		if err := w.pay(w.funder, x.hot, needETH[i], false, "funding"); err != nil {
			return err
		}
	}
	if err := w.pay(w.funder, w.issuer, 10*gweiPerETH, false, "funding"); err != nil {
		return err
	}
	if err := w.endRound(ctx); err != nil {
		return err
	}
	w.round = -2
	var err error
	if w.tokens[tUSD], err = w.deploy(w.issuer, devnet.Stablecoin, tUSD.base(totalTUSD)); err != nil {
		return err
	}
	w.stats.Stablecoin = ethHex(w.tokens[tUSD])
	w.issuer.tokIn[tUSD] = totalTUSD
	w.markDirty(w.issuer)
	if err := w.endRound(ctx); err != nil {
		return err
	}
	w.round = -1
	for i, x := range w.exchanges {
		if err := w.payToken(w.issuer, tUSD, x.hot, needTUSD[i], "stablecoin issue"); err != nil {
			return err
		}
	}
	if err := w.endRound(ctx); err != nil {
		return err
	}
	w.round = 0
	for _, g := range grants {
		w.exchanges[g.x].requests = append(w.exchanges[g.x].requests, ethRequest{to: g.to, amount: g.amount, tok: g.tok})
	}
	for _, x := range w.exchanges {
		if err := w.withdrawals(x); err != nil {
			return err
		}
	}
	// The schedules.
	for _, e := range pl.ponziETH {
		c := &ethCollector{e: e, stats: &CollectorStats{Entity: e.id, Chain: "eth", PaymentsByRound: make([]int, w.p.Rounds+2)}}
		c.first, c.last = w.p.Rounds/5, w.p.Rounds-2
		for _, ru := range pl.pickRetail(w.r, w.p.CollectorPayers) {
			c.payers = append(c.payers, w.users[ru.n])
		}
		c.join = joinRounds(w.r, len(c.payers), c.first, c.last, w.p.CollectorGrowth)
		n := len(c.payers)
		c.contrib, c.lastOut, c.from, c.tries = make([]int64, n), make([]int, n), make([]*account, n), make([]int, n)
		w.collectors = append(w.collectors, c)
	}
	saleEnd := w.p.Rounds * 2 / 3
	for _, ru := range pl.pickRetail(w.r, w.p.CrowdsaleBuyers) {
		w.sale.buyers = append(w.sale.buyers, w.users[ru.n])
	}
	for _, r := range joinRounds(w.r, len(w.sale.buyers), 3, saleEnd, 4) {
		at := []int{r}
		if w.r.IntN(4) == 0 && r+2 < saleEnd {
			at = append(at, r+1+w.r.IntN(saleEnd-r-1))
		}
		w.sale.at = append(w.sale.at, at)
	}
	for _, ru := range pl.pickRetail(w.r, w.p.ManualBuyers) {
		w.manual.buyers = append(w.manual.buyers, w.users[ru.n])
	}
	w.manual.at = joinRounds(w.r, len(w.manual.buyers), 4, w.p.Rounds-6, 3)
	w.drop.start = w.p.Rounds / 2
	return w.endRound(ctx)
}

func (w *ethWorld) step(r int) error {
	if r == 2 {
		if err := w.deployContracts(); err != nil {
			return err
		}
	}
	for _, x := range w.exchanges {
		if err := w.forwards(x, r); err != nil {
			return err
		}
	}
	if err := w.pullsDue(r); err != nil {
		return err
	}
	for _, c := range w.collectors {
		if err := w.collectorPayments(c, r); err != nil {
			return err
		}
	}
	if err := w.saleRound(r); err != nil {
		return err
	}
	if err := w.airdropRound(r); err != nil {
		return err
	}
	for _, u := range w.users {
		if w.r.Float64() >= w.p.RetailActivity {
			continue
		}
		if err := w.retailAction(u); err != nil {
			return err
		}
	}
	if err := w.otcRound(r); err != nil {
		return err
	}
	for _, c := range w.collectors {
		if err := w.collectorOut(c, r, false); err != nil {
			return err
		}
	}
	if err := w.saleCashOut(r, false); err != nil {
		return err
	}
	for _, x := range w.exchanges {
		if err := w.withdrawals(x); err != nil {
			return err
		}
	}
	return nil
}

// deployContracts: the crowdsale (token, sale, minter), the manual sale's token and the airdrop token.
func (w *ethWorld) deployContracts() error {
	pl := w.pl
	brand := pl.brands[pl.crowdsale]
	var err error
	s := w.sale
	if w.tokens[tSale], err = w.deploy(s.deployer, devnet.ERC20, splitCamel(brand)+" Token", symbolOf(brand)); err != nil {
		return err
	}
	s.treasury = w.newAccount(pl.crowdsale)
	crowdsale, err := w.deploy(s.deployer, devnet.Crowdsale, w.tokens[tSale], s.treasury.addr, big.NewInt(crowdsaleRate))
	if err != nil {
		return err
	}
	s.crowdsale = crowdsale
	if err := w.call(s.deployer, w.tokens[tSale], devnet.ERC20, "setMinter", gasMint, crowdsale, true); err != nil {
		return err
	}
	pl.crowdsale.contracts = append(pl.crowdsale.contracts, w.tokens[tSale], crowdsale)
	pl.crowdsale.knownETH = append(pl.crowdsale.knownETH, crowdsale)
	w.stats.SaleToken, w.stats.Crowdsale = ethHex(w.tokens[tSale]), ethHex(crowdsale)

	m := w.manual
	brand = pl.brands[pl.manualSale]
	if w.tokens[tManual], err = w.deploy(m.distributor, devnet.ERC20, splitCamel(brand)+" Coin", symbolOf(brand)); err != nil {
		return err
	}
	supply := int64(1e9) * 1e9 // a billion tokens, in nano-tokens
	if err := w.call(m.distributor, w.tokens[tManual], devnet.ERC20, "mint", gasMint, m.distributor.addr, tManual.base(supply)); err != nil {
		return err
	}
	m.distributor.tokIn[tManual] = supply
	w.markDirty(m.distributor)
	pl.manualSale.contracts = append(pl.manualSale.contracts, w.tokens[tManual])
	w.stats.ManualToken = ethHex(w.tokens[tManual])

	d := w.drop
	brand = pl.brands[pl.airdrop]
	if w.tokens[tDrop], err = w.deploy(d.dist, devnet.ERC20, splitCamel(brand)+" Drop", symbolOf(brand)+"D"); err != nil {
		return err
	}
	if err := w.call(d.dist, w.tokens[tDrop], devnet.ERC20, "mint", gasMint, d.dist.addr, tDrop.base(supply)); err != nil {
		return err
	}
	d.dist.tokIn[tDrop] = supply
	w.markDirty(d.dist)
	pl.airdrop.contracts = append(pl.airdrop.contracts, w.tokens[tDrop])
	pl.airdrop.knownETH = append(pl.airdrop.knownETH, w.tokens[tDrop])
	w.stats.AirdropToken = ethHex(w.tokens[tDrop])
	return nil
}

// depositOf is a customer's deposit account at an exchange, made on first use.
func (w *ethWorld) depositOf(x *ethExchange, slot **account) *account {
	if *slot == nil {
		*slot = w.newAccount(x.e)
	}
	return *slot
}

// deposit pays an exchange deposit account and schedules the exchange's forwarding: ETH within one to
// three rounds (amount minus the fee), tokens after a gas top-up.
func (w *ethWorld) deposit(from *account, x *ethExchange, dep *account, amount int64, t token, activity string) error {
	if t == ethNative {
		if err := w.pay(from, dep, amount, w.r.IntN(3) == 0, activity); err != nil {
			return err
		}
		due := w.round + 1 + w.r.IntN(3)
		x.forwards[due] = append(x.forwards[due], ethForward{from: dep, amount: amount, tok: ethNative})
		return nil
	}
	if err := w.payToken(from, t, dep, amount, activity); err != nil {
		return err
	}
	x.forwards[w.round+1] = append(x.forwards[w.round+1], ethForward{from: dep, amount: amount, tok: t, topup: true})
	return nil
}

// forwards: what an exchange forwards from its deposit accounts to its hot wallet this round.
func (w *ethWorld) forwards(x *ethExchange, r int) error {
	due := x.forwards[r]
	delete(x.forwards, r)
	for _, f := range due {
		switch {
		case f.tok == ethNative:
			// The whole deposit less the fee of a legacy transfer at the fixed price: the deposit
			// account ends empty.
			if err := w.pay(f.from, x.hot, f.amount-gasTransfer*ethGasPrice, true, "deposit forward"); err != nil {
				return err
			}
			w.stats.DepositForwards++
		case f.topup:
			if !w.canPay(x.hot, gasToken*ethGasPrice, gasTransfer) {
				x.forwards[r+1] = append(x.forwards[r+1], f)
				continue
			}
			if err := w.pay(x.hot, f.from, gasToken*ethGasPrice, false, "deposit gas top-up"); err != nil {
				return err
			}
			f.topup = false
			next := r + 1 + w.r.IntN(2)
			x.forwards[next] = append(x.forwards[next], f)
		default:
			if err := w.payToken(f.from, f.tok, x.hot, f.amount, "deposit forward"); err != nil {
				return err
			}
			w.stats.DepositForwards++
		}
	}
	return nil
}

// withdrawals: the exchange pays what its customers asked for, in order, while its hot wallet can.
func (w *ethWorld) withdrawals(x *ethExchange) error {
	for len(x.requests) > 0 {
		q := x.requests[0]
		if q.tok == ethNative {
			if !w.canPay(x.hot, q.amount, gasTransfer) {
				return nil
			}
			if err := w.pay(x.hot, q.to, q.amount, w.r.IntN(2) == 0, "exchange withdrawal"); err != nil {
				return err
			}
		} else {
			if !w.canPayToken(x.hot, q.tok, q.amount) {
				return nil
			}
			if err := w.payToken(x.hot, q.tok, q.to, q.amount, "exchange withdrawal"); err != nil {
				return err
			}
		}
		if q.done != nil {
			q.done()
		}
		x.requests = x.requests[1:]
	}
	return nil
}

// ask queues a withdrawal for a user (one at a time): mostly ETH, sometimes the stablecoin.
func (w *ethWorld) ask(u *ethUser) {
	if u.asking {
		return
	}
	u.asking = true
	to := u.accts[w.r.IntN(len(u.accts))]
	q := ethRequest{to: to, amount: logUniform(w.r, 100*milliETH, 5*gweiPerETH, milliETH), tok: ethNative, done: func() { u.asking = false }}
	if w.r.IntN(10) < 3 {
		q.amount, q.tok = logUniform(w.r, 50*tusd, 5000*tusd, tusd), tUSD
	}
	x := w.exchanges[u.u.exchange]
	x.requests = append(x.requests, q)
}

// richest is the user's account with the most ETH (the first on a tie).
func richest(u *ethUser) *account {
	best := u.accts[0]
	for _, a := range u.accts[1:] {
		if a.bal > best.bal {
			best = a
		}
	}
	return best
}

func (w *ethWorld) retailAction(u *ethUser) error {
	x := w.r.IntN(100)
	a := u.accts[w.r.IntN(len(u.accts))]
	if a.avail() < 5*milliETH || (x >= 30 && x < 50) {
		w.ask(u)
		return nil
	}
	amount := a.avail() * int64(5+w.r.IntN(55)) / 100
	amount -= amount % (milliETH / 10)
	legacy := w.r.IntN(10) < 3
	other := func() *account {
		v := w.users[w.r.IntN(len(w.users))]
		if v == u {
			v = w.users[(u.u.n+1)%len(w.users)]
		}
		return v.accts[w.r.IntN(len(v.accts))]
	}
	tusdAmount := a.tok[tUSD] * int64(10+w.r.IntN(50)) / 100
	tusdAmount -= tusdAmount % (tusd / 100)
	hasTUSD := tusdAmount >= 10*tusd && w.canPay(a, 0, gasToken)
	switch {
	case x < 22 || (x < 30 && !hasTUSD):
		return w.pay(a, other(), amount, legacy, "retail payment")
	case x < 30:
		return w.payToken(a, tUSD, other(), tusdAmount, "retail stablecoin payment")
	case x < 67:
		ex := u.u.exchange
		if w.r.IntN(10) == 0 {
			ex = w.r.IntN(len(w.exchanges))
		}
		xc := w.exchanges[ex]
		dep := w.depositOf(xc, &u.deposit[ex])
		if x >= 62 && hasTUSD {
			return w.deposit(a, xc, dep, tusdAmount, tUSD, "exchange deposit")
		}
		return w.deposit(a, xc, dep, amount, ethNative, "exchange deposit")
	case x < 69:
		if len(u.accts) < 2 {
			return nil
		}
		to := u.accts[w.r.IntN(len(u.accts))]
		if to == a {
			return nil
		}
		return w.pay(a, to, amount, legacy, "retail self transfer")
	case x < 74: // approve another own account, which pulls the stablecoin with transferFrom next round
		if len(u.accts) < 2 {
			return nil
		}
		owner := u.accts[0] // the account that got the stablecoin from the exchange
		for _, b := range u.accts[1:] {
			if b.tok[tUSD] > owner.tok[tUSD] {
				owner = b
			}
		}
		amount := owner.tok[tUSD] * int64(10+w.r.IntN(50)) / 100
		amount -= amount % (tusd / 100)
		spender := u.accts[w.r.IntN(len(u.accts))]
		if spender == owner || amount < 10*tusd || !w.canPay(owner, 0, gasToken) || spender.avail() < gasPull*ethGasPrice {
			return nil
		}
		return w.selfAuthorize(owner, spender, amount)
	case x < 85 && u.u.otc:
		if hasTUSD && w.r.IntN(10) < 3 {
			return w.payToken(a, tUSD, w.otc.acct, tusdAmount, "otc sale")
		}
		return w.pay(a, w.otc.acct, amount, legacy, "otc sale")
	case x < 92 && u.u.otc:
		w.otc.requests = append(w.otc.requests, ethRequest{to: a, amount: logUniform(w.r, 100*milliETH, 5*gweiPerETH, milliETH), tok: ethNative})
	}
	return nil
}

// selfAuthorize: owner approves spender (both the same user's) for amount of the stablecoin; the
// spender pulls it with transferFrom in the next round. The amount and the spender's gas are set aside
// at once, so nothing spends them meanwhile.
func (w *ethWorld) selfAuthorize(owner, spender *account, amount int64) error {
	if err := w.call(owner, w.tokens[tUSD], devnet.Stablecoin, "approve", gasToken, spender.addr, tUSD.base(amount)); err != nil {
		return err
	}
	owner.tok[tUSD] -= amount
	spender.bal -= gasPull * ethGasPrice
	w.pulls[w.round+1] = append(w.pulls[w.round+1], ethPull{owner: owner, spender: spender, amount: amount})
	return nil
}

func (w *ethWorld) pullsDue(r int) error {
	due := w.pulls[r]
	delete(w.pulls, r)
	for _, p := range due {
		p.spender.bal += gasPull * ethGasPrice // what selfAuthorize set aside
		data, err := devnet.Pack(devnet.Stablecoin, "transferFrom", p.owner.addr, p.spender.addr, tUSD.base(p.amount))
		if err != nil {
			return err
		}
		if _, err := w.send(p.spender, &w.tokens[tUSD], 0, data, gasPull, false, "retail transferFrom"); err != nil {
			return err
		}
		p.spender.tokIn[tUSD] += p.amount
		w.markDirty(p.spender)
		w.stats.SelfAuthorizations++
	}
	return nil
}

func (w *ethWorld) otcRound(r int) error {
	o := w.otc
	for len(o.requests) > 0 {
		q := o.requests[0]
		if !w.canPay(o.acct, q.amount+ethReserve, gasTransfer) {
			if !o.asking {
				o.asking = true
				x := w.exchanges[w.pl.otc.exchange]
				x.requests = append(x.requests, ethRequest{to: o.acct, amount: 20 * gweiPerETH, tok: ethNative, done: func() { o.asking = false }})
			}
			break
		}
		o.requests = o.requests[1:]
		if err := w.pay(o.acct, q.to, q.amount, false, "otc payout"); err != nil {
			return err
		}
	}
	if r%8 != 0 {
		return nil
	}
	x := w.exchanges[w.pl.otc.exchange]
	if surplus := o.acct.avail() - 10*gweiPerETH; surplus > gweiPerETH {
		surplus -= surplus % milliETH
		if err := w.deposit(o.acct, x, w.depositOf(x, &o.deposit), surplus, ethNative, "otc settlement"); err != nil {
			return err
		}
	}
	if surplus := o.acct.tok[tUSD] - 5000*tusd; surplus > 1000*tusd && w.canPay(o.acct, 0, gasToken) {
		if err := w.deposit(o.acct, x, w.depositOf(x, &o.deposit), surplus, tUSD, "otc settlement"); err != nil {
			return err
		}
	}
	return nil
}

func (w *ethWorld) collectorPayments(c *ethCollector, r int) error {
	if r < c.first || r > c.last {
		return nil
	}
	for i, u := range c.payers {
		var amount int64
		switch {
		case c.join[i] == r:
			amount = logUniform(w.r, 20*milliETH, 500*milliETH, milliETH)
		case c.join[i] < r && c.contrib[i] > 0 && w.r.Float64() < 0.02:
			amount = logUniform(w.r, 20*milliETH, 200*milliETH, milliETH)
		default:
			continue
		}
		a := richest(u)
		if a.avail() < amount {
			if c.join[i] == r && c.tries[i] < 3 && r < c.last {
				c.tries[i]++
				c.join[i]++
				w.ask(u)
			}
			continue
		}
		if c.acct == nil {
			c.acct = w.newAccount(c.e)
			c.e.knownETH = append(c.e.knownETH, c.acct.addr)
		}
		tx, err := w.send(a, &c.acct.addr, amount, nil, gasTransfer, w.r.IntN(3) == 0, "collector payment")
		if err != nil {
			return err
		}
		c.acct.in += amount
		w.markDirty(c.acct)
		if c.contrib[i] == 0 {
			c.from[i] = a
			c.stats.Payers++
		}
		c.contrib[i] += amount
		c.stats.Payments++
		c.stats.PaymentsByRound[r]++
		c.stats.PaymentTxIDs = append(c.stats.PaymentTxIDs, tx.Hash().Hex())
	}
	return nil
}

func (w *ethWorld) collectorOut(c *ethCollector, r int, exit bool) error {
	if c.acct == nil || r <= c.first+5 {
		return nil
	}
	if !exit && (r-c.first)%5 == 4 {
		budget := c.acct.avail() * 6 / 10
		for i := range c.payers {
			if c.contrib[i] == 0 || c.join[i] > r-6 || (c.lastOut[i] != 0 && c.lastOut[i] > r-10) {
				continue
			}
			v := c.contrib[i] * int64(15+w.r.IntN(11)) / 100
			v -= v % milliETH
			cost := v + gasTransfer*ethGasPrice
			if v < milliETH || cost > budget {
				continue
			}
			budget -= cost
			c.lastOut[i] = r
			if err := w.pay(c.acct, c.from[i], v, false, "collector payout"); err != nil {
				return err
			}
			c.stats.Payouts++
		}
	}
	if exit || (r-c.first)%12 == 11 {
		share := int64(35)
		if exit {
			share = 90
		}
		v := c.acct.avail() * share / 100
		v -= v % milliETH
		if v < milliETH {
			return nil
		}
		x := w.exchanges[c.e.exchange]
		if err := w.deposit(c.acct, x, w.depositOf(x, &c.deposit), v, ethNative, "collector cash-out"); err != nil {
			return err
		}
		c.stats.CashOuts++
	}
	return nil
}

// saleRound: crowdsale purchases, manual-sale payments and the manual sale's token deliveries.
func (w *ethWorld) saleRound(r int) error {
	s := w.sale
	if r >= 3 {
		for i, u := range s.buyers {
			for k, at := range s.at[i] {
				if at != r {
					continue
				}
				a := richest(u)
				amount := logUniform(w.r, 50*milliETH, 3*gweiPerETH, milliETH)
				if a.avail()-gasBuy*ethGasPrice < amount {
					amount = a.avail() * 8 / 10
					amount -= amount % milliETH
				}
				if amount < 10*milliETH {
					if r+1 < w.p.Rounds {
						s.at[i][k] = r + 1
						w.ask(u)
					}
					continue
				}
				if _, err := w.send(a, &s.crowdsale, amount, nil, gasBuy, w.r.IntN(4) == 0, "crowdsale purchase"); err != nil {
					return err
				}
				a.tokIn[tSale] += amount * crowdsaleRate
				s.treasury.in += amount
				w.markDirty(a)
				w.markDirty(s.treasury)
				w.stats.CrowdsaleBuys++
			}
		}
	}
	m := w.manual
	for i, u := range m.buyers {
		if m.at[i] != r {
			continue
		}
		a := richest(u)
		delay := r + 1 + w.r.IntN(4)
		if a.tok[tUSD] >= 100*tusd && w.canPay(a, 0, gasToken) && w.r.IntN(10) < 4 {
			amount := min(logUniform(w.r, 100*tusd, 5000*tusd, tusd), a.tok[tUSD])
			if err := w.payToken(a, tUSD, m.collector, amount, "manual sale payment"); err != nil {
				return err
			}
			m.deliveries[delay] = append(m.deliveries[delay], ethRequest{to: a, amount: amount * manualPerTUSD, tok: tManual})
		} else {
			amount := min(logUniform(w.r, 100*milliETH, 2*gweiPerETH, milliETH), a.avail()*8/10)
			amount -= amount % milliETH
			if amount < 10*milliETH {
				if r+1 < w.p.Rounds-6 {
					m.at[i] = r + 1
					w.ask(u)
				}
				continue
			}
			if err := w.pay(a, m.collector, amount, w.r.IntN(3) == 0, "manual sale payment"); err != nil {
				return err
			}
			m.deliveries[delay] = append(m.deliveries[delay], ethRequest{to: a, amount: amount * manualPerETH, tok: tManual})
		}
		w.stats.ManualPayments++
	}
	return w.deliveries(r)
}

// deliveries: the manual sale's second EOA sends the tokens bought a few rounds ago.
func (w *ethWorld) deliveries(r int) error {
	m := w.manual
	due := m.deliveries[r]
	delete(m.deliveries, r)
	for _, q := range due {
		if err := w.payToken(m.distributor, tManual, q.to, q.amount, "manual sale delivery"); err != nil {
			return err
		}
		w.stats.ManualDeliveries++
	}
	return nil
}

// saleCashOut: the crowdsale's treasury and the manual sale's collector move their takings to their
// exchanges every fifteen rounds, and most of them at the end.
func (w *ethWorld) saleCashOut(r int, exit bool) error {
	if !exit && (r < 10 || r%15 != 0) {
		return nil
	}
	s := w.sale
	if s.treasury != nil {
		share := int64(50)
		if exit {
			share = 80
		}
		if v := s.treasury.avail() * share / 100; v >= 10*milliETH {
			v -= v % milliETH
			x := w.exchanges[w.pl.crowdsale.exchange]
			if err := w.deposit(s.treasury, x, w.depositOf(x, &s.deposit), v, ethNative, "token sale cash-out"); err != nil {
				return err
			}
		}
	}
	m := w.manual
	x := w.exchanges[w.pl.manualSale.exchange]
	if v := m.collector.avail() * 6 / 10; v >= 10*milliETH {
		v -= v % milliETH
		if err := w.deposit(m.collector, x, w.depositOf(x, &m.deposit), v, ethNative, "token sale cash-out"); err != nil {
			return err
		}
	}
	if v := m.collector.tok[tUSD]; v >= 100*tusd && w.canPay(m.collector, 0, gasToken) {
		if err := w.deposit(m.collector, x, w.depositOf(x, &m.deposit), v, tUSD, "token sale cash-out"); err != nil {
			return err
		}
	}
	return nil
}

// airdropRound: farmers fund their farm accounts with gas three rounds before the drop; the drop goes
// out over three rounds in equal amounts; farm accounts forward it to their farmer a few rounds later.
func (w *ethWorld) airdropRound(r int) error {
	d := w.drop
	if r == d.start-3 {
		for _, f := range w.farmers {
			for range w.p.FarmAddresses {
				farm := w.newAccount(f.e)
				f.farms = append(f.farms, farm)
				d.farmerOf[farm] = f
				if err := w.pay(f.acct, farm, 2*milliETH, w.r.IntN(2) == 0, "farm funding"); err != nil {
					return err
				}
			}
		}
		for _, ru := range w.pl.pickRetail(w.r, w.p.AirdropRecipients) {
			d.recipients = append(d.recipients, w.users[ru.n].accts[0])
		}
		for _, f := range w.farmers {
			d.recipients = append(d.recipients, f.farms...)
		}
		w.r.Shuffle(len(d.recipients), func(i, j int) { d.recipients[i], d.recipients[j] = d.recipients[j], d.recipients[i] })
	}
	if r >= d.start && r < d.start+3 {
		n := (len(d.recipients) + 2) / 3
		part := d.recipients[min(len(d.recipients), (r-d.start)*n):min(len(d.recipients), (r-d.start+1)*n)]
		for _, to := range part {
			if err := w.payToken(d.dist, tDrop, to, airdropAmount*1e9, "airdrop"); err != nil {
				return err
			}
			w.stats.AirdropTransfers++
			if d.farmerOf[to] != nil {
				due := r + 1 + w.r.IntN(4)
				d.forwards[due] = append(d.forwards[due], to)
			}
		}
	}
	due := d.forwards[r]
	delete(d.forwards, r)
	for _, farm := range due {
		if err := w.payToken(farm, tDrop, d.farmerOf[farm].acct, farm.tok[tDrop], "farm forward"); err != nil {
			return err
		}
		w.stats.FarmForwards++
	}
	return nil
}

func (w *ethWorld) finale() error {
	for _, c := range w.collectors {
		if err := w.collectorOut(c, w.round, true); err != nil {
			return err
		}
	}
	if err := w.saleCashOut(w.round, true); err != nil {
		return err
	}
	if err := w.deliveries(w.round); err != nil {
		return err
	}
	if err := w.pullsDue(w.round); err != nil {
		return err
	}
	for _, x := range w.exchanges {
		if err := w.forwards(x, w.round); err != nil {
			return err
		}
	}
	return nil
}
