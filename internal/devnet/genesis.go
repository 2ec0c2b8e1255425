package devnet

import (
	"crypto/ecdsa"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

// ChainID is the dev chain's EIP-155 chain id (and network id).
const ChainID = 1337

// GasLimit is the gas limit of every block. The miner is told to keep it, so it does not drift.
const GasLimit = 60_000_000

// genesisTime is the genesis block's timestamp (2024-01-01T00:00:00Z). It is fixed so that the genesis
// hash is the same on every start, which lets a chain in a DataDir be opened again.
const genesisTime = 1704067200

// Account is a prefunded dev account. Its key is public knowledge: never use it outside the dev chain.
type Account struct {
	Address common.Address
	Key     *ecdsa.PrivateKey
}

// Ether is 10^18 wei.
var Ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// accountBalance is what every prefunded account holds at genesis: 1,000,000 ETH.
var accountBalance = new(big.Int).Mul(big.NewInt(1_000_000), Ether)

// DevAccount returns the i-th dev account: its key is Keccak256("chainsleuth-devnet-<i>").
func DevAccount(i int) Account {
	return deriveAccount("chainsleuth-devnet-" + strconv.Itoa(i))
}

// FeeRecipient is the address that receives priority fees (the block's coinbase). Nobody uses it for
// anything else, so balances of the dev accounts change only by what tests do with them.
var FeeRecipient = deriveAccount("chainsleuth-devnet-fee-recipient").Address

func deriveAccount(seed string) Account {
	digest := crypto.Keccak256([]byte(seed))
	for {
		key, err := crypto.ToECDSA(digest)
		if err == nil {
			return Account{Address: crypto.PubkeyToAddress(key.PublicKey), Key: key}
		}
		// A digest of zero or above the curve order (probability ~2^-128) is no key: hash again.
		digest = crypto.Keccak256(digest)
	}
}

// chainConfig is Cancun and Prague from genesis, and nothing newer: geth's own dev config also turns on
// Osaka and forks still in development, which real nodes (and chainsleuth's readers) may not speak yet.
func chainConfig() *params.ChainConfig {
	zero := uint64(0)
	return &params.ChainConfig{
		ChainID:                 big.NewInt(ChainID),
		HomesteadBlock:          big.NewInt(0),
		EIP150Block:             big.NewInt(0),
		EIP155Block:             big.NewInt(0),
		EIP158Block:             big.NewInt(0),
		ByzantiumBlock:          big.NewInt(0),
		ConstantinopleBlock:     big.NewInt(0),
		PetersburgBlock:         big.NewInt(0),
		IstanbulBlock:           big.NewInt(0),
		MuirGlacierBlock:        big.NewInt(0),
		BerlinBlock:             big.NewInt(0),
		LondonBlock:             big.NewInt(0),
		ArrowGlacierBlock:       big.NewInt(0),
		GrayGlacierBlock:        big.NewInt(0),
		TerminalTotalDifficulty: big.NewInt(0),
		ShanghaiTime:            &zero,
		CancunTime:              &zero,
		PragueTime:              &zero,
		BlobScheduleConfig: &params.BlobScheduleConfig{
			Cancun: params.DefaultCancunBlobConfig,
			Prague: params.DefaultPragueBlobConfig,
		},
	}
}

// genesis builds the genesis block: the chain config, the system contracts Cancun and Prague call into
// (EIP-4788 beacon roots, EIP-2935 block hashes, EIP-7002 withdrawals, EIP-7251 consolidations), and the
// prefunded accounts.
func genesis(accounts []Account) *core.Genesis {
	alloc := types.GenesisAlloc{}
	system := core.SystemContractAllocs()
	for _, addr := range []common.Address{
		params.BeaconRootsAddress,
		params.HistoryStorageAddress,
		params.WithdrawalQueueAddress,
		params.ConsolidationQueueAddress,
	} {
		alloc[addr] = system[addr]
	}
	for _, a := range accounts {
		alloc[a.Address] = types.Account{Balance: new(big.Int).Set(accountBalance)}
	}
	return &core.Genesis{
		Config:     chainConfig(),
		Timestamp:  genesisTime,
		ExtraData:  []byte("chainsleuth devnet"),
		GasLimit:   GasLimit,
		BaseFee:    big.NewInt(params.InitialBaseFee),
		Difficulty: big.NewInt(0),
		Alloc:      alloc,
	}
}
