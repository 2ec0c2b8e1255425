package replay

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return e.Message }

// JSON-RPC error codes used by bitcoind.
const (
	codeParse          = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -8 // RPC_INVALID_PARAMETER
	codeNotFound       = -5 // RPC_INVALID_ADDRESS_OR_KEY: unknown block or transaction
)

func errorf(code int, msg string) *RPCError { return &RPCError{Code: code, Message: msg} }

// method answers one call; params is the request's params array.
type method func(params []json.RawMessage) (any, *RPCError)

type request struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	Result  any             `json:"result"`
	Error   *RPCError       `json:"error"`
	ID      json.RawMessage `json:"id"`
}

// v2response omits whichever of result and error is absent, as JSON-RPC 2.0
// asks.
type v2response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// rpcServer is the JSON-RPC plumbing: auth, single and batch requests, call
// counting. The answers come from methods.
type rpcServer struct {
	user, pass string
	methods    map[string]method

	mu       sync.Mutex
	calls    map[string]int
	requests int
}

func (s *rpcServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "JSONRPC server handles only POST requests", http.StatusMethodNotAllowed)
		return
	}
	if s.pass != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || user != s.user || pass != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()

	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var reqs []json.RawMessage
		if err := json.Unmarshal(body, &reqs); err != nil {
			writeJSON(w, http.StatusOK, response{Error: errorf(codeParse, "Parse error"), ID: json.RawMessage("null")})
			return
		}
		if len(reqs) == 0 {
			writeJSON(w, http.StatusOK, response{Error: errorf(codeInvalidRequest, "Invalid Request object"), ID: json.RawMessage("null")})
			return
		}
		out := make([]any, len(reqs))
		for i, raw := range reqs {
			out[i], _ = s.one(raw)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	resp, status := s.one(body)
	writeJSON(w, status, resp)
}

// one answers one request object and returns the reply and the HTTP status
// bitcoind would use for it when sent alone.
func (s *rpcServer) one(raw json.RawMessage) (any, int) {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil || req.Method == "" {
		return response{Error: errorf(codeParse, "Parse error"), ID: json.RawMessage("null")}, http.StatusInternalServerError
	}
	if req.ID == nil {
		req.ID = json.RawMessage("null")
	}
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[req.Method]++
	s.mu.Unlock()

	var result any
	var rpcErr *RPCError
	if m, ok := s.methods[req.Method]; ok {
		result, rpcErr = m(req.Params)
	} else {
		rpcErr = errorf(codeMethodNotFound, "Method not found")
	}
	if req.JSONRPC == "2.0" {
		if rpcErr != nil {
			return v2response{JSONRPC: "2.0", Error: rpcErr, ID: req.ID}, http.StatusOK
		}
		if result == nil {
			result = json.RawMessage("null")
		}
		return v2response{JSONRPC: "2.0", Result: result, ID: req.ID}, http.StatusOK
	}
	status := http.StatusOK
	switch {
	case rpcErr == nil:
	case rpcErr.Code == codeMethodNotFound:
		status = http.StatusNotFound
	default:
		status = http.StatusInternalServerError
	}
	return response{Result: result, Error: rpcErr, ID: req.ID}, status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Calls returns how many times each method was called.
func (s *rpcServer) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Requests returns the number of HTTP requests served (a batch is one).
func (s *rpcServer) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}
