package ethereum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// EnvRPC is the environment variable commands read the node URL from; errors
// name it so the user knows what to fix.
const EnvRPC = "CHAINSLEUTH_ETH_RPC"

// Trace modes (Options.Traces, Client.TracesMode).
const (
	// TracesAuto picks the first tracing API the node serves, debug then
	// parity, with the first block fetched; without either it goes on
	// without traces, once logged.
	TracesAuto = "auto"
	// TracesDebug uses debug_traceBlockByNumber with geth's callTracer
	// (geth, erigon, reth, Nethermind, Besu).
	TracesDebug = "debug"
	// TracesParity uses trace_block (erigon, reth, Nethermind, OpenEthereum).
	TracesParity = "parity"
	// TracesOff fetches no traces.
	TracesOff = "off"
)

// ErrTracesOff is returned by FetchTraces when the client fetches no traces:
// Options.Traces is "off", or "auto" found no tracing API on the node.
var ErrTracesOff = errors.New("no traces: tracing is off or the node serves neither debug_traceBlockByNumber nor trace_block")

// Options tune a Client. The zero value gives the defaults.
type Options struct {
	// Traces is the tracing API: "auto" (default), "debug", "parity" or "off".
	Traces string
	// MaxBatch is the largest number of calls in one batch request (default
	// 500); larger batches are split and sent in parallel. A node that
	// refuses a batch as too large gets it again in halves.
	MaxBatch int
	// Conns is the number of HTTP connections to the node (default 8).
	Conns int
	// Timeout bounds one request to the node, retries included (default
	// 60s). Connection failures, HTTP 429 and 5xx are retried with backoff
	// until it runs out.
	Timeout time.Duration
	// DialTimeout bounds the first TCP connection made by Dial (default 5s).
	DialTimeout time.Duration
	// CAFile is a PEM file of the certificate authorities an https node's
	// certificate must chain to, instead of the system's (a node with a
	// private CA or a self-signed certificate).
	CAFile string
	// InsecureSkipVerify accepts any certificate from an https node: the
	// connection is encrypted but the node is not authenticated. For tests
	// and private networks only.
	InsecureSkipVerify bool
	// Logger receives the client's few notices (a missing tracing API, the
	// receipts fallback); default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	switch o.Traces {
	case "":
		o.Traces = TracesAuto
	case TracesAuto, TracesDebug, TracesParity, TracesOff:
	default:
		return o, fmt.Errorf("traces mode %q: want auto, debug, parity or off", o.Traces)
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 500
	}
	if o.Conns <= 0 {
		o.Conns = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// Client reads blocks, receipts, traces and contract state from an Ethereum
// node over JSON-RPC (HTTP). It is safe for concurrent use.
type Client struct {
	rpc     *transport
	host    string
	chainID uint64
	log     *slog.Logger

	traces  atomic.Value // string: the trace mode, "auto" until probed
	probeMu sync.Mutex

	perTxReceipts atomic.Bool // the node lacks eth_getBlockReceipts
}

// Dial connects to the node at rawURL (http:// or https://; a missing scheme
// means http; user:password@ in the URL is sent as basic auth) and asks it
// for its chain id. Errors name the host, never the credentials or the path
// (which holds the API key of hosted nodes).
func Dial(ctx context.Context, rawURL string, opts Options) (*Client, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("ethereum client: %w", err)
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsConfig(opts)
	if err != nil {
		return nil, err
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	d := net.Dialer{Timeout: opts.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to ethereum node at %s: %w; is the node running? check %s", u.Host, err, EnvRPC)
	}
	conn.Close()

	c := &Client{rpc: newTransport(u, opts, tlsConf), host: u.Host, log: opts.Logger}
	c.traces.Store(opts.Traces)
	cl := newCall("eth_chainId")
	err = c.rpc.do(ctx, cl)
	var id quantity
	if err == nil {
		err = cl.decode(&id)
	}
	if err != nil {
		c.Close()
		if errors.Is(err, ErrUnauthorized) {
			return nil, fmt.Errorf("ask ethereum node at %s for its chain id: %w", u.Host, err)
		}
		if isCertificateError(err) {
			return nil, fmt.Errorf("ask ethereum node at %s for its chain id: %w; give the CA that signed its certificate in %s (--rpc-ca-file)", u.Host, err, EnvCAFile)
		}
		return nil, fmt.Errorf("ask ethereum node at %s for its chain id: %w; is it an Ethereum JSON-RPC endpoint? check %s", u.Host, err, EnvRPC)
	}
	c.chainID = uint64(id)
	return c, nil
}

// parseURL checks the node URL. Its errors never quote the URL.
func parseURL(rawURL string) (*url.URL, error) {
	const want = "want http://host:port or https://host/path"
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ethereum node URL is malformed (%s); check %s", want, EnvRPC)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ethereum node URL has scheme %q (%s); check %s", u.Scheme, want, EnvRPC)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("ethereum node URL has no host (%s); check %s", want, EnvRPC)
	}
	return u, nil
}

// ChainID is the chain id the node reported (1 for mainnet).
func (c *Client) ChainID() uint64 { return c.chainID }

// Host is the node's host[:port], as errors name it.
func (c *Client) Host() string { return c.host }

// TracesMode is the tracing API in use: "debug", "parity", "off", or "auto"
// until the first block fetched has decided it.
func (c *Client) TracesMode() string { return c.traces.Load().(string) }

// Close releases the client's idle connections.
func (c *Client) Close() { c.rpc.close() }

// TipHeight returns the number of the node's latest block.
func (c *Client) TipHeight(ctx context.Context) (int64, error) {
	cl := newCall("eth_blockNumber")
	err := c.rpc.do(ctx, cl)
	var n quantity
	if err == nil {
		err = cl.decode(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("get tip height from %s: %w", c.host, err)
	}
	return int64(n), nil
}

// BlockHash returns the hash of the block at height on the node's chain.
func (c *Client) BlockHash(ctx context.Context, height int64) (string, error) {
	hashes, err := c.BlockHashes(ctx, height, height)
	if err != nil {
		return "", err
	}
	return hashes[0], nil
}

// BlockHashes returns the hashes of the blocks from through to on the node's
// chain, in one batched request (split as Options.MaxBatch says).
func (c *Client) BlockHashes(ctx context.Context, from, to int64) ([]string, error) {
	if from < 0 || to < from {
		return nil, fmt.Errorf("get hashes of blocks %d-%d from %s: not a range of heights", from, to, c.host)
	}
	calls := make([]*call, 0, to-from+1)
	for h := from; h <= to; h++ {
		calls = append(calls, newCall("eth_getBlockByNumber", hexQuantity(uint64(h)), false))
	}
	err := c.rpc.do(ctx, calls...)
	if err != nil {
		return nil, fmt.Errorf("get hashes of blocks %d-%d from %s: %w", from, to, c.host, err)
	}
	hashes := make([]string, len(calls))
	for i, cl := range calls {
		height := from + int64(i)
		var hdr *struct {
			Number quantity `json:"number"`
			Hash   hexID    `json:"hash"`
		}
		err := cl.decode(&hdr)
		switch {
		case err != nil:
		case hdr == nil:
			err = ErrBlockNotFound
		case int64(hdr.Number) != height || len(hdr.Hash) != 66:
			err = fmt.Errorf("asked for block %d, got %d with hash %q", height, hdr.Number, hdr.Hash)
		}
		if err != nil {
			return nil, fmt.Errorf("get hash of block %d from %s: %w", height, c.host, err)
		}
		hashes[i] = string(hdr.Hash)
	}
	return hashes, nil
}

// Code returns the code at address at block atBlock (-1 for the latest
// block); empty for an account without code.
func (c *Client) Code(ctx context.Context, address string, atBlock int64) ([]byte, error) {
	address = strings.ToLower(address)
	cl := newCall("eth_getCode", address, blockTag(atBlock))
	err := c.rpc.do(ctx, cl)
	var code hexBytes
	if err == nil {
		err = cl.decode(&code)
	}
	if err != nil {
		return nil, fmt.Errorf("get code of %s at block %s from %s: %w", address, blockTag(atBlock), c.host, err)
	}
	return code, nil
}

// FetchBlock fetches the block at height with everything the ingest stores:
// the body with full transactions, the receipts and their logs, and the call
// traces. It takes one batched round trip: eth_getBlockByNumber,
// eth_getBlockReceipts and debug_traceBlockByNumber (callTracer) or
// trace_block. A node without eth_getBlockReceipts (it answers -32601) gets
// one batch of eth_getTransactionReceipt calls instead, from then on. With
// traces "auto", the first block probes the tracing APIs; a node without one
// gives blocks with TracesMissing set, and says so once in the log.
//
// Receipts and traces are checked against the body (same block hash, one
// receipt and one top-level trace per transaction); when they disagree, as
// when the chain reorganises between calls, the block is fetched again, and
// after three tries the error wraps ErrInconsistent.
func (c *Client) FetchBlock(ctx context.Context, height int64) (*Block, error) {
	if height < 0 {
		return nil, fmt.Errorf("fetch block %d from %s: negative height", height, c.host)
	}
	for attempt := 1; ; attempt++ {
		b, err := c.fetchBlock(ctx, height)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, ErrInconsistent) || attempt == 3 || ctx.Err() != nil {
			return nil, fmt.Errorf("fetch block %d from %s: %w", height, c.host, err)
		}
	}
}

func (c *Client) fetchBlock(ctx context.Context, height int64) (*Block, error) {
	num := hexQuantity(uint64(height))
	mode, release := c.traceMode()
	defer release()
	probing := mode == TracesAuto
	if probing {
		mode = TracesDebug
	}

	blockCall := newCall("eth_getBlockByNumber", num, true)
	calls := []*call{blockCall}
	var receiptsCall, traceCall *call
	if !c.perTxReceipts.Load() {
		receiptsCall = newCall("eth_getBlockReceipts", num)
		calls = append(calls, receiptsCall)
	}
	if mode != TracesOff {
		traceCall = traceRequest(mode, num)
		calls = append(calls, traceCall)
	}
	if err := c.rpc.do(ctx, calls...); err != nil {
		return nil, err
	}
	if blockCall.Err != nil {
		return nil, fmt.Errorf("%s: %w", blockCall.Method, blockCall.Err)
	}
	b, err := DecodeBlock(blockCall.Result)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", blockCall.Method, err)
	}
	if b.Number != height {
		return nil, fmt.Errorf("%s: asked for block %d, got %d", blockCall.Method, height, b.Number)
	}

	// Receipts.
	if receiptsCall != nil && receiptsCall.Err != nil && IsMethodNotFound(receiptsCall.Err) {
		if !c.perTxReceipts.Swap(true) {
			c.log.Info("the node has no eth_getBlockReceipts; fetching receipts one transaction at a time",
				"chain", "eth", "node", c.host, "error", receiptsCall.Err.Error())
		}
		receiptsCall = nil
	}
	switch {
	case receiptsCall != nil:
		if receiptsCall.Err != nil {
			return nil, fmt.Errorf("%s: %w", receiptsCall.Method, receiptsCall.Err)
		}
		if err := DecodeReceipts(b, receiptsCall.Result); err != nil {
			return nil, fmt.Errorf("%s: %w", receiptsCall.Method, err)
		}
	case len(b.Txs) > 0:
		if err := c.txReceipts(ctx, b); err != nil {
			return nil, err
		}
	}

	// Traces.
	if probing {
		mode, traceCall, err = c.probeTraces(ctx, num, traceCall)
		if err != nil {
			return nil, err
		}
	}
	if traceCall == nil {
		b.TracesMissing = true
		return b, nil
	}
	if mode == TracesDebug && len(b.Txs) == 0 {
		// Nothing to trace; geth refuses to trace the genesis block.
		return b, nil
	}
	traces, err := decodeTraces(mode, traceCall)
	if err != nil {
		return nil, err
	}
	if err := attachTraces(b, traces); err != nil {
		return nil, fmt.Errorf("%s: %w", traceCall.Method, err)
	}
	return b, nil
}

// traceMode returns the trace mode. While it is "auto", the first caller
// gets "auto" and holds the probe lock until release, so that one fetch
// probes and the others wait for its verdict.
func (c *Client) traceMode() (mode string, release func()) {
	mode = c.TracesMode()
	if mode != TracesAuto {
		return mode, func() {}
	}
	c.probeMu.Lock()
	if mode = c.TracesMode(); mode != TracesAuto {
		c.probeMu.Unlock()
		return mode, func() {}
	}
	return TracesAuto, c.probeMu.Unlock
}

func traceRequest(mode, num string) *call {
	if mode == TracesParity {
		return newCall("trace_block", num)
	}
	return newCall("debug_traceBlockByNumber", num, map[string]string{"tracer": "callTracer"})
}

// probeTraces decides the trace mode from the answer to a debug trace call
// (made by the caller): any answer but "method not found" means the debug
// API is there; else trace_block is tried; else tracing is off. It returns
// the mode and the call whose answer holds the block's traces (nil when
// off). The caller holds the probe lock.
func (c *Client) probeTraces(ctx context.Context, num string, debugCall *call) (string, *call, error) {
	if !IsMethodNotFound(debugCall.Err) {
		c.setTraceMode(TracesDebug, "")
		return TracesDebug, debugCall, nil
	}
	parityCall := traceRequest(TracesParity, num)
	if err := c.rpc.do(ctx, parityCall); err != nil {
		return "", nil, err
	}
	if !IsMethodNotFound(parityCall.Err) {
		c.setTraceMode(TracesParity, "")
		return TracesParity, parityCall, nil
	}
	c.setTraceMode(TracesOff, "the node serves neither debug_traceBlockByNumber nor trace_block: ingesting without traces (no internal transfers, no contracts created by contracts); blocks are marked traces_missing for a later backfill")
	return TracesOff, nil, nil
}

func (c *Client) setTraceMode(mode, warning string) {
	c.traces.Store(mode)
	if warning != "" {
		c.log.Warn(warning, "chain", "eth", "node", c.host)
	} else {
		c.log.Info("tracing API chosen", "chain", "eth", "node", c.host, "traces", mode)
	}
}

func decodeTraces(mode string, cl *call) ([]Trace, error) {
	if cl.Err != nil {
		return nil, fmt.Errorf("%s: %w", cl.Method, cl.Err)
	}
	var traces []Trace
	var err error
	if mode == TracesParity {
		traces, err = DecodeParityTraces(cl.Result)
	} else {
		traces, err = DecodeCallTraces(cl.Result)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cl.Method, err)
	}
	return traces, nil
}

// txReceipts fetches the receipts of b's transactions one call each, in one
// batch.
func (c *Client) txReceipts(ctx context.Context, b *Block) error {
	calls := make([]*call, len(b.Txs))
	for i := range b.Txs {
		calls[i] = newCall("eth_getTransactionReceipt", b.Txs[i].Hash)
	}
	if err := c.rpc.do(ctx, calls...); err != nil {
		return err
	}
	for i, cl := range calls {
		if cl.Err != nil {
			return fmt.Errorf("%s %s: %w", cl.Method, b.Txs[i].Hash, cl.Err)
		}
		j, err := attachReceipt(b, cl.Result)
		if err != nil {
			return fmt.Errorf("%s %s: %w", cl.Method, b.Txs[i].Hash, err)
		}
		if j != i {
			return fmt.Errorf("%s %s: the receipt is for transaction %d: %w", cl.Method, b.Txs[i].Hash, j, ErrInconsistent)
		}
	}
	return nil
}

// attachTraces checks traces against b's transactions, fills in missing
// transaction hashes, sets the status of pre-Byzantium transactions from
// their top frame, and stores them in b.
func attachTraces(b *Block, traces []Trace) error {
	tops := make([]int, len(b.Txs))
	for i := range traces {
		t := &traces[i]
		if t.TxIndex < 0 {
			if t.Type != "reward" && t.TxHash != "" {
				return fmt.Errorf("trace %d of transaction %s has no position: %w", i, t.TxHash, ErrInconsistent)
			}
			continue
		}
		if t.TxIndex >= len(b.Txs) {
			return fmt.Errorf("trace of transaction %d, block %d has %d: %w", t.TxIndex, b.Number, len(b.Txs), ErrInconsistent)
		}
		tx := &b.Txs[t.TxIndex]
		if t.TxHash != "" && t.TxHash != tx.Hash {
			return fmt.Errorf("trace of transaction %d is for %s, the block has %s: %w", t.TxIndex, t.TxHash, tx.Hash, ErrInconsistent)
		}
		t.TxHash = tx.Hash
		if len(t.TraceAddress) == 0 {
			tops[t.TxIndex]++
			if tx.Status == StatusUnknown {
				tx.Status = t.Status
			}
		}
	}
	for i, n := range tops {
		if n != 1 {
			return fmt.Errorf("transaction %d of block %d has %d top-level traces, want 1: %w", i, b.Number, n, ErrInconsistent)
		}
	}
	b.Traces = traces
	return nil
}

// FetchTraces fetches the traces of the block at height alone, with the
// client's tracing API (probing it first in "auto" mode): to backfill blocks
// fetched with TracesMissing, or to read traces where the body is not
// needed. Transaction hashes are those the node sends (trace_block, and
// debug_traceBlockByNumber on geth 1.11 and later); older geth sends none and
// TxHash stays "" (FetchBlock fills it in from the body). With tracing off it
// returns ErrTracesOff.
func (c *Client) FetchTraces(ctx context.Context, height int64) ([]Trace, error) {
	traces, err := c.fetchTraces(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("fetch traces of block %d from %s: %w", height, c.host, err)
	}
	return traces, nil
}

func (c *Client) fetchTraces(ctx context.Context, height int64) ([]Trace, error) {
	if height < 0 {
		return nil, errors.New("negative height")
	}
	num := hexQuantity(uint64(height))
	mode, release := c.traceMode()
	defer release()
	probing := mode == TracesAuto
	if probing {
		mode = TracesDebug
	}
	if mode == TracesOff {
		return nil, ErrTracesOff
	}
	cl := traceRequest(mode, num)
	if err := c.rpc.do(ctx, cl); err != nil {
		return nil, err
	}
	if probing {
		var err error
		if mode, cl, err = c.probeTraces(ctx, num, cl); err != nil {
			return nil, err
		}
		if cl == nil {
			return nil, ErrTracesOff
		}
	}
	return decodeTraces(mode, cl)
}
