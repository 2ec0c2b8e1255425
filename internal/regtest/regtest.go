package regtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Chain is a regtest node and the wallet that owns its coins.
type Chain struct {
	Node   *testenv.Btcd
	Wallet *btcwallet.Wallet
	// Synced is the last height fed to the wallet.
	Synced int64
}

// Start launches a node mining to the wallet's key 0 and mines blocks.
func Start(t testing.TB, seed string, blocks int) *Chain {
	t.Helper()
	probe := btcwallet.New(&chaincfg.RegressionNetParams, seed, nil)
	node := testenv.StartBtcd(t, probe.Address(0, btcwallet.P2PKH))
	c := &Chain{Node: node, Wallet: btcwallet.New(&chaincfg.RegressionNetParams, seed, node)}
	c.Wallet.Key(0) // the mining key: its coinbases belong to the wallet
	if blocks > 0 {
		c.Mine(t, blocks)
	}
	return c
}

// Mine generates n blocks and feeds every block since the last sync to the wallet.
func (c *Chain) Mine(t testing.TB, n int) {
	t.Helper()
	ctx := context.Background()
	for n > 0 { // generate in chunks: one huge call can outlast the HTTP timeout
		k := min(n, 200)
		if _, err := c.Node.Generate(ctx, k); err != nil {
			t.Fatalf("generate %d: %v", k, err)
		}
		n -= k
	}
	c.Sync(t)
}

// Sync feeds blocks above Synced to the wallet.
func (c *Chain) Sync(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	tip, err := c.Node.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for h := c.Synced + 1; h <= tip; h++ {
		var hash, raw string
		if err := c.Node.Call(ctx, "getblockhash", []any{h}, &hash); err != nil {
			t.Fatal(err)
		}
		if err := c.Node.Call(ctx, "getblock", []any{hash, 0}, &raw); err != nil {
			t.Fatal(err)
		}
		b, err := hex.DecodeString(raw)
		if err != nil {
			t.Fatal(err)
		}
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		for _, tx := range msg.Transactions {
			c.Wallet.Apply(tx, h)
		}
	}
	c.Synced = tip
}

// Send builds, signs and broadcasts a payment.
func (c *Chain) Send(t testing.TB, inputs []btcwallet.UTXO, outs []btcwallet.Output, change string) *btcwallet.Tx {
	t.Helper()
	tx, err := c.Wallet.Build(inputs, outs, change)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Wallet.Send(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

// UTXOOf finds the wallet's output of txid paying addr.
func (c *Chain) UTXOOf(t testing.TB, txid string, addr string) btcwallet.UTXO {
	t.Helper()
	for _, u := range c.Wallet.UTXOs(c.Synced) {
		if u.OutPoint.Hash.String() == txid && u.Address == addr {
			return u
		}
	}
	t.Fatalf("no UTXO of %s paying %s", txid, addr)
	return btcwallet.UTXO{}
}

var kinds = []btcwallet.Kind{btcwallet.P2PKH, btcwallet.P2WPKH, btcwallet.P2SHP2WPKH, btcwallet.P2TR}

// Fill mines blocks, each holding txPerBlock payments among `addresses`
// wallet keys of every type: spends of one to three confirmed outputs, two to
// three payees, change, now and then an OP_RETURN. The chain must already
// have mature coinbases.
func (c *Chain) Fill(t testing.TB, rng *rand.Rand, blocks, txPerBlock, addresses int) []*btcwallet.Tx {
	t.Helper()
	var sent []*btcwallet.Tx
	w := c.Wallet
	addr := func() string { return w.Address(1+rng.IntN(addresses), kinds[rng.IntN(len(kinds))]) }
	for b := 0; b < blocks; b++ {
		confirmed := confirmedUTXOs(w.UTXOs(c.Synced))
		// Keep enough confirmed coins around: split a big one when short.
		if len(confirmed) < 3*txPerBlock {
			big := confirmed[0]
			n := 3 * txPerBlock
			per := (big.Value - 100_000) / int64(n)
			var outs []btcwallet.Output
			for i := 0; i < n; i++ {
				outs = append(outs, btcwallet.Output{Address: addr(), Value: per})
			}
			sent = append(sent, c.Send(t, []btcwallet.UTXO{big}, outs, ""))
			c.Mine(t, 1)
			confirmed = confirmedUTXOs(w.UTXOs(c.Synced))
		}
		rng.Shuffle(len(confirmed), func(i, j int) { confirmed[i], confirmed[j] = confirmed[j], confirmed[i] })
		next := 0
		for i := 0; i < txPerBlock && next < len(confirmed); i++ {
			k := min(1+rng.IntN(3), len(confirmed)-next)
			ins := confirmed[next : next+k]
			next += k
			var total int64
			for _, u := range ins {
				total += u.Value
			}
			var outs []btcwallet.Output
			payees := 2 + rng.IntN(2)
			for p := 0; p < payees-1; p++ {
				outs = append(outs, btcwallet.Output{Address: addr(), Value: total / int64(payees+1)})
			}
			if rng.IntN(10) == 0 {
				outs = append(outs, btcwallet.Output{Data: []byte("fill")})
			}
			sent = append(sent, c.Send(t, ins, outs, addr()))
		}
		c.Mine(t, 1)
	}
	return sent
}

func confirmedUTXOs(us []btcwallet.UTXO) []btcwallet.UTXO {
	var out []btcwallet.UTXO
	for _, u := range us {
		if u.Height >= 0 && u.Value > 20_000 {
			out = append(out, u)
		}
	}
	return out
}

// Reorg replaces the chain from height on: it invalidates the block there,
// broadcasts a fresh payment (when a coin confirmed below height is left) so
// the replacement blocks differ, and mines
// blocks until the new chain is `longer` blocks longer than the old tip. The
// wallet may keep outputs of orphaned blocks: send nothing that relies on
// them afterwards.
func (c *Chain) Reorg(t testing.TB, height int64, longer int) {
	t.Helper()
	ctx := context.Background()
	oldTip, err := c.Node.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := c.Node.Call(ctx, "getblockhash", []any{height}, &hash); err != nil {
		t.Fatal(err)
	}
	if err := c.Node.Call(ctx, "invalidateblock", []any{hash}, nil); err != nil {
		t.Fatalf("invalidateblock %d: %v", height, err)
	}
	var marker *btcwallet.UTXO
	for _, u := range c.Wallet.UTXOs(height - 1) {
		if u.Height >= 0 && u.Height < height && u.Value > 100_000 {
			u := u
			marker = &u
			break
		}
	}
	// Without a spare coin the replacement still differs when the orphaned
	// blocks held transactions: they return to the mempool and all land in
	// the first new block. The hash check below catches the rest.
	// The wallet may still list coins of blocks orphaned by an earlier reorg,
	// so a refused marker is no failure.
	if marker != nil {
		tx, err := c.Wallet.Build([]btcwallet.UTXO{*marker}, []btcwallet.Output{{Address: c.Wallet.Address(999, btcwallet.P2WPKH), Value: marker.Value / 2}}, c.Wallet.Address(998, btcwallet.P2TR))
		if err == nil {
			if err := c.Wallet.Send(ctx, tx); err != nil {
				t.Logf("reorg marker refused (%v); relying on the orphaned transactions", err)
			}
		}
	}
	c.Synced = height - 1
	c.Mine(t, int(oldTip-height+1)+longer)
	var newHash string
	if err := c.Node.Call(ctx, "getblockhash", []any{height}, &newHash); err != nil {
		t.Fatal(err)
	}
	if newHash == hash {
		t.Fatalf("reorg at %d produced the same block again", height)
	}
}
