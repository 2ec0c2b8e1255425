package ethereum

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// TransferTopic is topic 0 of Transfer(address,address,uint256), the event
// of ERC-20 and ERC-721 transfers (keccak256 of the signature).
const TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

// Token standards (TokenTransfer.Standard).
const (
	ERC20  = "erc20"
	ERC721 = "erc721"
)

// TokenTransfer is a Transfer event decoded from a log.
type TokenTransfer struct {
	Token string // the contract that emitted the event
	From  string // the zero address for a mint
	To    string // the zero address for a burn
	// Value is the amount in the token's base units for ERC-20, 1 for ERC-721.
	Value *big.Int
	// TokenID is the ERC-721 token id; nil for ERC-20.
	TokenID  *big.Int
	Standard string // ERC20 or ERC721
	TxHash   string
	LogIndex int
	TxIndex  int
}

// DecodeTokenTransfers finds the Transfer(address,address,uint256) events
// among logs. Both standards share the event signature and differ in what is
// indexed: ERC-20 indexes from and to (three topics, the amount in 32 bytes
// of data), ERC-721 indexes the token id as well (four topics, no data).
// Anything else with that topic 0 is skipped: removed logs, a topic that is
// not 32 bytes, data of another length, and the unindexed variant some early
// contracts emit (one topic, everything in data), which cannot tell an
// amount from a token id.
func DecodeTokenTransfers(logs []Log) []TokenTransfer {
	var out []TokenTransfer
	for i := range logs {
		l := &logs[i]
		if l.Removed || len(l.Topics) < 3 || l.Topics[0] != TransferTopic {
			continue
		}
		from, ok1 := topicAddress(l.Topics[1])
		to, ok2 := topicAddress(l.Topics[2])
		if !ok1 || !ok2 {
			continue
		}
		t := TokenTransfer{Token: l.Address, From: from, To: to, TxHash: l.TxHash, LogIndex: l.Index, TxIndex: l.TxIndex}
		switch {
		case len(l.Topics) == 3 && len(l.Data) == 32:
			t.Standard, t.Value = ERC20, new(big.Int).SetBytes(l.Data)
		case len(l.Topics) == 4 && len(l.Data) == 0:
			id, ok := topicWord(l.Topics[3])
			if !ok {
				continue
			}
			t.Standard, t.Value, t.TokenID = ERC721, big.NewInt(1), new(big.Int).SetBytes(id)
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

// topicWord decodes a 32-byte topic.
func topicWord(topic string) ([]byte, bool) {
	h, ok := cutHexPrefix(topic)
	if !ok || len(h) != 64 {
		return nil, false
	}
	b, err := hex.DecodeString(h)
	return b, err == nil
}

// topicAddress reads an address from an indexed topic: its low 20 bytes.
// Like ethereum-etl, dirty high bytes are ignored rather than rejected.
func topicAddress(topic string) (string, bool) {
	w, ok := topicWord(topic)
	if !ok {
		return "", false
	}
	return encodeHex(w[12:]), true
}

// Token is what a token contract says about itself.
type Token struct {
	Address string
	Name    string // "" when the contract has no name() or it fails
	Symbol  string // "" likewise
	// Decimals is the number of decimals, or -1 when decimals() is missing,
	// fails or answers something that is not a uint8.
	Decimals int
	// TotalSupply in base units; nil when totalSupply() is missing or fails.
	TotalSupply *big.Int
}

// Function selectors of the calls Token makes.
var (
	selName        = []byte{0x06, 0xfd, 0xde, 0x03} // name()
	selSymbol      = []byte{0x95, 0xd8, 0x9b, 0x41} // symbol()
	selDecimals    = []byte{0x31, 0x3c, 0xe5, 0x67} // decimals()
	selTotalSupply = []byte{0x18, 0x16, 0x0d, 0xdd} // totalSupply()
	selNAME        = []byte{0xa3, 0xf4, 0xdf, 0x7e} // NAME()
	selSYMBOL      = []byte{0xf7, 0x6f, 0x8d, 0x78} // SYMBOL()
	selDECIMALS    = []byte{0x2e, 0x0f, 0x26, 0x25} // DECIMALS()
)

type callMsg struct {
	To   string `json:"to"`
	Data string `json:"data"`
}

func ethCall(address string, selector []byte, block int64) *call {
	return newCall("eth_call", callMsg{To: address, Data: encodeHex(selector)}, blockTag(block))
}

// Token reads a token's name, symbol, decimals and total supply with eth_call
// at block atBlock (-1 for the latest block), in one batch. A function the
// contract lacks or that reverts leaves its field empty (Decimals -1); name,
// symbol and decimals are then tried in their upper-case spelling (NAME(),
// …) as some early tokens have them. Names and symbols may be ABI strings or
// bytes32; NUL bytes and invalid UTF-8 are dropped. An address without code
// gives an empty Token, not an error. Errors are for the node failing
// (unreachable, no state for the block), not for the contract.
func (c *Client) Token(ctx context.Context, address string, atBlock int64) (Token, error) {
	address = strings.ToLower(address)
	if !validAddress(address) {
		return Token{}, fmt.Errorf("read token %q: not an address", address)
	}
	tok, err := c.token(ctx, address, atBlock)
	if err != nil {
		return Token{}, fmt.Errorf("read token %s at block %s from %s: %w", address, blockTag(atBlock), c.host, err)
	}
	return tok, nil
}

func (c *Client) token(ctx context.Context, address string, atBlock int64) (Token, error) {
	tok := Token{Address: address, Decimals: -1}
	calls := []*call{
		ethCall(address, selName, atBlock),
		ethCall(address, selSymbol, atBlock),
		ethCall(address, selDecimals, atBlock),
		ethCall(address, selTotalSupply, atBlock),
	}
	if err := c.rpc.do(ctx, calls...); err != nil {
		return tok, err
	}
	out := make([][]byte, len(calls))
	for i, cl := range calls {
		var err error
		if out[i], err = callResult(cl); err != nil {
			return tok, err
		}
	}
	var ok [3]bool
	tok.Name, ok[0] = decodeText(out[0])
	tok.Symbol, ok[1] = decodeText(out[1])
	tok.Decimals, ok[2] = decodeDecimals(out[2])
	if v, good := decodeUint(out[3]); good {
		tok.TotalSupply = v
	}

	// Early tokens spell them in capitals.
	var retry []*call
	var idx []int
	for i, sel := range [][]byte{selNAME, selSYMBOL, selDECIMALS} {
		if !ok[i] {
			retry = append(retry, ethCall(address, sel, atBlock))
			idx = append(idx, i)
		}
	}
	if len(retry) == 0 || len(out[0])+len(out[1])+len(out[2])+len(out[3]) == 0 {
		return tok, nil // all there, or no code answering at all
	}
	if err := c.rpc.do(ctx, retry...); err != nil {
		return tok, err
	}
	for j, cl := range retry {
		res, err := callResult(cl)
		if err != nil {
			return tok, err
		}
		switch idx[j] {
		case 0:
			tok.Name, _ = decodeText(res)
		case 1:
			tok.Symbol, _ = decodeText(res)
		case 2:
			tok.Decimals, _ = decodeDecimals(res)
		}
	}
	return tok, nil
}

// callResult returns an eth_call's bytes. A call the EVM rejected (revert,
// invalid opcode, out of gas) returns nil bytes and no error: the contract
// lacks the function. Any other error is the node's and is returned.
func callResult(cl *call) ([]byte, error) {
	if cl.Err != nil {
		if isExecutionError(cl.Err) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %w", cl.Method, cl.Err)
	}
	var h hexBytes
	if err := h.UnmarshalJSON(cl.Result); err != nil {
		return nil, fmt.Errorf("%s: %w", cl.Method, err)
	}
	return h, nil
}

// isExecutionError says whether an eth_call error comes from running the
// contract rather than from the node.
func isExecutionError(err error) bool {
	var e *RPCError
	if !errors.As(err, &e) {
		return false
	}
	if e.Code == 3 || e.Code == -32015 { // geth revert with data; Parity VM execution error
		return true
	}
	m := strings.ToLower(e.Message)
	for _, s := range []string{"revert", "invalid opcode", "invalid jump", "out of gas", "stack underflow",
		"stack overflow", "execution", "bad instruction", "vm exception", "write protection", "invalid code"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// decodeText reads a name or symbol: an ABI-encoded string, or failing that
// a bytes32 (NUL-padded) string. ok is false when the bytes are neither
// (empty, too short, bad offsets).
func decodeText(b []byte) (string, bool) {
	if s, ok := abiString(b); ok {
		return cleanText(s), true
	}
	if len(b) == 32 {
		return cleanText(b), true
	}
	return "", false
}

// abiString decodes an ABI-encoded dynamic string or bytes return value.
func abiString(b []byte) ([]byte, bool) {
	if len(b) < 64 {
		return nil, false
	}
	off, ok := smallWord(b[:32])
	if !ok || off+32 > uint64(len(b)) {
		return nil, false
	}
	n, ok := smallWord(b[off : off+32])
	if !ok || off+32+n > uint64(len(b)) {
		return nil, false
	}
	return b[off+32 : off+32+n], true
}

// smallWord reads a 32-byte word that must fit in 32 bits.
func smallWord(w []byte) (uint64, bool) {
	for _, x := range w[:28] {
		if x != 0 {
			return 0, false
		}
	}
	return uint64(w[28])<<24 | uint64(w[29])<<16 | uint64(w[30])<<8 | uint64(w[31]), true
}

// cleanText drops NUL bytes and invalid UTF-8 and trims spaces.
func cleanText(b []byte) string {
	b = bytes.ReplaceAll(b, []byte{0}, nil)
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return strings.TrimSpace(s)
}

// decodeDecimals reads a uint8 return value (ABI-padded to 32 bytes).
func decodeDecimals(b []byte) (int, bool) {
	v, ok := decodeUint(b)
	if !ok || !v.IsUint64() || v.Uint64() > 255 {
		return -1, false
	}
	return int(v.Uint64()), true
}

// decodeUint reads a uint256 return value: the first 32-byte word.
func decodeUint(b []byte) (*big.Int, bool) {
	if len(b) < 32 {
		return nil, false
	}
	return new(big.Int).SetBytes(b[:32]), true
}
