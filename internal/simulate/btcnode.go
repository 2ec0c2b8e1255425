package simulate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/btcwallet"
)

// btcBackend is where the Bitcoin side's transactions go: a btcd, or nothing in a dry run.
type btcBackend interface {
	// fund returns the mining address's spendable coins once they hold at least need satoshi, mining
	// blocks (to the mining address) until they do.
	fund(ctx context.Context, need int64) ([]btcwallet.UTXO, error)
	// broadcast sends transactions that spend only confirmed outputs (so in any order).
	broadcast(ctx context.Context, txs []*btcwallet.Tx) error
	// mine mines a block, and more until the mempool is empty, and returns the tip height.
	mine(ctx context.Context) (int64, error)
	tip(ctx context.Context) (int64, error)
}

// MiningAddress is the regtest address btcd must mine to (--miningaddr) for a seed: key 0 of the
// simulator's wallet, as P2PKH.
func MiningAddress(seed uint64) string {
	return btcwallet.New(&chaincfg.RegressionNetParams, walletSeed(seed), nil).Address(0, btcwallet.P2PKH)
}

func walletSeed(seed uint64) string { return fmt.Sprintf("chainsleuth-simulate-%d", seed) }

// btcNode drives a real btcd.
type btcNode struct {
	rpc    *btcRPC
	wallet *btcwallet.Wallet // knows key 0 only while funding: it finds the mining address's coins
	miner  string
	log    *slog.Logger
	synced int64
}

// checkNode makes sure the node is on regtest.
func (n *btcNode) checkNode(ctx context.Context) error {
	var info struct {
		Chain string `json:"chain"`
	}
	if err := n.rpc.Call(ctx, "getblockchaininfo", nil, &info); err != nil {
		return fmt.Errorf("reach the Bitcoin node: %w", err)
	}
	if info.Chain != "regtest" {
		return fmt.Errorf("the Bitcoin node at %s is on %q: the simulator only runs on regtest", n.rpc.endpoint, info.Chain)
	}
	return nil
}

func (n *btcNode) tip(ctx context.Context) (int64, error) {
	var h int64
	err := n.rpc.Call(ctx, "getblockcount", nil, &h)
	return h, err
}

func (n *btcNode) generate(ctx context.Context, k int) error {
	for k > 0 { // chunks: one huge call can outlast the HTTP timeout
		c := min(k, 200)
		var hashes []string
		if err := n.rpc.Call(ctx, "generate", []any{c}, &hashes); err != nil {
			return fmt.Errorf("mine %d blocks: %w", c, err)
		}
		k -= c
	}
	return nil
}

func (n *btcNode) block(ctx context.Context, height int64) (*wire.MsgBlock, error) {
	var hash, raw string
	if err := n.rpc.Call(ctx, "getblockhash", []any{height}, &hash); err != nil {
		return nil, err
	}
	if err := n.rpc.Call(ctx, "getblock", []any{hash, 0}, &raw); err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	return &msg, nil
}

// minesToUs checks that the coinbase of block height pays the mining address.
func (n *btcNode) minesToUs(ctx context.Context, height int64) error {
	b, err := n.block(ctx, height)
	if err != nil {
		return err
	}
	var paid []string
	for _, out := range b.Transactions[0].TxOut {
		_, addrs, _, err := txscript.ExtractPkScriptAddrs(out.PkScript, &chaincfg.RegressionNetParams)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.EncodeAddress() == n.miner {
				return nil
			}
			paid = append(paid, a.EncodeAddress())
		}
	}
	return fmt.Errorf("btcd at %s mines to %v, not to this seed's mining address %s: start it with --miningaddr=%s (scripts/btcd.sh: BTCD_MINING_ADDR=%s; `chainsleuth simulate --print-mining-address --seed N` prints it)",
		n.rpc.endpoint, paid, n.miner, n.miner, n.miner)
}

// sync feeds the blocks above synced to the wallet.
func (n *btcNode) sync(ctx context.Context) (int64, error) {
	tip, err := n.tip(ctx)
	if err != nil {
		return 0, err
	}
	for h := n.synced + 1; h <= tip; h++ {
		b, err := n.block(ctx, h)
		if err != nil {
			return 0, err
		}
		for _, tx := range b.Transactions {
			n.wallet.Apply(tx, h)
		}
	}
	n.synced = tip
	return tip, nil
}

func (n *btcNode) fund(ctx context.Context, need int64) ([]btcwallet.UTXO, error) {
	tip, err := n.tip(ctx)
	if err != nil {
		return nil, err
	}
	if tip == 0 {
		if err := n.generate(ctx, 1); err != nil {
			return nil, err
		}
		tip = 1
	}
	if err := n.minesToUs(ctx, tip); err != nil {
		return nil, err
	}
	mined := 0
	for {
		if tip, err = n.sync(ctx); err != nil {
			return nil, fmt.Errorf("read the chain for the mining address's coins: %w", err)
		}
		var coins []btcwallet.UTXO
		var have int64
		for _, u := range n.wallet.UTXOs(tip) {
			if u.Address == n.miner {
				coins = append(coins, u)
				have += u.Value
			}
		}
		if have >= need {
			n.log.Info("mining address funded", "chain", "btc", "height", tip, "coins", len(coins), "sat", have, "blocks_mined", mined)
			return coins, nil
		}
		if mined > 5000 {
			return nil, fmt.Errorf("the mining address %s holds %d sat after mining %d blocks, %d are needed: the regtest subsidy is too small at height %d; use a fresh node",
				n.miner, have, mined, need, tip)
		}
		k := 10
		if tip < 101 {
			k = int(101-tip) + int((need-have)/(50*1e8)) + 1
		} else if sub := subsidy(tip + 1); sub > 0 {
			k = min(200, int((need-have)/sub)+1)
		}
		if err := n.generate(ctx, k); err != nil {
			return nil, err
		}
		mined += k
	}
}

// subsidy is the regtest block subsidy at height (halving every 150 blocks).
func subsidy(height int64) int64 {
	halvings := height / int64(chaincfg.RegressionNetParams.SubsidyReductionInterval)
	if halvings >= 64 {
		return 0
	}
	return (50 * 1e8) >> halvings
}

func (n *btcNode) broadcast(ctx context.Context, txs []*btcwallet.Tx) error {
	if len(txs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *btcwallet.Tx)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				if err := n.send(ctx, t); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, t := range txs {
		select {
		case work <- t:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}

func (n *btcNode) send(ctx context.Context, t *btcwallet.Tx) error {
	var buf bytes.Buffer
	if err := t.Msg.Serialize(&buf); err != nil {
		return err
	}
	var txid string
	if err := n.rpc.Call(ctx, "sendrawtransaction", []any{hex.EncodeToString(buf.Bytes())}, &txid); err != nil {
		return fmt.Errorf("broadcast %s: %w", t.TxID, err)
	}
	if txid != t.TxID {
		return fmt.Errorf("the node accepted %s as %s", t.TxID, txid)
	}
	return nil
}

func (n *btcNode) mine(ctx context.Context) (int64, error) {
	for i := 0; i < 20; i++ {
		if err := n.generate(ctx, 1); err != nil {
			return 0, err
		}
		var pool []string
		if err := n.rpc.Call(ctx, "getrawmempool", nil, &pool); err != nil {
			return 0, err
		}
		if len(pool) == 0 {
			return n.tip(ctx)
		}
	}
	return 0, errors.New("the mempool still holds transactions after 20 blocks")
}

// btcDry is the backend of a dry run: made-up coinbases, nothing sent.
type btcDry struct {
	miner  string
	script []byte
	height int64
}

func (d *btcDry) fund(_ context.Context, need int64) ([]btcwallet.UTXO, error) {
	var coins []btcwallet.UTXO
	for i := int64(0); i*50e8 < need; i++ {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		h := chainhash.Hash(sha256.Sum256(append([]byte("dry-run coinbase "), b[:]...)))
		coins = append(coins, btcwallet.UTXO{OutPoint: wire.OutPoint{Hash: h}, Value: 50e8, Address: d.miner,
			Kind: btcwallet.P2PKH, PkScript: d.script, Coinbase: true, Height: 1})
	}
	d.height = 101 + int64(len(coins))
	return coins, nil
}

func (d *btcDry) broadcast(context.Context, []*btcwallet.Tx) error { return nil }
func (d *btcDry) mine(context.Context) (int64, error)              { d.height++; return d.height, nil }
func (d *btcDry) tip(context.Context) (int64, error)               { return d.height, nil }
