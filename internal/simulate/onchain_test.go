package simulate

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// nodes are a fresh regtest btcd mining to the seed's address and a fresh in-process dev chain.
type nodes struct {
	btcd  *testenv.Btcd
	chain *devnet.Chain
}

func startNodes(t *testing.T, seed uint64) nodes {
	t.Helper()
	btcd := testenv.StartBtcd(t, MiningAddress(seed))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		t.Fatalf("start the dev chain: %v", err)
	}
	t.Cleanup(func() { chain.Close() })
	return nodes{btcd, chain}
}

func runOn(t *testing.T, n nodes, seed uint64, p Params) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{Seed: seed, Params: p, BTCRPC: n.btcd.URL, ETHRPC: n.chain.URL()})
	if err != nil {
		t.Fatalf("simulate seed %d: %v", seed, err)
	}
	return res
}

// TestSmallWorldIsOnChainAsTheTruthSays runs the small world twice on fresh nodes, and checks the first
// run's claims against what the nodes hold.
func TestSmallWorldIsOnChainAsTheTruthSays(t *testing.T) {
	const seed = 31
	p := testParams(t)
	first := startNodes(t, seed)
	res := runOn(t, first, seed, p)
	t.Logf("small world: btc %d transactions in blocks %d-%d, eth %d in blocks %d-%d, %s",
		res.BTC.Txs, res.BTC.FirstHeight, res.BTC.LastHeight, res.ETH.Txs, res.ETH.FirstBlock, res.ETH.LastBlock, res.Elapsed.Round(time.Millisecond))

	t.Run("the same seed on other fresh nodes writes the same truth", func(t *testing.T) {
		again := runOn(t, startNodes(t, seed), seed, p)
		if !bytes.Equal(truthBytes(t, res), truthBytes(t, again)) {
			t.Error("truth.json differs between two runs of one seed")
		}
		if !bytes.Equal(companiesBytes(t, res), companiesBytes(t, again)) {
			t.Error("companies.csv differs between two runs of one seed")
		}
		if res.BTC.Txs != again.BTC.Txs || res.ETH.Txs != again.ETH.Txs {
			t.Errorf("transactions: btc %d then %d, eth %d then %d", res.BTC.Txs, again.BTC.Txs, res.ETH.Txs, again.ETH.Txs)
		}
	})
	t.Run("a dry run writes the same truth", func(t *testing.T) {
		_, dryTruth, dryCompanies := dryRun(t, seed, p, true, true)
		if !bytes.Equal(truthBytes(t, res), dryTruth) || !bytes.Equal(companiesBytes(t, res), dryCompanies) {
			t.Error("the dry run's truth differs from the run's on nodes")
		}
	})
	t.Run("bitcoin", func(t *testing.T) { checkBitcoin(t, first.btcd, res, seed) })
	t.Run("ethereum", func(t *testing.T) { checkEthereum(t, first.chain, res, seed) })
}

type btcOut struct {
	addr  string
	value int64
}

func outAddr(script []byte) string {
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, &chaincfg.RegressionNetParams)
	if err != nil || len(addrs) != 1 {
		return ""
	}
	return addrs[0].EncodeAddress()
}

func checkBitcoin(t *testing.T, btcd *testenv.Btcd, res *Result, seed uint64) {
	ctx := context.Background()
	btc, err := dialBTC(btcd.URL)
	if err != nil {
		t.Fatal(err)
	}
	node := &btcNode{rpc: btc}
	tip, err := node.tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owners := res.Truth.Owners()
	miner := MiningAddress(seed)
	outs := map[wire.OutPoint]btcOut{}
	spent := map[wire.OutPoint]bool{}
	paid := map[string]int{}
	txs := map[string]*wire.MsgTx{}
	heightOf := map[string]int64{}
	var order []string
	for h := int64(1); h <= tip; h++ {
		b, err := node.block(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		for i, tx := range b.Transactions {
			id := tx.TxHash()
			txs[id.String()] = tx
			heightOf[id.String()] = h
			order = append(order, id.String())
			if i > 0 {
				for _, in := range tx.TxIn {
					spent[in.PreviousOutPoint] = true
				}
			}
			seen := map[string]bool{}
			for v, o := range tx.TxOut {
				a := outAddr(o.PkScript)
				outs[wire.OutPoint{Hash: id, Index: uint32(v)}] = btcOut{a, o.Value}
				if i == 0 || seen[a] {
					continue
				}
				seen[a] = true
				paid[a]++
				if h >= res.BTC.FirstHeight && a != miner && owners["btc:"+a] == "" {
					t.Errorf("block %d: %s pays %s, which no entity of the truth controls", h, id, a)
				}
			}
		}
	}
	owner := func(op wire.OutPoint) string { return owners["btc:"+outs[op].addr] }

	// Every address of the truth received, as often as the run says.
	addrs := 0
	for _, e := range res.Truth.Entities {
		for _, a := range e.Addresses {
			if a.Chain != "btc" {
				continue
			}
			addrs++
			if paid[a.Address] == 0 {
				t.Errorf("%s: %s never received anything", e.ID, a.Address)
			} else if paid[a.Address] != res.BTC.Inflows[a.Address] {
				t.Errorf("%s: %s was paid by %d transactions, the run says %d", e.ID, a.Address, paid[a.Address], res.BTC.Inflows[a.Address])
			}
		}
	}

	// Balances: every entity's unspent outputs on chain are the coins the run says it holds.
	unspent := map[string]map[string]int64{}
	for op, o := range outs {
		if id := owners["btc:"+o.addr]; id != "" && !spent[op] {
			if unspent[id] == nil {
				unspent[id] = map[string]int64{}
			}
			unspent[id][fmt.Sprintf("%s:%d", op.Hash, op.Index)] = o.value
		}
	}
	for _, e := range res.Truth.Entities {
		var onChain, claimed int64
		for _, v := range unspent[e.ID] {
			onChain += v
		}
		for _, c := range res.BTC.Holdings[e.ID] {
			claimed += c.Value
			if unspent[e.ID][fmt.Sprintf("%s:%d", c.TxID, c.Vout)] != c.Value {
				t.Errorf("%s: coin %s:%d of %d sat is not unspent on chain", e.ID, c.TxID, c.Vout, c.Value)
			}
		}
		if onChain != claimed || len(unspent[e.ID]) != len(res.BTC.Holdings[e.ID]) {
			t.Errorf("%s: %d sat in %d outputs on chain, the run says %d sat in %d", e.ID, onChain, len(unspent[e.ID]), claimed, len(res.BTC.Holdings[e.ID]))
		}
		if e.Kind == KindExchange { // everything was swept from the deposit addresses into the hot wallet
			hot := map[string]bool{e.Addresses[0].Address: true, e.Addresses[1].Address: true}
			for op, o := range outs {
				if owners["btc:"+o.addr] == e.ID && !spent[op] && !hot[o.addr] {
					t.Errorf("%s: deposit address %s still holds %d sat", e.ID, o.addr, o.value)
				}
			}
		}
	}
	// The node's own UTXO set agrees for a few entities.
	for _, id := range []string{"exchange-1", "ponzi-btc-1", "otc-1", "retail-01", "retail-02"} {
		for _, c := range res.BTC.Holdings[id] {
			var got *struct {
				Value float64 `json:"value"`
			}
			if err := btc.Call(ctx, "gettxout", []any{c.TxID, c.Vout}, &got); err != nil {
				t.Fatal(err)
			}
			if got == nil || int64(math.Round(got.Value*1e8)) != c.Value {
				t.Errorf("%s: gettxout %s:%d is %v, want %d sat", id, c.TxID, c.Vout, got, c.Value)
			}
		}
	}

	// The collector's payments: each from a retail user, to the collector.
	for _, c := range res.BTC.Collectors {
		if len(c.PaymentTxIDs) != c.Payments || c.Payments == 0 {
			t.Fatalf("%s: %d payments, %d transaction ids", c.Entity, c.Payments, len(c.PaymentTxIDs))
		}
		for _, id := range c.PaymentTxIDs {
			tx := txs[id]
			if tx == nil {
				t.Fatalf("%s: payment %s is not on chain", c.Entity, id)
			}
			toCollector := false
			for _, o := range tx.TxOut {
				toCollector = toCollector || owners["btc:"+outAddr(o.PkScript)] == c.Entity
			}
			payer := owner(tx.TxIn[0].PreviousOutPoint)
			if !toCollector || !strings.HasPrefix(payer, "retail-") {
				t.Errorf("%s: payment %s from %q does not pay the collector", c.Entity, id, payer)
			}
		}
	}

	// Payouts: the collector pays earlier payers, at the address they paid from.
	for _, c := range res.BTC.Collectors {
		firstPaid := map[string]int64{}
		for _, id := range c.PaymentTxIDs {
			a := outs[txs[id].TxIn[0].PreviousOutPoint].addr
			if h, ok := firstPaid[a]; !ok || heightOf[id] < h {
				firstPaid[a] = heightOf[id]
			}
		}
		payouts := 0
		for _, id := range order {
			tx := txs[id]
			if owner(tx.TxIn[0].PreviousOutPoint) != c.Entity {
				continue
			}
			for _, o := range tx.TxOut {
				a := outAddr(o.PkScript)
				if !strings.HasPrefix(owners["btc:"+a], "retail-") {
					continue
				}
				payouts++
				if h, ok := firstPaid[a]; !ok || h >= heightOf[id] {
					t.Errorf("%s: %s pays %s, which had not paid the collector before", c.Entity, id, a)
				}
			}
		}
		if payouts == 0 || payouts != c.Payouts {
			t.Errorf("%s: %d payouts on chain, the run says %d", c.Entity, payouts, c.Payouts)
		}
	}

	// CoinJoins: equal outputs, one per participant, inputs from that many distinct retail users.
	if len(res.BTC.CoinJoins) == 0 {
		t.Fatal("no CoinJoin")
	}
	for _, cj := range res.BTC.CoinJoins {
		tx := txs[cj.TxID]
		if tx == nil {
			t.Fatalf("%s: %s is not on chain", cj.Entity, cj.TxID)
		}
		equal := 0
		outOwners := map[string]bool{}
		for _, o := range tx.TxOut {
			if o.Value == cj.Denomination {
				equal++
				outOwners[owners["btc:"+outAddr(o.PkScript)]] = true
			}
		}
		inOwners := map[string]bool{}
		for _, in := range tx.TxIn {
			id := owner(in.PreviousOutPoint)
			if !strings.HasPrefix(id, "retail-") {
				t.Errorf("%s: an input of %s belongs to %q", cj.Entity, cj.TxID, id)
			}
			inOwners[id] = true
		}
		if equal != cj.Participants || len(inOwners) != cj.Participants || len(outOwners) != cj.Participants || len(tx.TxIn) < 3 {
			t.Errorf("%s: %d outputs of %d sat, %d input owners, %d owners of the equal outputs, %d participants",
				cj.Entity, equal, cj.Denomination, len(inOwners), len(outOwners), cj.Participants)
		}
		for id := range outOwners {
			if !inOwners[id] {
				t.Errorf("%s: an equal output goes to %s, who put nothing in", cj.Entity, id)
			}
		}
	}
	t.Logf("bitcoin: %d addresses of the truth received as the run says; %d entities hold what it says; %d CoinJoins",
		addrs, len(unspent), len(res.BTC.CoinJoins))
}

var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

func balanceOf(t *testing.T, client *ethclient.Client, tok, holder common.Address) *big.Int {
	t.Helper()
	data, err := devnet.Pack(devnet.ERC20, "balanceOf", holder)
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.CallContract(context.Background(), ethereum.CallMsg{To: &tok, Data: data}, nil)
	if err != nil {
		t.Fatalf("balanceOf(%s) on %s: %v", holder, tok, err)
	}
	return new(big.Int).SetBytes(out)
}

func checkEthereum(t *testing.T, chain *devnet.Chain, res *Result, seed uint64) {
	ctx := context.Background()
	client, err := chain.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	owners := res.Truth.Owners()
	funder := ethHex(devnet.DevAccount(0).Address)
	k := ethKey(fmt.Sprintf("chainsleuth-simulate-%d-eth-issuer", seed))
	issuer := ethHex(crypto.PubkeyToAddress(k.PublicKey))
	collector := res.Truth.Entity("ponzi-eth-1").Addresses[0].Address
	signer := types.LatestSignerForChainID(big.NewInt(devnet.ChainID))
	seen := map[string]bool{}
	payments, payouts := 0, 0
	paidIn := map[string]bool{}
	type ethMove struct {
		block    uint64
		from, to string
		value    *big.Int
	}
	var moves []ethMove
	for n := res.ETH.FirstBlock; n <= res.ETH.LastBlock; n++ {
		block, err := client.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range block.Transactions() {
			from, err := types.Sender(signer, tx)
			if err != nil {
				t.Fatal(err)
			}
			f := ethHex(from)
			seen[f] = true
			if owners["eth:"+f] == "" && f != funder && f != issuer {
				t.Errorf("block %d: %s is sent by %s, which no entity of the truth controls", n, tx.Hash(), f)
			}
			if tx.To() != nil {
				to := ethHex(*tx.To())
				seen[to] = true
				if to == collector && tx.Value().Sign() > 0 && owners["eth:"+f] != "ponzi-eth-1" {
					payments++
					paidIn[f] = true
				}
				if f == collector && strings.HasPrefix(owners["eth:"+to], "retail-") {
					payouts++
					if !paidIn[to] {
						t.Errorf("block %d: the collector pays %s, which never paid it", n, to)
					}
				}
				if tx.Value().Sign() > 0 {
					moves = append(moves, ethMove{n, f, to, new(big.Int).Set(tx.Value())})
				}
			}
		}
		receipts, err := client.BlockReceipts(ctx, rpc.BlockNumberOrHashWithNumber(rpc.BlockNumber(n)))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range receipts {
			for _, l := range r.Logs {
				if len(l.Topics) == 3 && l.Topics[0] == transferTopic {
					seen[ethHex(common.BytesToAddress(l.Topics[1][:]))] = true
					seen[ethHex(common.BytesToAddress(l.Topics[2][:]))] = true
				}
			}
		}
	}
	addrs := 0
	for _, e := range res.Truth.Entities {
		for _, a := range e.Addresses {
			if a.Chain == "eth" {
				addrs++
				if !seen[a.Address] {
					t.Errorf("%s: %s never appears on chain", e.ID, a.Address)
				}
			}
		}
		for _, c := range e.Contracts {
			code, err := client.CodeAt(ctx, common.HexToAddress(c.Address), nil)
			if err != nil || len(code) == 0 {
				t.Errorf("%s: contract %s has no code (%v)", e.ID, c.Address, err)
			}
		}
	}
	if want := res.ETH.Collectors[0].Payments; payments != want || payments == 0 {
		t.Errorf("ponzi-eth-1 was paid by %d transactions on chain, the run says %d", payments, want)
	}
	if payouts == 0 || payouts != res.ETH.Collectors[0].Payouts {
		t.Errorf("ponzi-eth-1 paid out %d times on chain, the run says %d", payouts, res.ETH.Collectors[0].Payouts)
	}

	// Deposit forwarding: every ETH payment into an exchange's deposit account goes on to the exchange's
	// hot wallet within a few blocks (one to three rounds; a round now and then takes more than one
	// block), less the fee of a 21,000-gas transfer at 4 gwei.
	fee := new(big.Int).Mul(big.NewInt(gasTransfer*ethGasPrice), big.NewInt(1e9))
	hotOf := map[string]string{}
	for _, e := range res.Truth.OfKind(KindExchange) {
		for _, a := range e.Addresses {
			if a.Chain == "eth" {
				hotOf[e.ID] = a.Address // the first Ethereum address is the hot wallet
				break
			}
		}
	}
	forwarded := 0
	for i, m := range moves {
		x := owners["eth:"+m.to]
		if !strings.HasPrefix(x, "exchange-") || m.to == hotOf[x] || owners["eth:"+m.from] == x {
			continue
		}
		want := new(big.Int).Sub(m.value, fee)
		found := false
		for _, f := range moves[i+1:] {
			if f.block > m.block+10 {
				break
			}
			if f.from == m.to && f.to == hotOf[x] && f.value.Cmp(want) == 0 {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: %s wei paid into deposit account %s in block %d was not forwarded, less the fee, within ten blocks", x, m.value, m.to, m.block)
		} else {
			forwarded++
		}
	}
	if forwarded == 0 {
		t.Error("no deposit forward")
	}

	// Token holdings: every balance the run ends with, by balanceOf; the crowdsale's buyers are retail
	// users and hold all of the sale token.
	holdings := 0
	for tok, m := range res.ETH.Tokens {
		total := new(big.Int)
		for holder, want := range m {
			got := balanceOf(t, client, common.HexToAddress(tok), common.HexToAddress(holder))
			if got.String() != want {
				t.Errorf("token %s: %s holds %s, the run says %s", tok, holder, got, want)
			}
			total.Add(total, got)
			holdings++
			if tok == res.ETH.SaleToken && !strings.HasPrefix(owners["eth:"+holder], "retail-") {
				t.Errorf("sale token holder %s is %q, not a buyer", holder, owners["eth:"+holder])
			}
		}
		if tok == res.ETH.SaleToken {
			data, _ := devnet.Pack(devnet.ERC20, "totalSupply")
			to := common.HexToAddress(tok)
			out, err := client.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
			if err != nil || new(big.Int).SetBytes(out).Cmp(total) != 0 || len(m) < 5 {
				t.Errorf("sale token: supply %x, buyers hold %s in %d accounts (%v)", out, total, len(m), err)
			}
		}
	}
	// Each farmer's collector holds the drop of all its farm accounts.
	drop := common.HexToAddress(res.ETH.AirdropToken)
	for _, e := range res.Truth.OfKind(KindAirdropFarmer) {
		want := new(big.Int).Mul(big.NewInt(int64(len(e.Addresses)-1)*airdropAmount), devnet.Ether)
		if got := balanceOf(t, client, drop, common.HexToAddress(e.Addresses[0].Address)); got.Cmp(want) != 0 {
			t.Errorf("%s: its collector holds %s drop units, want %s", e.ID, got, want)
		}
	}
	// Exchange deposit accounts were emptied into the hot wallet: at most α = 0.01 ETH left, no TUSD.
	alpha := new(big.Int).Div(devnet.Ether, big.NewInt(100))
	tusdToken := common.HexToAddress(res.ETH.Stablecoin)
	deposits := 0
	for _, e := range res.Truth.OfKind(KindExchange) {
		var eth []string
		for _, a := range e.Addresses {
			if a.Chain == "eth" {
				eth = append(eth, a.Address)
			}
		}
		hot, err := client.BalanceAt(ctx, common.HexToAddress(eth[0]), nil)
		if err != nil || hot.Sign() == 0 {
			t.Errorf("%s: hot wallet %s is empty (%v)", e.ID, eth[0], err)
		}
		for _, d := range eth[1:] {
			deposits++
			bal, err := client.BalanceAt(ctx, common.HexToAddress(d), nil)
			if err != nil {
				t.Fatal(err)
			}
			if bal.Cmp(alpha) > 0 {
				t.Errorf("%s: deposit account %s still holds %s wei", e.ID, d, bal)
			}
			if tb := balanceOf(t, client, tusdToken, common.HexToAddress(d)); tb.Sign() != 0 {
				t.Errorf("%s: deposit account %s still holds %s TUSD units", e.ID, d, tb)
			}
		}
	}
	t.Logf("ethereum: %d addresses of the truth on chain, %d token balances as the run says, %d deposit accounts emptied, %d deposits forwarded, %d collector payments, %d payouts",
		addrs, holdings, deposits, forwarded, payments, payouts)
}
