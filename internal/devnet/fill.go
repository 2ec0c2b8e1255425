package devnet

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// FillStats says what FillBlocks sealed.
type FillStats struct {
	SetupFirst, SetupLast               uint64 // blocks that deployed and funded the contracts
	First, Last                         uint64 // the filled blocks
	Transactions                        int    // transactions in the filled blocks
	Payments, TokenTransfers, Purchases int
	Token, Crowdsale, Treasury          common.Address
	Elapsed                             time.Duration // the filled blocks only, setup excluded
}

// Gas limits of the transactions FillBlocks signs (no estimation, for speed; unused gas is refunded).
const (
	fillPaymentGas  = 21_000
	fillTransferGas = 80_000
	fillPurchaseGas = 200_000
)

// FillBlocks seals nBlocks blocks of txPerBlock transactions each, a mix of ETH payments (to other dev
// accounts and to fresh addresses), ERC-20 transfers and crowdsale purchases (a mint and an internal ETH
// transfer to the treasury each), signed in turn by all the chain's accounts, with legacy and EIP-1559
// transactions alternating. It first deploys a fresh ERC-20 and crowdsale and gives every account tokens
// (two setup blocks). The mix is deterministic: the same chain and arguments give the same transactions.
// Transactions go straight into the chain's pool, not over HTTP, and every block is checked to hold
// all of its batch, all successful. Nothing else may send from the dev accounts or seal meanwhile.
func FillBlocks(ctx context.Context, chain *Chain, nBlocks, txPerBlock int) (FillStats, error) {
	var st FillStats
	if chain.autoSeal {
		return st, errors.New("devnet: FillBlocks needs a chain with manual sealing (Config.AutoSeal false)")
	}
	if nBlocks < 1 || txPerBlock < 1 {
		return st, fmt.Errorf("devnet: FillBlocks needs at least one block and one transaction per block, got %d and %d", nBlocks, txPerBlock)
	}
	accounts := chain.Accounts()
	signer := types.LatestSignerForChainID(chain.ChainID())
	pool := chain.eth.TxPool()
	// Let the pool catch up with the last sealed block, so that its nonces are current.
	if _, err := chain.executable(); err != nil {
		return st, err
	}
	nonces := make([]uint64, len(accounts))
	for i, a := range accounts {
		nonces[i] = pool.Nonce(a.Address)
	}
	owner := 0
	head := func() *types.Header { return chain.eth.BlockChain().CurrentBlock() }
	sign := func(from int, to *common.Address, value *big.Int, gas uint64, data []byte, legacy bool) (*types.Transaction, error) {
		tx, err := SignTx(signer, accounts[from], nonces[from], to, value, gas, data, head().BaseFee, DefaultTip, legacy)
		if err == nil {
			nonces[from]++
		}
		return tx, err
	}
	seal := func(txs []*types.Transaction) (uint64, error) {
		for i, err := range pool.Add(txs, false) {
			if err != nil {
				return 0, fmt.Errorf("devnet: FillBlocks: add transaction %s to the pool: %w", txs[i].Hash(), err)
			}
		}
		header, err := chain.commit()
		if err != nil {
			return 0, err
		}
		block := chain.eth.BlockChain().GetBlock(header.Hash(), header.Number.Uint64())
		if got := len(block.Transactions()); got != len(txs) {
			return 0, fmt.Errorf("devnet: FillBlocks: block %d holds %d of the %d transactions sent", header.Number, got, len(txs))
		}
		for i, r := range chain.eth.BlockChain().GetReceiptsByHash(header.Hash()) {
			if r.Status != types.ReceiptStatusSuccessful {
				return 0, fmt.Errorf("devnet: FillBlocks: transaction %d of block %d (%s) failed", i, header.Number, r.TxHash)
			}
		}
		return header.Number.Uint64(), nil
	}

	// Setup: a token, a crowdsale minting it, and tokens for every account.
	st.Treasury = deriveAccount("chainsleuth-devnet-fill-treasury-" + strconv.FormatUint(nonces[owner], 10)).Address
	erc20, err := LoadContract(ERC20)
	if err != nil {
		return st, err
	}
	sale, err := LoadContract(Crowdsale)
	if err != nil {
		return st, err
	}
	tokenCode, err := erc20.DeployData("Fill Token", "FILL")
	if err != nil {
		return st, err
	}
	st.Token = crypto.CreateAddress(accounts[owner].Address, nonces[owner])
	deployToken, err := sign(owner, nil, new(big.Int), 2_000_000, tokenCode, false)
	if err != nil {
		return st, err
	}
	saleCode, err := sale.DeployData(st.Token, st.Treasury, big.NewInt(1000))
	if err != nil {
		return st, err
	}
	st.Crowdsale = crypto.CreateAddress(accounts[owner].Address, nonces[owner])
	deploySale, err := sign(owner, nil, new(big.Int), 2_000_000, saleCode, false)
	if err != nil {
		return st, err
	}
	if st.SetupFirst, err = seal([]*types.Transaction{deployToken, deploySale}); err != nil {
		return st, err
	}
	setMinter, err := erc20.ABI.Pack("setMinter", st.Crowdsale, true)
	if err != nil {
		return st, err
	}
	tx, err := sign(owner, &st.Token, new(big.Int), 100_000, setMinter, false)
	if err != nil {
		return st, err
	}
	setup := []*types.Transaction{tx}
	for _, a := range accounts {
		mint, err := erc20.ABI.Pack("mint", a.Address, new(big.Int).Mul(big.NewInt(1_000_000), Ether))
		if err != nil {
			return st, err
		}
		tx, err := sign(owner, &st.Token, new(big.Int), 100_000, mint, false)
		if err != nil {
			return st, err
		}
		setup = append(setup, tx)
	}
	if st.SetupLast, err = seal(setup); err != nil {
		return st, err
	}

	// The filled blocks.
	rng := rand.New(rand.NewPCG(uint64(st.SetupLast), uint64(txPerBlock)))
	recipient := func() common.Address {
		if rng.IntN(2) == 0 {
			return accounts[rng.IntN(len(accounts))].Address
		}
		// A fresh address (nobody holds its key) from a pool of 10,000, so some recur.
		return common.BytesToAddress(crypto.Keccak256([]byte("chainsleuth-devnet-fill-" + strconv.Itoa(rng.IntN(10_000))))[12:])
	}
	start := time.Now()
	for b := range nBlocks {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("devnet: FillBlocks stopped after %d of %d blocks: %w", b, nBlocks, err)
		}
		txs := make([]*types.Transaction, 0, txPerBlock)
		for j := range txPerBlock {
			from := (b*txPerBlock + j) % len(accounts)
			legacy := j%2 == 1
			var tx *types.Transaction
			var err error
			switch j % 3 {
			case 0: // ETH payment, 0.001 to 1 ETH
				to := recipient()
				value := new(big.Int).Mul(big.NewInt(int64(1+rng.IntN(1000))), big.NewInt(1e15))
				tx, err = sign(from, &to, value, fillPaymentGas, nil, legacy)
				st.Payments++
			case 1: // ERC-20 transfer, 1 to 1000 tokens
				amount := new(big.Int).Mul(big.NewInt(int64(1+rng.IntN(1000))), Ether)
				data, perr := erc20.ABI.Pack("transfer", recipient(), amount)
				if perr != nil {
					return st, perr
				}
				tx, err = sign(from, &st.Token, new(big.Int), fillTransferGas, data, legacy)
				st.TokenTransfers++
			default: // crowdsale purchase, 0.01 to 1 ETH
				value := new(big.Int).Mul(big.NewInt(int64(1+rng.IntN(100))), big.NewInt(1e16))
				tx, err = sign(from, &st.Crowdsale, value, fillPurchaseGas, nil, legacy)
				st.Purchases++
			}
			if err != nil {
				return st, err
			}
			txs = append(txs, tx)
		}
		n, err := seal(txs)
		if err != nil {
			return st, err
		}
		if b == 0 {
			st.First = n
		}
		st.Last = n
		st.Transactions += len(txs)
	}
	st.Elapsed = time.Since(start)
	if st.Transactions != nBlocks*txPerBlock {
		return st, errors.New("devnet: FillBlocks: transaction count mismatch")
	}
	return st, nil
}
