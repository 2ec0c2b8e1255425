package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// DefaultTip is the priority fee per gas of transactions whose Tx.Tip is nil: 1 gwei.
var DefaultTip = big.NewInt(1_000_000_000)

// Tx is a transaction to sign and send.
type Tx struct {
	To    *common.Address // nil creates a contract from Data
	Value *big.Int        // wei; nil is zero
	Data  []byte
	// Gas is the gas limit; 0 estimates it on the latest block (plus a quarter for headroom). A
	// transaction that depends on another one not sealed yet, or that is meant to fail, needs it set.
	Gas uint64
	// Legacy sends a type-0 transaction with a gas price, instead of an EIP-1559 one (type 2).
	Legacy bool
	// Tip is the priority fee per gas (EIP-1559) or what the gas price adds to twice the base fee
	// (legacy); nil is DefaultTip.
	Tip *big.Int
}

// Sender signs and sends transactions from one account, managing its nonce locally so that many
// transactions can go into one block. It reads the nonce once when made (see Resync); after a transaction
// of the same account was sent some other way, call Resync. Keep one Sender per account and the nonces
// never clash. Safe for concurrent use.
type Sender struct {
	client *ethclient.Client
	from   Account
	signer types.Signer

	mu    sync.Mutex
	nonce uint64
}

// NewSender makes a Sender for account from, reading the chain id and the account's pending nonce.
func NewSender(ctx context.Context, client *ethclient.Client, from Account) (*Sender, error) {
	chainID, err := client.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("devnet: read chain id: %w", err)
	}
	s := &Sender{client: client, from: from, signer: types.LatestSignerForChainID(chainID)}
	if err := s.Resync(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Address is the sending account's address.
func (s *Sender) Address() common.Address { return s.from.Address }

// Nonce is the nonce the next transaction will use.
func (s *Sender) Nonce() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nonce
}

// Resync reads the account's next nonce from the node again: its pending nonce, moved past the
// transactions the pool holds for the account but has not promoted yet. geth promotes new pool
// transactions in the background, so eth_getTransactionCount(pending) alone can miss one sent a moment
// ago; txpool_contentFrom lists it at once (where the txpool namespace is served, as on the devnet).
func (s *Sender) Resync(ctx context.Context) error {
	nonce, err := s.client.PendingNonceAt(ctx, s.from.Address)
	if err != nil {
		return fmt.Errorf("devnet: read pending nonce of %s: %w", s.from.Address, err)
	}
	var content map[string]map[string]json.RawMessage
	if err := s.client.Client().CallContext(ctx, &content, "txpool_contentFrom", s.from.Address); err == nil {
		inPool := map[uint64]bool{}
		for _, txs := range content {
			for key := range txs {
				if n, err := strconv.ParseUint(key, 10, 64); err == nil {
					inPool[n] = true
				}
			}
		}
		for inPool[nonce] {
			nonce++
		}
	}
	s.mu.Lock()
	s.nonce = nonce
	s.mu.Unlock()
	return nil
}

// Send signs tx with the next nonce and submits it. The nonce is used up only when the node accepts the
// transaction; after an ambiguous failure (a timeout, say) call Resync.
func (s *Sender) Send(ctx context.Context, tx Tx) (*types.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	signed, err := s.sign(ctx, tx, s.nonce)
	if err != nil {
		return nil, err
	}
	if err := s.client.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("devnet: send transaction %s (nonce %d) from %s: %w", signed.Hash(), s.nonce, s.from.Address, err)
	}
	s.nonce++
	return signed, nil
}

// Transfer sends value wei to to (an EIP-1559 transaction of 21,000 gas when to is an account without code).
func (s *Sender) Transfer(ctx context.Context, to common.Address, value *big.Int) (*types.Transaction, error) {
	return s.Send(ctx, Tx{To: &to, Value: value})
}

// Transact calls method of contract name at address `at` with args, sending no ETH and estimating gas.
func (s *Sender) Transact(ctx context.Context, at common.Address, name, method string, args ...any) (*types.Transaction, error) {
	data, err := Pack(name, method, args...)
	if err != nil {
		return nil, err
	}
	return s.Send(ctx, Tx{To: &at, Data: data})
}

// Deploy sends a transaction creating contract name with constructor args, and returns the address the
// contract will have once the transaction is sealed.
func (s *Sender) Deploy(ctx context.Context, name string, args ...any) (common.Address, *types.Transaction, error) {
	c, err := LoadContract(name)
	if err != nil {
		return common.Address{}, nil, err
	}
	data, err := c.DeployData(args...)
	if err != nil {
		return common.Address{}, nil, err
	}
	tx, err := s.Send(ctx, Tx{Data: data})
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("devnet: deploy %s: %w", name, err)
	}
	return crypto.CreateAddress(s.from.Address, tx.Nonce()), tx, nil
}

// sign fills in fees and gas and signs tx with nonce.
func (s *Sender) sign(ctx context.Context, tx Tx, nonce uint64) (*types.Transaction, error) {
	head, err := s.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("devnet: read the latest header for fees: %w", err)
	}
	value := tx.Value
	if value == nil {
		value = new(big.Int)
	}
	tip := tx.Tip
	if tip == nil {
		tip = DefaultTip
	}
	gas := tx.Gas
	if gas == 0 {
		estimate, err := s.client.EstimateGas(ctx, ethereum.CallMsg{From: s.from.Address, To: tx.To, Value: value, Data: tx.Data})
		if err != nil {
			return nil, fmt.Errorf("devnet: estimate gas of a transaction from %s to %s (estimated on the latest block; set Tx.Gas if it depends on one not sealed yet): %w",
				s.from.Address, describeTo(tx.To), err)
		}
		gas = estimate + estimate/4
	}
	return SignTx(s.signer, s.from, nonce, tx.To, value, gas, tx.Data, head.BaseFee, tip, tx.Legacy)
}

// SignTx signs a transaction without talking to the node: fees are twice baseFee plus tip (the fee cap
// of an EIP-1559 transaction, the gas price of a legacy one), so it stays valid while the base fee rises
// for a few blocks.
func SignTx(signer types.Signer, from Account, nonce uint64, to *common.Address, value *big.Int, gas uint64, data []byte, baseFee, tip *big.Int, legacy bool) (*types.Transaction, error) {
	if baseFee == nil {
		baseFee = new(big.Int)
	}
	maxFee := new(big.Int).Add(new(big.Int).Mul(baseFee, big.NewInt(2)), tip)
	var inner types.TxData
	if legacy {
		inner = &types.LegacyTx{Nonce: nonce, GasPrice: maxFee, Gas: gas, To: to, Value: value, Data: data}
	} else {
		inner = &types.DynamicFeeTx{ChainID: signer.ChainID(), Nonce: nonce, GasTipCap: tip, GasFeeCap: maxFee, Gas: gas, To: to, Value: value, Data: data}
	}
	signed, err := types.SignNewTx(from.Key, signer, inner)
	if err != nil {
		return nil, fmt.Errorf("devnet: sign transaction from %s: %w", from.Address, err)
	}
	return signed, nil
}

func describeTo(to *common.Address) string {
	if to == nil {
		return "a new contract"
	}
	return to.Hex()
}

// WaitReceipt polls for the receipt of transaction hash until it is sealed or ctx ends. With manual
// sealing, seal first (Chain.Commit or dev_mine): this only waits, it does not seal.
func WaitReceipt(ctx context.Context, client *ethclient.Client, hash common.Hash) (*types.Receipt, error) {
	const poll = 20 * time.Millisecond
	for {
		receipt, err := client.TransactionReceipt(ctx, hash)
		if err == nil {
			return receipt, nil
		}
		// geth answers "transaction indexing is in progress" instead of null for a transaction it does
		// not know while its indexer catches up with a new head: that too means "not sealed yet".
		if !errors.Is(err, ethereum.NotFound) && !strings.Contains(err.Error(), "indexing is in progress") {
			return nil, fmt.Errorf("devnet: receipt of %s: %w", hash, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("devnet: wait for the receipt of %s: %w", hash, ctx.Err())
		case <-time.After(poll):
		}
	}
}
