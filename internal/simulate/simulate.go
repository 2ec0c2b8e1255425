package simulate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
)

// Result is what a run did: the truth and registry it writes, and per chain what went on chain, for
// tests and the summary.
type Result struct {
	Truth     *Truth
	Companies []Company
	BTC       *BTCStats // nil when Bitcoin was left out
	ETH       *ETHStats // nil when Ethereum was left out
	Elapsed   time.Duration
}

// BTCStats is the Bitcoin side of a run.
type BTCStats struct {
	Txs           int            // transactions sent (coinbases not counted)
	TxsByActivity map[string]int // the same by what they did
	// FirstHeight and LastHeight bound the blocks holding the world's transactions; Blocks were mined
	// for them (blocks mined to fund the mining address before come on top).
	FirstHeight, LastHeight int64
	Blocks                  int
	Elapsed                 time.Duration
	CoinJoins               []CoinJoinTx
	Collectors              []CollectorStats
	// Holdings are the coins each entity holds at the end (by entity id).
	Holdings map[string][]Coin
	// Inflows counts, for every address of the world, the transactions paying it.
	Inflows map[string]int
}

// CoinJoinTx is one CoinJoin transaction.
type CoinJoinTx struct {
	Entity                        string
	TxID                          string
	Denomination                  int64
	Participants, Inputs, Outputs int
}

// Coin is an unspent output.
type Coin struct {
	TxID    string
	Vout    uint32
	Value   int64
	Address string
}

// CollectorStats is what a Ponzi-like collector received and paid.
type CollectorStats struct {
	Entity, Chain string
	// Payments into the collector by its payers, and how many distinct payers made them.
	Payments, Payers int
	Payouts          int // payouts to earlier payers (outputs or transfers)
	CashOuts         int // transfers to its exchange
	// PaymentsByRound counts payments per round (index = round): the growth over time.
	PaymentsByRound []int
	PaymentTxIDs    []string
}

// Run builds the world of cfg on the configured nodes (or dry) and returns its truth.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if err := cfg.Params.Validate(); err != nil {
		return nil, err
	}
	btcOn, ethOn := cfg.BTCRPC != "", cfg.ETHRPC != ""
	if cfg.DryRun {
		btcOn, ethOn = cfg.BTC, cfg.ETH
	}
	if !btcOn && !ethOn {
		return nil, errors.New("no chain to simulate: give a Bitcoin or an Ethereum node (or both)")
	}
	log := cfg.logger()
	pl := newPlan(cfg.Seed, cfg.Params)
	res := &Result{}

	// Reach the nodes before anything is sent.
	var bw *btcWorld
	if btcOn {
		var backend btcBackend
		miner := MiningAddress(cfg.Seed)
		if cfg.DryRun {
			script, err := payScript(miner)
			if err != nil {
				return nil, err
			}
			backend = &btcDry{miner: miner, script: script}
		} else {
			rpc, err := dialBTC(cfg.BTCRPC)
			if err != nil {
				return nil, err
			}
			node := &btcNode{rpc: rpc, miner: miner, log: log,
				wallet: btcwallet.New(&chaincfg.RegressionNetParams, walletSeed(cfg.Seed), rpc)}
			node.wallet.Key(0)
			if err := node.checkNode(ctx); err != nil {
				return nil, err
			}
			backend = node
		}
		bw = newBTCWorld(pl, backend, log)
		res.BTC = bw.stats
	}
	var ew *ethWorld
	if ethOn {
		var err error
		ew, err = newETHWorld(ctx, pl, cfg, log)
		if err != nil {
			return nil, err
		}
		defer ew.close()
		res.ETH = ew.stats
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	if bw != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			if err := bw.run(ctx); err != nil {
				errs[0] = fmt.Errorf("simulate btc: %w", err)
				cancel()
			}
			bw.stats.Elapsed = time.Since(t)
		}()
	}
	if ew != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			if err := ew.run(ctx); err != nil {
				errs[1] = fmt.Errorf("simulate eth: %w", err)
				cancel()
			}
			ew.stats.Elapsed = time.Since(t)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res.Truth, res.Companies = pl.truth(btcOn, ethOn)
	res.Elapsed = time.Since(start)
	return res, nil
}

func payScript(addr string) ([]byte, error) {
	w := btcwallet.New(&chaincfg.RegressionNetParams, "", nil)
	script, err := w.PkScript(addr)
	if err != nil {
		return nil, err
	}
	return script, nil
}
