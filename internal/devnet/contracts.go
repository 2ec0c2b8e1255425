package devnet

import (
	"bytes"
	"context"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
)

// The artifacts written by scripts/compile-contracts.sh (solc 0.8.28, EVM cancun, optimizer on).
//
//go:embed contracts/*.abi.json contracts/*.bin
var artifacts embed.FS

// Names of the embedded contracts, for Deploy, ContractABI and Pack.
const (
	ERC20      = "ERC20"      // constructor(string name, string symbol); 18 decimals, owner and minters mint
	Stablecoin = "Stablecoin" // constructor(uint256 initialSupply); "Test USD", TUSD, 6 decimals
	ERC721     = "ERC721"     // constructor(string name, string symbol); owner mints
	Crowdsale  = "Crowdsale"  // constructor(address token, address treasury, uint256 rate)
	Factory    = "Factory"    // no constructor arguments; create(tag) and create2(tag, salt) make a Child
	Child      = "Child"      // what Factory creates: constructor(uint256 tag)
	Reverter   = "Reverter"   // no constructor arguments; fail() and refuse() always revert
)

// Contract is a compiled contract: its ABI and its creation bytecode.
type Contract struct {
	Name     string
	ABI      abi.ABI
	Bytecode []byte
}

var (
	contractsOnce sync.Once
	contracts     map[string]*Contract
	contractsErr  error
)

func loadContracts() (map[string]*Contract, error) {
	contractsOnce.Do(func() {
		contracts = map[string]*Contract{}
		files, err := fs.Glob(artifacts, "contracts/*.bin")
		if err != nil {
			contractsErr = err
			return
		}
		for _, file := range files {
			name := strings.TrimSuffix(path.Base(file), ".bin")
			c, err := loadContract(name)
			if err != nil {
				contractsErr = err
				return
			}
			contracts[name] = c
		}
	})
	return contracts, contractsErr
}

func loadContract(name string) (*Contract, error) {
	binHex, err := artifacts.ReadFile("contracts/" + name + ".bin")
	if err != nil {
		return nil, fmt.Errorf("devnet: contract %s: %w", name, err)
	}
	code, err := hex.DecodeString(strings.TrimSpace(string(binHex)))
	if err != nil {
		return nil, fmt.Errorf("devnet: contract %s: bytecode is not hex: %w", name, err)
	}
	abiJSON, err := artifacts.ReadFile("contracts/" + name + ".abi.json")
	if err != nil {
		return nil, fmt.Errorf("devnet: contract %s: %w", name, err)
	}
	parsed, err := abi.JSON(bytes.NewReader(abiJSON))
	if err != nil {
		return nil, fmt.Errorf("devnet: contract %s: parse ABI: %w", name, err)
	}
	return &Contract{Name: name, ABI: parsed, Bytecode: code}, nil
}

// ContractNames lists the embedded contracts, sorted.
func ContractNames() []string {
	all, _ := loadContracts()
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// LoadContract returns an embedded contract by name (ERC20, Stablecoin, ERC721, Crowdsale, Factory, Child,
// Reverter).
func LoadContract(name string) (*Contract, error) {
	all, err := loadContracts()
	if err != nil {
		return nil, err
	}
	c, ok := all[name]
	if !ok {
		return nil, fmt.Errorf("devnet: no contract named %q (have %s)", name, strings.Join(ContractNames(), ", "))
	}
	return c, nil
}

// ContractABI returns the ABI of an embedded contract, for packing calls and decoding logs.
func ContractABI(name string) (abi.ABI, error) {
	c, err := LoadContract(name)
	if err != nil {
		return abi.ABI{}, err
	}
	return c.ABI, nil
}

// Pack encodes a call of method on contract name: the 4-byte selector and the ABI-encoded arguments.
func Pack(name, method string, args ...any) ([]byte, error) {
	c, err := LoadContract(name)
	if err != nil {
		return nil, err
	}
	data, err := c.ABI.Pack(method, args...)
	if err != nil {
		return nil, fmt.Errorf("devnet: pack %s.%s: %w", name, method, err)
	}
	return data, nil
}

// DeployData is the input of a transaction that creates the contract: bytecode and constructor arguments.
func (c *Contract) DeployData(args ...any) ([]byte, error) {
	packed, err := c.ABI.Pack("", args...)
	if err != nil {
		return nil, fmt.Errorf("devnet: pack constructor arguments of %s: %w", c.Name, err)
	}
	return append(append([]byte(nil), c.Bytecode...), packed...), nil
}

// Deploy sends a transaction from `from` that creates contract name with constructor args, and returns
// the address the contract will have and the transaction. The contract exists once a block including the
// transaction is sealed (Chain.Commit, or right away with AutoSeal). Its nonce is the account's pending
// nonce: to interleave with other transactions of the same account, use a Sender and Sender.Deploy.
func Deploy(ctx context.Context, client *ethclient.Client, from Account, name string, args ...any) (common.Address, *types.Transaction, error) {
	s, err := NewSender(ctx, client, from)
	if err != nil {
		return common.Address{}, nil, err
	}
	return s.Deploy(ctx, name, args...)
}
