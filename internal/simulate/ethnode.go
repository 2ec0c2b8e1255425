package simulate

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// ethSent is a transaction of the current round and what it was for (for error messages).
type ethSent struct {
	tx       *types.Transaction
	activity string
}

// ethBackend is where the Ethereum side's transactions go: the dev chain, or nothing in a dry run.
type ethBackend interface {
	// submit sends the transactions and seals blocks until every one of them is in a block, and fails
	// when one is refused or failed on chain. It returns the last block sealed.
	submit(ctx context.Context, txs []ethSent) (uint64, error)
	close()
}

// ethNode drives a dev chain over JSON-RPC.
type ethNode struct {
	rpc    *rpc.Client
	client *ethclient.Client
	url    string
	log    *slog.Logger
	head   uint64
}

func dialETH(ctx context.Context, url string, log *slog.Logger) (*ethNode, error) {
	c, err := rpc.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("dial the Ethereum node %s: %w", url, err)
	}
	n := &ethNode{rpc: c, client: ethclient.NewClient(c), url: url, log: log}
	head, err := n.client.BlockNumber(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("reach the Ethereum node %s: %w", url, err)
	}
	n.head = head
	return n, nil
}

func (n *ethNode) close() { n.rpc.Close() }

// gasPerChunk bounds the gas limits of the transactions sealed together, below half the dev chain's
// block gas limit, so the base fee never rises.
const gasPerChunk = 25_000_000

func (n *ethNode) submit(ctx context.Context, txs []ethSent) (uint64, error) {
	for start := 0; start < len(txs); {
		end, gas := start, uint64(0)
		for end < len(txs) && (end == start || gas+txs[end].tx.Gas() <= gasPerChunk) {
			gas += txs[end].tx.Gas()
			end++
		}
		if err := n.sendAll(ctx, txs[start:end]); err != nil {
			return 0, err
		}
		if err := n.seal(ctx, txs[start:end]); err != nil {
			return 0, err
		}
		start = end
	}
	if len(txs) == 0 {
		if err := n.seal(ctx, nil); err != nil {
			return 0, err
		}
	}
	return n.head, nil
}

// sendAll sends transactions in batches. geth's pool catches up with a new head in the background, so
// right after a block it may still judge a transaction by the state before it and refuse it for
// "insufficient funds" though the block paid the sender: such refusals are retried for a while.
func (n *ethNode) sendAll(ctx context.Context, txs []ethSent) error {
	for try := 0; len(txs) > 0; try++ {
		var retry []ethSent
		for start := 0; start < len(txs); start += 500 {
			chunk := txs[start:min(len(txs), start+500)]
			batch := make([]rpc.BatchElem, len(chunk))
			hashes := make([]common.Hash, len(chunk))
			for i, s := range chunk {
				raw, err := s.tx.MarshalBinary()
				if err != nil {
					return err
				}
				batch[i] = rpc.BatchElem{Method: "eth_sendRawTransaction", Args: []any{hexutil.Encode(raw)}, Result: &hashes[i]}
			}
			if err := n.rpc.BatchCallContext(ctx, batch); err != nil {
				return fmt.Errorf("send %d transactions to %s: %w", len(chunk), n.url, err)
			}
			for i, el := range batch {
				if el.Error == nil {
					continue
				}
				s := chunk[i]
				if strings.Contains(el.Error.Error(), "insufficient funds") && try < 100 {
					retry = append(retry, s)
					continue
				}
				return fmt.Errorf("the node refused %s (%s, nonce %d, to %s): %w", s.tx.Hash(), s.activity, s.tx.Nonce(), toText(s.tx.To()), el.Error)
			}
		}
		txs = retry
		if len(txs) > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

func toText(to *common.Address) string {
	if to == nil {
		return "a new contract"
	}
	return strings.ToLower(to.Hex())
}

// seal mines blocks (dev_mine) until every transaction of txs is in one, and checks they all succeeded.
// Blocks sealed by someone else meanwhile (an auto-sealing chain) are read too.
func (n *ethNode) seal(ctx context.Context, txs []ethSent) error {
	want := make(map[common.Hash]int, len(txs))
	for i, s := range txs {
		want[s.tx.Hash()] = i
	}
	for try := 0; ; try++ {
		var mined hexutil.Uint64
		if err := n.rpc.CallContext(ctx, &mined, "dev_mine"); err != nil {
			return fmt.Errorf("seal a block on %s (dev_mine; is it chainsleuth's dev chain, bin/devnet?): %w", n.url, err)
		}
		head, err := n.client.BlockNumber(ctx)
		if err != nil {
			return err
		}
		for b := n.head + 1; b <= head; b++ {
			receipts, err := n.client.BlockReceipts(ctx, rpc.BlockNumberOrHashWithNumber(rpc.BlockNumber(b)))
			if err != nil {
				return fmt.Errorf("receipts of block %d: %w", b, err)
			}
			for _, r := range receipts {
				i, ok := want[r.TxHash]
				if !ok {
					continue
				}
				if r.Status != types.ReceiptStatusSuccessful {
					s := txs[i]
					return fmt.Errorf("transaction %s (%s, nonce %d, to %s) failed in block %d", r.TxHash, s.activity, s.tx.Nonce(), toText(s.tx.To()), b)
				}
				delete(want, r.TxHash)
			}
		}
		n.head = head
		if len(want) == 0 {
			return nil
		}
		if try >= 20 {
			return fmt.Errorf("%d transactions are still not in a block after sealing %d blocks", len(want), try+1)
		}
	}
}

// ethDry is the backend of a dry run.
type ethDry struct{ head uint64 }

func (d *ethDry) submit(context.Context, []ethSent) (uint64, error) { d.head++; return d.head, nil }
func (d *ethDry) close()                                            {}

// weiOf converts gwei to wei.
func weiOf(gwei int64) *big.Int { return new(big.Int).Mul(big.NewInt(gwei), big.NewInt(1e9)) }
