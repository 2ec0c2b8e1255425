package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
)

// Streams of the seed's randomness: one for the plan, one per chain, so that leaving a chain out does not
// change what happens on the other.
const (
	streamPlan uint64 = 0x706c616e // "plan"
	streamBTC  uint64 = 0x627463   // "btc"
	streamETH  uint64 = 0x657468   // "eth"
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// entity is an actor of the world while it is being built. The Bitcoin side writes only the btc fields,
// the Ethereum side only the eth ones, so both chains can run at once.
type entity struct {
	id          string
	kind        string
	fundraising bool
	company     *Company
	exchange    int // the exchange where it cashes out or is a customer (-1: none)

	btc       []string         // addresses, in the order they first received
	eth       []common.Address // accounts, in the order they first received or sent
	contracts []common.Address // contracts it deployed (eth)
	knownBTC  []string         // public addresses for the registry
	knownETH  []common.Address
	skipped   bool // a CoinJoin round that found too few participants
}

// retailUser is a retail user's plan, shared by both chains.
type retailUser struct {
	e         *entity
	n         int // index among retail users
	exchange  int // home exchange
	otc       bool
	btcKind   btcwallet.Kind // the address kind of their Bitcoin wallet
	mixKinds  bool           // now and then an address of another kind
	ethWallet int            // Ethereum accounts (1 to 3)
}

// plan is the cast of a world: who exists, who is whose customer, which company stands behind whom.
type plan struct {
	seed       uint64
	p          Params
	entities   []*entity // truth order
	exchanges  []*entity
	otc        *entity
	crowdsale  *entity
	manualSale *entity
	ponziBTC   []*entity
	ponziETH   []*entity
	airdrop    *entity
	farmers    []*entity
	coinjoins  []*entity
	retail     []*retailUser
	companies  []*Company
	brands     map[*entity]string // brand of entities with a company (token names)
}

var btcKinds = []btcwallet.Kind{btcwallet.P2PKH, btcwallet.P2WPKH, btcwallet.P2SHP2WPKH, btcwallet.P2TR}

// newPlan casts the world of a seed.
func newPlan(seed uint64, p Params) *plan {
	r := newRand(seed, streamPlan)
	names := newNamer(r)
	pl := &plan{seed: seed, p: p, brands: map[*entity]string{}}
	add := func(id, kind string, fundraising bool) *entity {
		e := &entity{id: id, kind: kind, fundraising: fundraising, exchange: -1}
		pl.entities = append(pl.entities, e)
		return e
	}
	withCompany := func(e *entity, heads, tails []string, whats []string, statuses []string) {
		brand := names.brand(heads, tails)
		c := names.company(fmt.Sprintf("C%03d", len(pl.companies)+1), brand, whats[r.IntN(len(whats))])
		c.Status = statuses[r.IntN(len(statuses))]
		e.company = c
		pl.companies = append(pl.companies, c)
		pl.brands[e] = brand
	}
	active := []string{"active"}
	shady := []string{"active", "active", "dissolved", "struck off", "in liquidation"}
	for i := range p.Exchanges {
		e := add(fmt.Sprintf("exchange-%d", i+1), KindExchange, false)
		withCompany(e, exchangeHeads, exchangeTails, []string{"Exchange", "Technologies", "Digital Assets"}, active)
	}
	pl.exchanges = pl.entities[:p.Exchanges:p.Exchanges]
	pickExchange := func() int { return r.IntN(p.Exchanges) }

	pl.otc = add("otc-1", KindOTC, false) // unlicensed: no registry entry
	pl.otc.exchange = pickExchange()

	pl.crowdsale = add("token-sale-1", KindTokenSale, true)
	withCompany(pl.crowdsale, projectHeads, projectTails, []string{"Foundation", "Labs", "Technologies"}, shady)
	pl.crowdsale.exchange = pickExchange()
	pl.manualSale = add("token-sale-2", KindTokenSale, true)
	withCompany(pl.manualSale, projectHeads, projectTails, []string{"Foundation", "Ventures", "Holdings"}, shady)
	pl.manualSale.exchange = pickExchange()

	for i := range p.Collectors {
		e := add(fmt.Sprintf("ponzi-btc-%d", i+1), KindPonzi, true)
		withCompany(e, ponziHeads, ponziTails, []string{"Investments", "Asset Management", "Holdings"}, shady)
		e.exchange = pickExchange()
		pl.ponziBTC = append(pl.ponziBTC, e)
	}
	for i := range p.Collectors {
		e := add(fmt.Sprintf("ponzi-eth-%d", i+1), KindPonzi, true)
		withCompany(e, ponziHeads, ponziTails, []string{"Investments", "Asset Management", "Holdings"}, shady)
		e.exchange = pickExchange()
		pl.ponziETH = append(pl.ponziETH, e)
	}

	pl.airdrop = add("airdrop-1", KindAirdropSource, false)
	withCompany(pl.airdrop, projectHeads, projectTails, []string{"Foundation", "Labs"}, active)
	for i := range p.Farmers {
		pl.farmers = append(pl.farmers, add(fmt.Sprintf("farmer-%d", i+1), KindAirdropFarmer, false))
	}
	for i := range p.CoinJoins {
		pl.coinjoins = append(pl.coinjoins, add(fmt.Sprintf("coinjoin-%d", i+1), KindCoinJoinRound, false))
	}

	// Retail users: bigger exchanges have more customers (weights 1, 1/2, 1/3, …).
	var weights []float64
	for i := range p.Exchanges {
		weights = append(weights, 1/float64(i+1))
	}
	width := len(fmt.Sprint(p.Retail))
	for i := range p.Retail {
		e := add(fmt.Sprintf("retail-%0*d", width, i+1), KindRetail, false)
		u := &retailUser{e: e, n: i, exchange: pickWeighted(r, weights), otc: r.Float64() < p.OTCCustomers,
			btcKind: btcKinds[pickWeighted(r, []float64{2, 5, 2, 1})], mixKinds: r.IntN(5) == 0, ethWallet: 1 + pickWeighted(r, []float64{5, 3, 2})}
		e.exchange = u.exchange
		pl.retail = append(pl.retail, u)
	}
	return pl
}

// pickWeighted returns an index with probability proportional to its weight.
func pickWeighted(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// joinRounds draws n rounds in [first, last] whose density grows geometrically: the last round is
// `growth` times as likely as the first. The draws are stratified (one in each n-th of the
// distribution), so even a few dozen follow the curve. The rounds come back sorted.
func joinRounds(r *rand.Rand, n, first, last int, growth float64) []int {
	out := make([]int, n)
	span := float64(last - first + 1)
	for i := range out {
		u := (float64(i) + r.Float64()) / float64(n)
		x := u // growth 1: uniform
		if growth > 1 {
			x = math.Log1p(u*(growth-1)) / math.Log(growth)
		}
		out[i] = min(last, first+int(x*span))
	}
	slices.Sort(out)
	return out
}

// pick chooses k distinct retail users in random order.
func (pl *plan) pickRetail(r *rand.Rand, k int) []*retailUser {
	idx := r.Perm(len(pl.retail))[:k]
	out := make([]*retailUser, k)
	for i, j := range idx {
		out[i] = pl.retail[j]
	}
	return out
}

// logUniform draws an integer in [lo, hi] uniform in its logarithm, rounded down to a multiple of step.
func logUniform(r *rand.Rand, lo, hi, step int64) int64 {
	v := int64(math.Exp(math.Log(float64(lo)) + r.Float64()*(math.Log(float64(hi))-math.Log(float64(lo)))))
	v -= v % step
	return max(v, lo-lo%step, step)
}

func ethHex(a common.Address) string { return strings.ToLower(a.Hex()) }

// truth assembles truth.json and the registry from what the chains recorded.
func (pl *plan) truth(btc, eth bool) (*Truth, []Company) {
	t := &Truth{Seed: pl.seed, Entities: []TruthEntity{}, Companies: []TruthCompany{}}
	var companies []Company
	for _, e := range pl.entities {
		te := TruthEntity{ID: e.id, Kind: e.kind, Fundraising: e.fundraising, Addresses: []ChainAddr{}, Contracts: []ChainAddr{}}
		if btc {
			for _, a := range e.btc {
				te.Addresses = append(te.Addresses, ChainAddr{chain.Bitcoin, a})
			}
		}
		if eth {
			for _, a := range e.eth {
				te.Addresses = append(te.Addresses, ChainAddr{chain.Ethereum, ethHex(a)})
			}
			for _, a := range e.contracts {
				te.Contracts = append(te.Contracts, ChainAddr{chain.Ethereum, ethHex(a)})
			}
		}
		present := len(te.Addresses)+len(te.Contracts) > 0
		if e.kind == KindCoinJoinRound {
			present = btc && !e.skipped
		}
		if !present {
			continue
		}
		if c := e.company; c != nil {
			id := c.CompanyID
			te.CompanyID = &id
			cc := *c
			cc.Addresses = nil
			if btc {
				for _, a := range e.knownBTC {
					cc.Addresses = append(cc.Addresses, ChainAddr{chain.Bitcoin, a})
				}
			}
			if eth {
				for _, a := range e.knownETH {
					cc.Addresses = append(cc.Addresses, ChainAddr{chain.Ethereum, ethHex(a)})
				}
			}
			companies = append(companies, cc)
			t.Companies = append(t.Companies, c.TruthCompany)
		}
		t.Entities = append(t.Entities, te)
	}
	return t, companies
}
