package bitcoin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/cafile"
)

// ErrNoTxIndex is returned by Transaction when the node cannot serve the
// transaction: it has no transaction index (btcd without --txindex, Bitcoin
// Core without -txindex), or it does not know the transaction (RPC error -5).
var ErrNoTxIndex = errors.New("the node cannot serve this transaction: it needs a transaction index (btcd --txindex, bitcoind -txindex=1) or the transaction is unknown")

// ErrUnauthorized is returned when the node refuses the RPC credentials.
var ErrUnauthorized = errors.New("the node refused the RPC user and password (HTTP 401/403); check the credentials in CHAINSLEUTH_BTC_RPC")

// EnvRPC is the environment variable that commands read the node URL from;
// errors name it so the user knows what to fix.
const EnvRPC = "CHAINSLEUTH_BTC_RPC"

// Options tune a Client. The zero value gives the defaults.
type Options struct {
	// Conns is the number of requests that may be in flight at once
	// (default 4). btcd's rpcclient sends the requests of one client one
	// after another, so the Client keeps this many of them.
	Conns int
	// DialTimeout bounds the first TCP connection made by Dial (default 5s).
	DialTimeout time.Duration
	// MaxBatch is the largest number of calls sent in one batch request by
	// BlockHashes (default 2000).
	MaxBatch int
	// CAFile is a PEM file of the certificate authorities an https node's
	// certificate must chain to, instead of the system's.
	CAFile string
	// Timeout bounds each request: a node that accepts the connection but
	// does not answer within it fails the call with ErrTimeout (0: no limit).
	Timeout time.Duration
}

// ErrTimeout is returned for a request the node did not answer within
// Options.Timeout.
var ErrTimeout = errors.New("the node did not answer in time")

// EnvCAFile is the environment variable commands read Options.CAFile from.
const EnvCAFile = "CHAINSLEUTH_RPC_CA_FILE"

func (o Options) withDefaults() Options {
	if o.Conns <= 0 {
		o.Conns = 4
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 2000
	}
	return o
}

// Client reads blocks and transactions from btcd or Bitcoin Core over
// JSON-RPC (HTTP POST, basic auth), using btcd's rpcclient. It is safe for
// concurrent use.
type Client struct {
	host   string // host:port, for messages; never the credentials
	chain  string
	params *chaincfg.Params
	opts   Options

	conns []*rpcclient.Client
	next  atomic.Uint64

	batchMu sync.Mutex
	batch   *rpcclient.Client

	closeOnce sync.Once
}

// Dial connects to the node at rawURL ("http://user:pass@host:port"; https
// is allowed, a missing scheme means http) and asks it which network it runs
// with getblockchaininfo. Errors name host:port, never the password.
func Dial(ctx context.Context, rawURL string) (*Client, error) {
	return DialOptions(ctx, rawURL, Options{})
}

// DialOptions is Dial with options.
func DialOptions(ctx context.Context, rawURL string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool // nil: the system's
	if opts.CAFile != "" {
		var pem []byte
		if roots, pem, err = cafile.Read(opts.CAFile, "the node's CA file", "check "+EnvCAFile); err != nil {
			return nil, err
		}
		cfg.Certificates = pem
	}
	c := &Client{host: cfg.Host, opts: opts}

	// rpcclient retries a refused connection ten times over ~22s; one
	// plain dial first gives a prompt, clear answer when nothing listens.
	d := net.Dialer{Timeout: opts.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("connect to bitcoin node at %s: %w; is the node running? check %s", cfg.Host, err, EnvRPC)
	}
	if !cfg.DisableTLS {
		// rpcclient retries a certificate it cannot verify for as long;
		// one handshake first says so at once.
		tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: hostOnly(cfg.Host), MinVersion: tls.VersionTLS12})
		tc.SetDeadline(time.Now().Add(opts.DialTimeout))
		err = tc.HandshakeContext(ctx)
		if err != nil {
			conn.Close()
			hint := fmt.Sprintf("give the CA that signed its certificate in %s (--rpc-ca-file)", EnvCAFile)
			if !strings.Contains(err.Error(), "x509: ") {
				hint = "does it serve https? use http:// in " + EnvRPC + " for a plain node"
			}
			return nil, fmt.Errorf("TLS handshake with bitcoin node at %s: %w; %s", cfg.Host, err, hint)
		}
	}
	conn.Close()

	for range opts.Conns {
		rc, err := rpcclient.New(cfg, nil)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("set up RPC client for %s: %w", cfg.Host, err)
		}
		c.conns = append(c.conns, rc)
	}
	c.batch, err = rpcclient.NewBatch(cfg)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("set up batch RPC client for %s: %w", cfg.Host, err)
	}

	var info struct {
		Chain  string `json:"chain"`
		Blocks int64  `json:"blocks"`
	}
	if err := c.call(ctx, &info, "getblockchaininfo"); err != nil {
		c.Close()
		if errors.Is(err, ErrUnauthorized) {
			return nil, fmt.Errorf("ask bitcoin node at %s for its chain: %w", cfg.Host, err)
		}
		return nil, fmt.Errorf("ask bitcoin node at %s for its chain: %w; is it a bitcoin node? check %s", cfg.Host, err, EnvRPC)
	}
	params, err := ParamsForChain(info.Chain)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bitcoin node at %s: %w", cfg.Host, err)
	}
	c.chain, c.params = info.Chain, params
	return c, nil
}

// parseURL turns the node URL into an rpcclient configuration. Its errors
// never quote the URL, which holds the password.
func parseURL(rawURL string) (*rpcclient.ConnConfig, error) {
	const want = "want http://user:pass@host:port"
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bitcoin node URL is malformed (%s); check %s", want, EnvRPC)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bitcoin node URL has scheme %q (%s); check %s", u.Scheme, want, EnvRPC)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("bitcoin node URL needs a host and a port, got %q (%s); check %s", u.Host, want, EnvRPC)
	}
	if _, err := strconv.ParseUint(u.Port(), 10, 16); err != nil {
		return nil, fmt.Errorf("bitcoin node URL has a bad port %q; check %s", u.Port(), EnvRPC)
	}
	cfg := &rpcclient.ConnConfig{
		Host:         u.Host,
		HTTPPostMode: true,
		DisableTLS:   u.Scheme == "http",
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Pass, _ = u.User.Password()
	}
	return cfg, nil
}

// Params returns the parameters of the node's network.
func (c *Client) Params() *chaincfg.Params { return c.params }

// Chain returns the network name as the node reported it ("main", "regtest",
// "mainnet", …).
func (c *Client) Chain() string { return c.chain }

// Host returns the node's host:port.
func (c *Client) Host() string { return c.host }

// TipHeight returns the height of the node's best block.
func (c *Client) TipHeight(ctx context.Context) (int64, error) {
	var n int64
	if err := c.call(ctx, &n, "getblockcount"); err != nil {
		return 0, fmt.Errorf("get tip height from %s: %w", c.host, err)
	}
	return n, nil
}

// BlockHash returns the hash of the block at height on the node's best chain.
func (c *Client) BlockHash(ctx context.Context, height int64) (string, error) {
	h, err := c.blockHash(ctx, height)
	if err != nil {
		return "", fmt.Errorf("get hash of block %d from %s: %w", height, c.host, err)
	}
	return h, nil
}

func (c *Client) blockHash(ctx context.Context, height int64) (string, error) {
	var h string
	if err := c.call(ctx, &h, "getblockhash", height); err != nil {
		return "", err
	}
	if !isHash(h) {
		return "", fmt.Errorf("getblockhash answered %q, not a block hash", h)
	}
	return h, nil
}

// BlockHashes returns the hashes of the blocks from..to (inclusive), asked
// for in one JSON-RPC batch request (one per Options.MaxBatch heights).
func (c *Client) BlockHashes(ctx context.Context, from, to int64) ([]string, error) {
	if from < 0 || to < from {
		return nil, fmt.Errorf("get hashes of blocks %d..%d from %s: empty or negative range", from, to, c.host)
	}
	out := make([]string, 0, to-from+1)
	for lo := from; lo <= to; lo += int64(c.opts.MaxBatch) {
		hi := min(to, lo+int64(c.opts.MaxBatch)-1)
		hashes, err := await(ctx, c.opts.Timeout, func() ([]string, error) { return c.blockHashBatch(lo, hi) })
		if err != nil {
			return nil, fmt.Errorf("get hashes of blocks %d..%d from %s: %w", lo, hi, c.host, classify(err))
		}
		out = append(out, hashes...)
	}
	return out, nil
}

func (c *Client) blockHashBatch(from, to int64) ([]string, error) {
	c.batchMu.Lock()
	defer c.batchMu.Unlock()
	futures := make([]rpcclient.FutureGetBlockHashResult, 0, to-from+1)
	for h := from; h <= to; h++ {
		futures = append(futures, c.batch.GetBlockHashAsync(h))
	}
	if err := c.batch.Send(); err != nil {
		return nil, err
	}
	out := make([]string, len(futures))
	for i, f := range futures {
		h, err := f.Receive()
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", from+int64(i), err)
		}
		out[i] = h.String()
	}
	return out, nil
}

// FetchBlock fetches and decodes the block at height: getblockhash, then
// getblock <hash> 0 (the raw block) decoded with btcd's wire package.
func (c *Client) FetchBlock(ctx context.Context, height int64) (*Block, error) {
	hash, err := c.blockHash(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d from %s: %w", height, c.host, err)
	}
	b, err := c.fetchBlock(ctx, hash, height)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d from %s: %w", height, c.host, err)
	}
	return b, nil
}

// FetchBlockByHash fetches and decodes the block with the given hash, which
// the caller knows to be at height (from BlockHashes, say).
func (c *Client) FetchBlockByHash(ctx context.Context, hash string, height int64) (*Block, error) {
	b, err := c.fetchBlock(ctx, hash, height)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d (%s) from %s: %w", height, hash, c.host, err)
	}
	return b, nil
}

func (c *Client) fetchBlock(ctx context.Context, hash string, height int64) (*Block, error) {
	raw, err := c.rawBlock(ctx, hash)
	if err != nil {
		return nil, err
	}
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("decode %d bytes of block %s: %w", len(raw), hash, err)
	}
	if got := msg.BlockHash().String(); got != strings.ToLower(hash) {
		return nil, fmt.Errorf("asked for block %s, got one hashing to %s", hash, got)
	}
	return DecodeBlock(&msg, height, c.params), nil
}

// FetchRawBlock returns the serialized block with the given hash, undecoded.
func (c *Client) FetchRawBlock(ctx context.Context, hash string) ([]byte, error) {
	raw, err := c.rawBlock(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("get block %s from %s: %w", hash, c.host, err)
	}
	return raw, nil
}

func (c *Client) rawBlock(ctx context.Context, hash string) ([]byte, error) {
	if !isHash(hash) {
		return nil, fmt.Errorf("%q is not a block hash", hash)
	}
	res, err := c.raw(ctx, "getblock", hash, 0)
	if err != nil {
		return nil, err
	}
	return hexString(res)
}

// Transaction returns a transaction by id with getrawtransaction. A node
// without a transaction index serves only mempool transactions; for others it
// answers with an error wrapping ErrNoTxIndex.
func (c *Client) Transaction(ctx context.Context, txid string) (*wire.MsgTx, error) {
	if !isHash(txid) {
		return nil, fmt.Errorf("get transaction %q: not a transaction id", txid)
	}
	res, err := c.raw(ctx, "getrawtransaction", txid)
	if err != nil {
		var rpcErr *btcjson.RPCError
		if errors.As(err, &rpcErr) && rpcErr.Code == btcjson.ErrRPCNoTxInfo {
			return nil, fmt.Errorf("get transaction %s from %s: %w (node said: %s)", txid, c.host, ErrNoTxIndex, rpcErr.Message)
		}
		return nil, fmt.Errorf("get transaction %s from %s: %w", txid, c.host, err)
	}
	raw, err := hexString(res)
	if err != nil {
		return nil, fmt.Errorf("get transaction %s from %s: %w", txid, c.host, err)
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("get transaction %s from %s: decode %d bytes: %w", txid, c.host, len(raw), err)
	}
	if got := tx.TxHash().String(); got != strings.ToLower(txid) {
		return nil, fmt.Errorf("get transaction %s from %s: got a transaction hashing to %s", txid, c.host, got)
	}
	return &tx, nil
}

// Close stops the client's goroutines and abandons calls in flight.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		all := append([]*rpcclient.Client{}, c.conns...)
		if c.batch != nil {
			all = append(all, c.batch)
		}
		for _, rc := range all {
			rc.Shutdown()
		}
		for _, rc := range all {
			rc.WaitForShutdown()
		}
	})
}

// call runs method and decodes its result into out.
func (c *Client) call(ctx context.Context, out any, method string, params ...any) error {
	res, err := c.raw(ctx, method, params...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: unexpected answer %.100q: %w", method, res, err)
	}
	return nil
}

// raw sends one request on the next connection and waits for its answer or
// for ctx to end, whichever comes first.
func (c *Client) raw(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	ps := make([]json.RawMessage, len(params))
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("%s: encode parameter %d: %w", method, i, err)
		}
		ps[i] = b
	}
	rc := c.conns[c.next.Add(1)%uint64(len(c.conns))]
	res, err := await(ctx, c.opts.Timeout, func() (json.RawMessage, error) {
		return rc.RawRequestAsync(method, ps).Receive()
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, classify(err))
	}
	return res, nil
}

// await runs f, which blocks on an rpcclient future, and returns its result
// or ctx's error if ctx ends first. rpcclient has no per-call context, so
// the abandoned call finishes (or is cut short by Close) in the background.
//
// A timeout above 0 bounds the wait: past it the call fails with ErrTimeout.
func await[T any](ctx context.Context, timeout time.Duration, f func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-expired:
		return zero, fmt.Errorf("%w: no answer within %s (--rpc-timeout, CHAINSLEUTH_RPC_TIMEOUT); is the node overloaded or stuck?", ErrTimeout, timeout)
	}
}

// classify turns rpcclient's untyped HTTP status errors into ErrUnauthorized
// where they mean refused credentials.
func classify(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "status code: 401") || strings.Contains(msg, "status code: 403") {
		return ErrUnauthorized
	}
	return err
}

// hexString decodes a JSON string of hex digits.
func hexString(res json.RawMessage) ([]byte, error) {
	if len(res) < 2 || res[0] != '"' || res[len(res)-1] != '"' {
		return nil, fmt.Errorf("answer is not a hex string: %.60q", res)
	}
	s := res[1 : len(res)-1]
	out := make([]byte, hex.DecodedLen(len(s)))
	if _, err := hex.Decode(out, s); err != nil {
		return nil, fmt.Errorf("answer is not a hex string: %w", err)
	}
	return out, nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// hostOnly is host without its port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
