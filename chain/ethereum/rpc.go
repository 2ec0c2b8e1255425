package ethereum

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/segmentio/encoding/json"
)

// RPCError is an error object a node answered a JSON-RPC call with.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("node error %d: %s", e.Code, e.Message)
}

// JSON-RPC error codes the client branches on.
const (
	codeMethodNotFound = -32601
	codeLimitExceeded  = -32005 // rate limits (Infura, Alchemy, Nethermind)
	codeTooLarge       = -32003 // geth: batch response too large (also "transaction rejected" elsewhere; see isTooLarge)
)

// IsMethodNotFound says whether err is a node's answer that it does not serve
// the method: JSON-RPC error -32601, or one of the messages nodes use for it.
func IsMethodNotFound(err error) bool {
	var e *RPCError
	if !errors.As(err, &e) {
		return false
	}
	if e.Code == codeMethodNotFound {
		return true
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "method not found") || strings.Contains(m, "does not exist/is not available") ||
		strings.Contains(m, "unsupported method") || strings.Contains(m, "method not supported") ||
		strings.Contains(m, "not implemented")
}

// isRateLimited says whether a per-call error asks the client to slow down.
func isRateLimited(e *RPCError) bool {
	if e.Code == codeLimitExceeded || e.Code == 429 {
		return true
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "rate limit") || strings.Contains(m, "too many requests")
}

// isTooLarge says whether a per-call error says the batch answer grew too large.
func isTooLarge(e *RPCError) bool {
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "too large") || strings.Contains(m, "batch limit") || strings.Contains(m, "batch size")
}

// ErrUnauthorized is returned when the node refuses the request's credentials.
var ErrUnauthorized = errors.New("the node refused the request (HTTP 401/403); check the credentials in " + EnvRPC)

// call is one JSON-RPC call of a batch: Result or Err is set when it returns.
type call struct {
	Method string
	Params []any
	Result json.RawMessage
	Err    error // *RPCError, or a problem with the answer
}

func newCall(method string, params ...any) *call {
	if params == nil {
		params = []any{}
	}
	return &call{Method: method, Params: params}
}

// decode unmarshals the call's result into out. A call that failed returns
// its error, prefixed with the method.
func (c *call) decode(out any) error {
	if c.Err != nil {
		return fmt.Errorf("%s: %w", c.Method, c.Err)
	}
	if err := json.Unmarshal(c.Result, out); err != nil {
		return fmt.Errorf("%s: unexpected answer %.120s: %w", c.Method, c.Result, err)
	}
	return nil
}

// transport sends JSON-RPC requests over HTTP POST: single calls and batches,
// split into batches of at most maxBatch calls that go out in parallel
// (at most conns at once), retried with backoff on transient failures for at
// most timeout.
type transport struct {
	endpoint string // URL without user info
	host     string // host[:port], for messages
	auth     string // Authorization header, or ""
	client   *http.Client
	maxBatch int
	conns    int
	timeout  time.Duration
	nextID   atomic.Uint64
}

func newTransport(u *url.URL, opts Options, tlsConf *tls.Config) *transport {
	t := &transport{
		host:     u.Host,
		maxBatch: opts.MaxBatch,
		conns:    opts.Conns,
		timeout:  opts.Timeout,
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(u.User.Username(), pass)
		t.auth = req.Header.Get("Authorization")
	}
	clean := *u
	clean.User = nil
	t.endpoint = clean.String()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = opts.Conns
	tr.MaxIdleConnsPerHost = opts.Conns
	tr.ResponseHeaderTimeout = opts.Timeout
	// A node on this machine answers uncompressed: gzip costs the node and
	// us CPU and saves nothing on loopback (the dev chain's ingest ran 15%
	// faster without it, the node's gzip writer having been a tenth of all
	// the CPU). Remote nodes are still asked to compress.
	tr.DisableCompression = isLoopback(u.Hostname())
	if tlsConf != nil {
		tr.TLSClientConfig = tlsConf
	}
	t.client = &http.Client{Transport: tr}
	return t
}

// isLoopback says whether host names this machine: localhost or a loopback
// address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (t *transport) close() { t.client.CloseIdleConnections() }

// do sends calls and fills in their results. The error is for the whole
// exchange (the node unreachable, the time budget spent, ctx done); errors of
// single calls are in their Err.
func (t *transport) do(ctx context.Context, calls ...*call) error {
	if len(calls) == 0 {
		return nil
	}
	chunks := make([][]*call, 0, (len(calls)+t.maxBatch-1)/t.maxBatch)
	for lo := 0; lo < len(calls); lo += t.maxBatch {
		chunks = append(chunks, calls[lo:min(len(calls), lo+t.maxBatch)])
	}
	if len(chunks) == 1 {
		return t.send(ctx, chunks[0])
	}
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, t.conns)
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			errs[i] = t.send(ctx, chunk)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// send delivers one batch, retrying transient failures with exponential
// backoff until the time budget runs out. Calls that the node rate-limited
// are sent again; calls whose answer was too large for a batch are sent again
// one by one.
func (t *transport) send(ctx context.Context, calls []*call) error {
	deadline := time.Now().Add(t.timeout)
	pending := calls
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			wait := backoff(attempt, lastErr)
			if time.Now().Add(wait).After(deadline) {
				return fmt.Errorf("gave up after %d attempts in %s (the time one request may take: --rpc-timeout): %w", attempt, t.timeout, lastErr)
			}
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			case <-timer.C:
			}
		}
		actx, cancel := context.WithDeadline(ctx, deadline)
		err := t.exchange(actx, pending)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !transient(err) {
				return err
			}
			lastErr = err
			continue
		}
		// Retry the calls the node asked to slow down for, and send the
		// ones that did not fit into a batch answer alone.
		var again, alone []*call
		for _, c := range pending {
			var re *RPCError
			if !errors.As(c.Err, &re) {
				continue
			}
			switch {
			case isRateLimited(re):
				again = append(again, c)
			case len(pending) > 1 && isTooLarge(re):
				alone = append(alone, c)
			}
		}
		for _, c := range alone {
			c.Err = nil
			if err := t.send(ctx, []*call{c}); err != nil {
				return err
			}
		}
		if len(again) == 0 {
			return nil
		}
		for _, c := range again {
			lastErr = c.Err
			c.Err = nil
		}
		pending = again
	}
}

// backoff is the wait before attempt n (n ≥ 1): 100ms doubling to at most
// 5s, with jitter; longer when the node sent Retry-After.
func backoff(n int, lastErr error) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 6)
	d = min(d, 5*time.Second)
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	var he *httpError
	if errors.As(lastErr, &he) && he.retryAfter > d {
		d = min(he.retryAfter, 30*time.Second)
	}
	return d
}

// httpError is an HTTP answer that is not JSON-RPC.
type httpError struct {
	status     int
	body       string
	retryAfter time.Duration
}

func (e *httpError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.status, http.StatusText(e.status), e.body)
}

// transient says whether an exchange error may go away by itself: refused or
// reset connections, timeouts, HTTP 429 and 5xx.
func transient(err error) bool {
	var he *httpError
	if errors.As(err, &he) {
		return he.status == http.StatusTooManyRequests || he.status >= 500
	}
	if errors.Is(err, ErrUnauthorized) || isCertificateError(err) {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// exchange makes one HTTP request for calls and assigns the answers.
func (t *transport) exchange(ctx context.Context, calls []*call) error {
	ids := make(map[uint64]*call, len(calls))
	reqs := make([]request, len(calls))
	for i, c := range calls {
		id := t.nextID.Add(1)
		ids[id] = c
		reqs[i] = request{JSONRPC: "2.0", ID: id, Method: c.Method, Params: c.Params}
	}
	var body []byte
	var err error
	if len(reqs) == 1 {
		body, err = json.Marshal(reqs[0])
	} else {
		body, err = json.Marshal(reqs)
	}
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if t.auth != "" {
		req.Header.Set("Authorization", t.auth)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return stripURL(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", stripURL(err))
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return ErrUnauthorized
	}
	data = bytes.TrimSpace(data)
	looksJSON := len(data) > 0 && (data[0] == '{' || data[0] == '[')
	if resp.StatusCode == http.StatusRequestEntityTooLarge && len(calls) > 1 {
		return t.split(ctx, calls)
	}
	if resp.StatusCode != http.StatusOK && !(looksJSON && json.Valid(data) && resp.StatusCode >= 400) {
		he := &httpError{status: resp.StatusCode, body: snippet(data)}
		if s := resp.Header.Get("Retry-After"); s != "" {
			if secs, err := strconv.Atoi(s); err == nil && secs > 0 {
				he.retryAfter = time.Duration(secs) * time.Second
			}
		}
		return he
	}
	if !looksJSON {
		return fmt.Errorf("the node answered HTTP %d with something that is not JSON: %s", resp.StatusCode, snippet(data))
	}
	if data[0] == '{' {
		var r response
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
		if len(calls) > 1 {
			// One answer to a batch: the node refused the batch as a
			// whole (too many calls, too large). Halve it.
			if r.Error != nil {
				return t.split(ctx, calls)
			}
			return fmt.Errorf("the node answered a batch of %d calls with a single answer", len(calls))
		}
		assign(calls[0], r)
		return nil
	}
	var rs []response
	if err := json.Unmarshal(data, &rs); err != nil {
		return fmt.Errorf("decode batch answer: %w", err)
	}
	for _, r := range rs {
		id, err := strconv.ParseUint(strings.Trim(string(r.ID), `"`), 10, 64)
		if err != nil {
			continue
		}
		if c, ok := ids[id]; ok {
			assign(c, r)
			delete(ids, id)
		}
	}
	for _, c := range ids {
		c.Result, c.Err = nil, errors.New("the node's batch answer has no answer to this call")
	}
	return nil
}

// split sends calls as two smaller batches.
func (t *transport) split(ctx context.Context, calls []*call) error {
	half := len(calls) / 2
	if err := t.exchange(ctx, calls[:half]); err != nil {
		return err
	}
	return t.exchange(ctx, calls[half:])
}

func assign(c *call, r response) {
	switch {
	case r.Error != nil:
		c.Result, c.Err = nil, r.Error
	default:
		if r.Result == nil {
			r.Result = json.RawMessage("null")
		}
		c.Result, c.Err = r.Result, nil
	}
}

// stripURL removes the request URL from an HTTP client error: it may carry
// an API key in its path.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
