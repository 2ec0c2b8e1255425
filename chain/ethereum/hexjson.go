package ethereum

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// The JSON types below read what Ethereum nodes send: quantities as "0x"-hex
// strings (and, in some tools' output, plain JSON numbers), byte strings as
// "0x"-hex, addresses and hashes in any letter case. They accept null as
// "absent" and never panic on malformed input; they return an error instead.

var null = []byte("null")

// quantity is an unsigned 64-bit JSON-RPC quantity: "0x1b4", or a JSON number.
type quantity uint64

func (q *quantity) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		*q = 0
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		n, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("quantity %.40s: %w", b, err)
		}
		*q = quantity(n)
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	n, err := parseQuantity(s)
	if err != nil {
		return err
	}
	*q = quantity(n)
	return nil
}

// parseQuantity reads a "0x"-prefixed hex quantity (leading zeros tolerated)
// or, failing the prefix, a decimal number.
func parseQuantity(s string) (uint64, error) {
	if h, ok := cutHexPrefix(s); ok {
		if h == "" {
			return 0, fmt.Errorf("quantity %q has no digits", s)
		}
		n, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			return 0, fmt.Errorf("quantity %.40q: %w", s, err)
		}
		return n, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %.40q is neither 0x-hex nor decimal", s)
	}
	return n, nil
}

// optInt is a JSON number or hex quantity that may be null (a reward trace's
// transactionPosition): Valid says whether it was present.
type optInt struct {
	N     int64
	Valid bool
}

func (o *optInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		*o = optInt{}
		return nil
	}
	var q quantity
	if err := q.UnmarshalJSON(b); err != nil {
		return err
	}
	if uint64(q) > 1<<53 {
		return fmt.Errorf("integer %d out of range", uint64(q))
	}
	*o = optInt{N: int64(q), Valid: true}
	return nil
}

// bigQuantity is an arbitrary-precision quantity (wei amounts, fees). Nil
// means the field was absent or null.
type bigQuantity struct{ v *big.Int }

func (q *bigQuantity) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		q.v = nil
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		v, ok := new(big.Int).SetString(string(b), 10)
		if !ok || v.Sign() < 0 {
			return fmt.Errorf("amount %.40s is not a non-negative integer", b)
		}
		q.v = v
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	v, err := parseBig(s)
	if err != nil {
		return err
	}
	q.v = v
	return nil
}

// parseBig reads a "0x" hex or decimal non-negative integer of at most 256 bits.
func parseBig(s string) (*big.Int, error) {
	base := 10
	if h, ok := cutHexPrefix(s); ok {
		s, base = h, 16
	}
	if s == "" || len(s) > 80 {
		return nil, fmt.Errorf("amount %.40q is empty or too long", s)
	}
	v, ok := new(big.Int).SetString(s, base)
	if !ok || v.Sign() < 0 || v.BitLen() > 256 {
		return nil, fmt.Errorf("amount %.40q is not a 256-bit unsigned integer", s)
	}
	return v, nil
}

// orZero returns v, or a new zero when v is nil: amounts in the model are
// never nil.
func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

// hexBytes is a "0x"-prefixed hex byte string; "0x" and null are empty.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		*h = nil
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	d, err := decodeHex(s)
	if err != nil {
		return err
	}
	*h = d
	return nil
}

func decodeHex(s string) ([]byte, error) {
	h, ok := cutHexPrefix(s)
	if !ok {
		return nil, fmt.Errorf("byte string %.40q lacks the 0x prefix", s)
	}
	if len(h)%2 == 1 {
		return nil, fmt.Errorf("byte string %.40q has an odd number of digits", s)
	}
	if len(h) == 0 {
		return nil, nil
	}
	out := make([]byte, len(h)/2)
	if _, err := hex.Decode(out, []byte(h)); err != nil {
		return nil, fmt.Errorf("byte string %.40q: %w", s, err)
	}
	return out, nil
}

// hexID is an address or a hash: kept as a lower-case "0x" string. Null is "".
type hexID string

func (h *hexID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		*h = ""
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	if s == "" {
		*h = ""
		return nil
	}
	x, ok := cutHexPrefix(s)
	if !ok {
		return fmt.Errorf("%.50q is not 0x-hex", s)
	}
	for i := 0; i < len(x); i++ {
		if !isHexDigit(x[i]) {
			return fmt.Errorf("%.50q is not 0x-hex", s)
		}
	}
	*h = hexID(strings.ToLower(s))
	return nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func cutHexPrefix(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return s, false
}

// unquote reads a JSON string without escapes (hex never has any).
func unquote(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", fmt.Errorf("want a JSON string, got %.40s", b)
	}
	s := b[1 : len(b)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		return "", errors.New("escaped characters in a hex string")
	}
	return string(s), nil
}

// hexQuantity formats n as a JSON-RPC quantity.
func hexQuantity(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }

// blockTag is the block parameter of eth_call and eth_getCode: "latest" for a
// negative height.
func blockTag(height int64) string {
	if height < 0 {
		return "latest"
	}
	return hexQuantity(uint64(height))
}

// encodeHex formats b as "0x"-hex.
func encodeHex(b []byte) string { return "0x" + hex.EncodeToString(b) }

// validAddress says whether s is a lower-case 0x address of 20 bytes.
func validAddress(s string) bool {
	if len(s) != 42 || s[:2] != "0x" {
		return false
	}
	for i := 2; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}
