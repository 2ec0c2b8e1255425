package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// btcRPC is a minimal JSON-RPC 1.0 client for btcd (or Bitcoin Core): basic auth from the URL's user
// information, one request per call. It implements btcwallet.RPC.
type btcRPC struct {
	endpoint   string // the URL without user information, for requests and messages
	user, pass string
	http       *http.Client
}

func dialBTC(rawURL string) (*btcRPC, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("btc RPC URL %q: want http://user:pass@host:port", rawURL)
	}
	c := &btcRPC{http: &http.Client{Timeout: 2 * time.Minute}}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
	}
	u.User = nil
	c.endpoint = u.String()
	return c, nil
}

// rpcError is an error the node answered with.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// Call makes one JSON-RPC call; result may be nil.
func (c *btcRPC) Call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, c.endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%s %s: HTTP 401: wrong RPC user or password", method, c.endpoint)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %w", method, c.endpoint, resp.StatusCode, err)
	}
	if env.Error != nil {
		return fmt.Errorf("%s %s: %w", method, c.endpoint, env.Error)
	}
	if result != nil {
		if err := json.Unmarshal(env.Result, result); err != nil {
			return fmt.Errorf("%s %s: decode result: %w", method, c.endpoint, err)
		}
	}
	return nil
}
