package devnet

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/eth/tracers"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/rpc"

	// The native tracers (callTracer, prestateTracer, 4byteTracer, …) register themselves on import.
	_ "github.com/ethereum/go-ethereum/eth/tracers/native"
)

// Config says how to run the chain. The zero value is a valid configuration.
type Config struct {
	// HTTPAddr is where JSON-RPC is served over HTTP, host:port. Empty or port 0 picks a free port on
	// 127.0.0.1 (see Chain.URL). Keep it on loopback (or inside a container network): the dev keys are public.
	HTTPAddr string
	// DataDir keeps the chain on disk (and lets it be opened again); empty keeps it in memory.
	DataDir string
	// Accounts is the number of prefunded accounts (default 10).
	Accounts int
	// AutoSeal seals a block as soon as transactions reach the pool, like geth --dev with period 0.
	// Without it, blocks are sealed only by Chain.Commit or dev_mine / dev_mineMany.
	AutoSeal bool
}

// DefaultAccounts is the number of prefunded accounts when Config.Accounts is 0.
const DefaultAccounts = 10

// Modules are the JSON-RPC namespaces served over HTTP.
var Modules = []string{"eth", "net", "web3", "debug", "txpool", "dev"}

// ErrAddrInUse is returned (wrapped) by Start when Config.HTTPAddr is taken by another process.
var ErrAddrInUse = errors.New("address already in use")

// ErrDataDirInUse is returned (wrapped) by Start when another process holds Config.DataDir.
var ErrDataDirInUse = errors.New("data directory already used by another process")

// ErrClosed is returned by Commit after Close.
var ErrClosed = errors.New("devnet: chain is closed")

// Chain is a running dev chain. Its methods are safe for concurrent use.
type Chain struct {
	node     *node.Node
	eth      *eth.Ethereum
	beacon   *catalyst.SimulatedBeacon
	accounts []Account
	url      string
	autoSeal bool

	sealMu sync.Mutex // serialises sealing: SimulatedBeacon is not safe for concurrent use
	closed bool       // guarded by sealMu

	stop      chan struct{}
	loops     sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	inprocMu sync.Mutex
	inproc   *ethclient.Client
}

// Start runs a dev chain until Close. It returns once the chain answers JSON-RPC at URL().
func Start(ctx context.Context, cfg Config) (*Chain, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Accounts < 0 {
		return nil, fmt.Errorf("devnet: Accounts must not be negative, got %d", cfg.Accounts)
	}
	if cfg.Accounts == 0 {
		cfg.Accounts = DefaultAccounts
	}
	host, port, err := splitHTTPAddr(cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	accounts := make([]Account, cfg.Accounts)
	for i := range accounts {
		accounts[i] = DevAccount(i)
	}

	nodeConf := node.DefaultConfig
	nodeConf.Name = "devnet"
	nodeConf.DataDir = cfg.DataDir
	nodeConf.IPCPath = "" // no IPC socket: several chains may run in one process or machine
	nodeConf.HTTPHost = host
	nodeConf.HTTPPort = port
	nodeConf.HTTPModules = Modules
	// Any Host header: a container reaches the chain as http://devnet:8545, say. (geth's default,
	// "localhost", protects a node's unlocked accounts from DNS rebinding; the dev keys are public anyway.)
	nodeConf.HTTPVirtualHosts = []string{"*"}
	nodeConf.WSHost = ""
	nodeConf.AuthPort = 0 // no Engine API server: the simulated beacon drives the engine in process
	nodeConf.UseLightweightKDF = true
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	// Indexers fetch many blocks per batch: allow larger batches than a public node would.
	nodeConf.BatchRequestLimit = 10_000
	nodeConf.BatchResponseMaxSize = 256 << 20
	nodeConf.HTTPBodyLimit = 64 << 20

	stack, err := node.New(&nodeConf)
	if err != nil {
		if errors.Is(err, node.ErrDatadirUsed) {
			return nil, fmt.Errorf("devnet: open data directory %s: %w", cfg.DataDir, ErrDataDirInUse)
		}
		return nil, fmt.Errorf("devnet: create node: %w", err)
	}

	ethConf := ethconfig.Defaults
	ethConf.Genesis = genesis(accounts)
	ethConf.NetworkId = ChainID
	ethConf.SyncMode = ethconfig.FullSync
	// An archive node: every block's state is written, so old blocks can be traced.
	ethConf.StateScheme = rawdb.HashScheme
	ethConf.NoPruning = true
	ethConf.Preimages = true
	ethConf.TransactionHistory = 0 // index every transaction
	ethConf.LogHistory = 0         // index every block's logs
	// Small caches: a dev chain is tiny, and tests may run several at once.
	ethConf.DatabaseCache = 64
	ethConf.TrieCleanCache = 32
	ethConf.TrieDirtyCache = 32
	ethConf.SnapshotCache = 16
	ethConf.FilterLogCacheSize = 32
	ethConf.Miner.GasCeil = GasLimit
	ethConf.Miner.GasPrice = big.NewInt(1) // accept any tip, as geth --dev does
	// geth stops filling a block Recommit (2 s by default) after it starts and seals what it has: on a
	// loaded machine a sealed block then misses pending transactions (a test saw 41 of 42). A block here
	// holds every pending transaction, however long that takes.
	ethConf.Miner.Recommit = time.Hour
	ethConf.TxPool.NoLocals = true
	ethConf.TxPool.Journal = ""
	ethConf.TxPool.PriceLimit = 1
	ethConf.TxPool.AccountSlots = 4096
	ethConf.TxPool.AccountQueue = 4096
	ethConf.TxPool.GlobalSlots = 65536
	ethConf.TxPool.GlobalQueue = 65536
	ethConf.RPCTxFeeCap = 0 // no cap on fees of submitted transactions

	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devnet: start the eth service: %w", err)
	}
	c := &Chain{
		node:     stack,
		eth:      backend,
		accounts: accounts,
		autoSeal: cfg.AutoSeal,
		stop:     make(chan struct{}),
	}
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{
		LogCacheSize:  ethConf.FilterLogCacheSize,
		LogQueryLimit: ethConf.LogQueryLimit,
		RangeLimit:    ethConf.RangeLimit,
	})
	stack.RegisterAPIs(tracers.APIs(backend.APIBackend))
	stack.RegisterAPIs([]rpc.API{
		{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)},
		{Namespace: "dev", Service: &devAPI{chain: c}},
	})
	if err := stack.Start(); err != nil {
		stack.Close()
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("devnet: serve JSON-RPC on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), ErrAddrInUse)
		}
		if errors.Is(err, node.ErrDatadirUsed) {
			return nil, fmt.Errorf("devnet: open data directory %s: %w", cfg.DataDir, ErrDataDirInUse)
		}
		return nil, fmt.Errorf("devnet: start node: %w", err)
	}
	beacon, err := catalyst.NewSimulatedBeacon(0, FeeRecipient, backend)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devnet: start the simulated beacon: %w", err)
	}
	c.sealMu.Lock()
	c.beacon = beacon
	c.sealMu.Unlock()
	c.url = dialableURL(stack.HTTPEndpoint())

	if cfg.AutoSeal {
		c.startAutoSeal()
	}
	if err := ctx.Err(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func splitHTTPAddr(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", 0, nil
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devnet: HTTP address %q is not host:port: %w", addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("devnet: HTTP address %q has no valid port: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, int(port), nil
}

// dialableURL turns http://0.0.0.0:port (or [::]) into a loopback URL a local client can dial.
func dialableURL(endpoint string) string {
	hostPort := strings.TrimPrefix(endpoint, "http://")
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return endpoint
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if ip.To4() != nil {
			host = "127.0.0.1"
		} else {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// URL is the JSON-RPC endpoint, http://host:port, with the port actually bound (and loopback in place
// of an unspecified address such as 0.0.0.0).
func (c *Chain) URL() string { return c.url }

// Accounts are the prefunded accounts, in order: Accounts()[i] is DevAccount(i).
func (c *Chain) Accounts() []Account { return append([]Account(nil), c.accounts...) }

// ChainID is the chain's EIP-155 id, 1337.
func (c *Chain) ChainID() *big.Int { return big.NewInt(ChainID) }

// Head is the number of the latest sealed block.
func (c *Chain) Head() uint64 { return c.eth.BlockChain().CurrentBlock().Number.Uint64() }

// Dial connects a client to the chain over HTTP, as an external program would.
func (c *Chain) Dial(ctx context.Context) (*ethclient.Client, error) {
	client, err := ethclient.DialContext(ctx, c.url)
	if err != nil {
		return nil, fmt.Errorf("devnet: dial %s: %w", c.url, err)
	}
	return client, nil
}

// Client is an in-process client of the chain (no HTTP), shared and closed by Close. It serves every
// namespace, and is the fast path for helpers such as FillBlocks.
func (c *Chain) Client() *ethclient.Client {
	c.inprocMu.Lock()
	defer c.inprocMu.Unlock()
	if c.inproc == nil {
		c.inproc = ethclient.NewClient(c.node.Attach())
	}
	return c.inproc
}

// Commit seals exactly one block with what the pool holds (possibly nothing) and returns its hash.
func (c *Chain) Commit() (common.Hash, error) {
	head, err := c.commit()
	if err != nil {
		return common.Hash{}, err
	}
	return head.Hash(), nil
}

// commit seals one block and returns its header.
func (c *Chain) commit() (*types.Header, error) {
	c.sealMu.Lock()
	defer c.sealMu.Unlock()
	return c.commitLocked()
}

// Reorg replaces the last depth blocks: the head moves back to the block
// depth below it, and depth+1 new blocks are sealed there, holding the
// transactions of the replaced blocks that the pool takes back. The engine
// never reuses a timestamp, so every replaced height gets a different hash.
// The pool must be empty. It returns the new head's number.
func (c *Chain) Reorg(depth int) (uint64, error) {
	c.sealMu.Lock()
	defer c.sealMu.Unlock()
	if c.closed || c.beacon == nil {
		return 0, ErrClosed
	}
	chain := c.eth.BlockChain()
	head := chain.CurrentBlock().Number.Uint64()
	if depth < 1 || uint64(depth) > head {
		return 0, fmt.Errorf("devnet: reorg of %d blocks on a chain of height %d", depth, head)
	}
	fork := chain.GetHeaderByNumber(head - uint64(depth))
	if err := c.beacon.Fork(fork.Hash()); err != nil {
		return 0, fmt.Errorf("devnet: reorg to block %d: %w", fork.Number.Uint64(), err)
	}
	var last *types.Header
	for range depth + 1 {
		h, err := c.commitLocked()
		if err != nil {
			return 0, err
		}
		last = h
	}
	return last.Number.Uint64(), nil
}

// commitLocked seals one block; sealMu is held.
func (c *Chain) commitLocked() (*types.Header, error) {
	if c.closed || c.beacon == nil {
		return nil, ErrClosed
	}
	chain := c.eth.BlockChain()
	parent := chain.CurrentBlock()
	// SimulatedBeacon.Commit logs failures instead of returning them; a head that did not move one block
	// forward on top of the parent is how a failure shows.
	c.beacon.Commit()
	head := chain.CurrentBlock()
	if head.Number.Uint64() != parent.Number.Uint64()+1 || head.ParentHash != parent.Hash() {
		return nil, fmt.Errorf("devnet: seal block %d on top of %s: the engine did not extend the chain (head is %d %s)",
			parent.Number.Uint64()+1, parent.Hash(), head.Number.Uint64(), head.Hash())
	}
	return head, nil
}

// startAutoSeal seals blocks whenever transactions reach the pool. One goroutine only receives pool
// events (the pool blocks on delivering them, so the receiver must never wait on the pool), the other seals.
func (c *Chain) startAutoSeal() {
	events := make(chan core.NewTxsEvent, 64)
	sub := c.eth.TxPool().SubscribeTransactions(events, true)
	wake := make(chan struct{}, 1)
	c.loops.Add(2)
	go func() {
		defer c.loops.Done()
		defer sub.Unsubscribe()
		for {
			select {
			case <-c.stop:
				return
			case <-sub.Err():
				return
			case <-events:
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	go func() {
		defer c.loops.Done()
		for {
			select {
			case <-c.stop:
				return
			case <-wake:
			}
			// Seal until nothing executable is left; bounded, in case the miner keeps refusing a
			// transaction the pool deems executable.
			for range 64 {
				if executable, err := c.executable(); err != nil || executable == 0 {
					break
				}
				if _, err := c.Commit(); err != nil {
					break
				}
				select {
				case <-c.stop:
					return
				default:
				}
			}
		}
	}()
}

// executable lets the pool settle and counts the transactions it could put in the next block. The pool's
// Sync must never run twice at once (a second waiter replaces the first, which then waits forever), so it
// runs under sealMu, like the Sync inside every seal.
func (c *Chain) executable() (int, error) {
	c.sealMu.Lock()
	defer c.sealMu.Unlock()
	if c.closed {
		return 0, ErrClosed
	}
	if err := c.eth.TxPool().Sync(); err != nil {
		return 0, err
	}
	pending, _ := c.eth.TxPool().Stats()
	return pending, nil
}

// Close stops the chain. With a DataDir, what was sealed stays there and Start opens it again.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		c.sealMu.Lock()
		c.closed = true
		c.sealMu.Unlock()
		close(c.stop)
		c.loops.Wait()
		c.inprocMu.Lock()
		if c.inproc != nil {
			c.inproc.Close()
		}
		c.inprocMu.Unlock()
		var err error
		if c.beacon != nil {
			err = c.beacon.Stop()
		}
		c.closeErr = errors.Join(err, c.node.Close())
	})
	return c.closeErr
}
