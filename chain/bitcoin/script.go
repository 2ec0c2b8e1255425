package bitcoin

import (
	"crypto/sha256"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// ScriptType names the kind of an output script. The values are stored in the
// database as they are, so they never change.
type ScriptType string

// Script types. Unknown ("") is used for an input whose spent output is not
// known and whose type could not be inferred from its scriptSig and witness.
const (
	Unknown        ScriptType = ""
	P2PK           ScriptType = "p2pk"            // <pubkey> OP_CHECKSIG
	P2PKH          ScriptType = "p2pkh"           // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
	P2SH           ScriptType = "p2sh"            // OP_HASH160 <20> OP_EQUAL (BIP 16)
	P2WPKH         ScriptType = "p2wpkh"          // OP_0 <20> (BIP 141)
	P2WSH          ScriptType = "p2wsh"           // OP_0 <32> (BIP 141)
	P2TR           ScriptType = "p2tr"            // OP_1 <32> (BIP 341)
	Multisig       ScriptType = "multisig"        // bare m-of-n OP_CHECKMULTISIG
	NullData       ScriptType = "nulldata"        // OP_RETURN followed by pushes only
	NonStandard    ScriptType = "nonstandard"     // anything else
	WitnessUnknown ScriptType = "witness_unknown" // a witness program of a version with no meaning yet
	Anchor         ScriptType = "anchor"          // pay-to-anchor, OP_1 <0x4e73>
)

// MultisigPrefix starts the address given to a bare multisig output:
// "multisig:<m>-of-<n>:" followed by the comma-joined P2PKH addresses of its
// keys in script order.
const MultisigPrefix = "multisig:"

// ClassifyOutput returns the script type of an output script and the address
// it pays, encoded for params' network.
//
// A P2PK output is given the P2PKH address of its key, as block explorers and
// bitcoin-etl do. A bare multisig output is given
// "multisig:<m>-of-<n>:<addr1>,<addr2>,…" with the P2PKH address of every key
// in script order. Null data, non-standard and unknown-witness outputs have no
// address (""). The classification follows Bitcoin Core's Solver: a multisig
// needs 1 ≤ m ≤ n ≤ 16 and keys of a valid size, null data is OP_RETURN
// followed by pushes only (of any size).
func ClassifyOutput(pkScript []byte, params *chaincfg.Params) (ScriptType, string) {
	switch n := len(pkScript); {
	case n == 25 && pkScript[0] == txscript.OP_DUP && pkScript[1] == txscript.OP_HASH160 &&
		pkScript[2] == txscript.OP_DATA_20 && pkScript[23] == txscript.OP_EQUALVERIFY &&
		pkScript[24] == txscript.OP_CHECKSIG:
		return P2PKH, p2pkhFromHash(pkScript[3:23], params)
	case n == 23 && pkScript[0] == txscript.OP_HASH160 && pkScript[1] == txscript.OP_DATA_20 &&
		pkScript[22] == txscript.OP_EQUAL:
		return P2SH, p2shFromHash(pkScript[2:22], params)
	case (n == 35 || n == 67) && int(pkScript[0]) == n-2 && pkScript[n-1] == txscript.OP_CHECKSIG &&
		validPubKeySize(pkScript[1:n-1]):
		return P2PK, p2pkhFromKey(pkScript[1:n-1], params)
	case n > 0 && pkScript[0] == txscript.OP_RETURN:
		if txscript.IsPushOnlyScript(pkScript[1:]) {
			return NullData, ""
		}
		return NonStandard, ""
	}
	if version, program, ok := witnessProgram(pkScript); ok {
		switch {
		case version == 0 && len(program) == 20:
			return P2WPKH, segwitAddress(params, 0, program)
		case version == 0 && len(program) == 32:
			return P2WSH, segwitAddress(params, 0, program)
		case version == 0:
			return NonStandard, "" // a v0 program of another length is unspendable
		case txscript.IsPayToAnchorScript(pkScript):
			return Anchor, encode(address.NewAddressPayToAnchor(params))
		case version == 1 && len(program) == 32:
			return P2TR, segwitAddress(params, 1, program)
		default:
			return WitnessUnknown, ""
		}
	}
	if m, keys, ok := bareMultisig(pkScript); ok {
		var b strings.Builder
		b.WriteString(MultisigPrefix)
		b.WriteString(strconv.Itoa(m))
		b.WriteString("-of-")
		b.WriteString(strconv.Itoa(len(keys)))
		b.WriteByte(':')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(p2pkhFromKey(k, params))
		}
		return Multisig, b.String()
	}
	return NonStandard, ""
}

// IsMultisigAddress reports whether addr is the synthetic address of a bare
// multisig output, and returns its P2PKH key addresses when it is.
func IsMultisigAddress(addr string) (m, n int, keys []string, ok bool) {
	rest, found := strings.CutPrefix(addr, MultisigPrefix)
	if !found {
		return 0, 0, nil, false
	}
	counts, list, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, nil, false
	}
	ms, ns, found := strings.Cut(counts, "-of-")
	if !found {
		return 0, 0, nil, false
	}
	m, err1 := strconv.Atoi(ms)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil {
		return 0, 0, nil, false
	}
	if list != "" {
		keys = strings.Split(list, ",")
	}
	if len(keys) != n {
		return 0, 0, nil, false
	}
	return m, n, keys, true
}

// witnessProgram returns the version and program of a witness program script:
// OP_0..OP_16 followed by one canonical push of 2 to 40 bytes (BIP 141).
func witnessProgram(script []byte) (int, []byte, bool) {
	if len(script) < 4 || len(script) > 42 {
		return 0, nil, false
	}
	if script[0] != txscript.OP_0 && (script[0] < txscript.OP_1 || script[0] > txscript.OP_16) {
		return 0, nil, false
	}
	if int(script[1]) != len(script)-2 || script[1] < 2 || script[1] > 40 {
		return 0, nil, false
	}
	return txscript.AsSmallInt(script[0]), script[2:], true
}

// bareMultisig parses m <key>… n OP_CHECKMULTISIG the way Bitcoin Core's
// Solver does: m and n are OP_1..OP_16 with m ≤ n, every key has a valid
// public-key size, and nothing follows OP_CHECKMULTISIG.
func bareMultisig(script []byte) (int, [][]byte, bool) {
	if len(script) < 3 || script[len(script)-1] != txscript.OP_CHECKMULTISIG {
		return 0, nil, false
	}
	tok := txscript.MakeScriptTokenizer(0, script[:len(script)-1])
	if !tok.Next() || tok.Opcode() < txscript.OP_1 || tok.Opcode() > txscript.OP_16 {
		return 0, nil, false
	}
	m := txscript.AsSmallInt(tok.Opcode())
	var keys [][]byte
	for tok.Next() {
		if validPubKeySize(tok.Data()) && tok.Opcode() <= txscript.OP_PUSHDATA4 {
			keys = append(keys, tok.Data())
			continue
		}
		op := tok.Opcode()
		if op < txscript.OP_1 || op > txscript.OP_16 || !tok.Done() {
			return 0, nil, false
		}
		n := txscript.AsSmallInt(op)
		if n != len(keys) || m > n {
			return 0, nil, false
		}
		return m, keys, true
	}
	return 0, nil, false
}

// validPubKeySize is Bitcoin Core's CPubKey::ValidSize: 33 bytes starting
// 02/03, or 65 bytes starting 04/06/07. It says nothing about the point being
// on the curve.
func validPubKeySize(k []byte) bool {
	switch len(k) {
	case 33:
		return k[0] == 0x02 || k[0] == 0x03
	case 65:
		return k[0] == 0x04 || k[0] == 0x06 || k[0] == 0x07
	}
	return false
}

type encoder interface{ EncodeAddress() string }

// encode returns the address string, or "" when it could not be built (the
// constructors only fail on lengths the callers have already checked).
func encode[A encoder](a A, err error) string {
	if err != nil {
		return ""
	}
	return a.EncodeAddress()
}

func p2pkhFromHash(hash []byte, params *chaincfg.Params) string {
	return base58.CheckEncode(hash, params.PubKeyHashAddrID)
}

// p2pkhFromKey is the P2PKH address of a public key exactly as serialized
// (compressed, uncompressed or hybrid), without checking it is on the curve.
func p2pkhFromKey(key []byte, params *chaincfg.Params) string {
	return p2pkhFromHash(address.Hash160(key), params)
}

func p2shFromHash(hash []byte, params *chaincfg.Params) string {
	return base58.CheckEncode(hash, params.ScriptHashAddrID)
}

func p2shFromScript(script []byte, params *chaincfg.Params) string {
	return p2shFromHash(address.Hash160(script), params)
}

func p2wshFromScript(script []byte, params *chaincfg.Params) string {
	h := sha256.Sum256(script)
	return segwitAddress(params, 0, h[:])
}

// segwitAddress encodes a witness program as bech32 (BIP 173, version 0) or
// bech32m (BIP 350, version 1 and up) for params' network. It gives what
// address.AddressSegWit's EncodeAddress gives (the tests and fuzz targets
// check so) at a fifth of the cost: that one decodes every address again to
// check it and computes the checksum slowly, which made address encoding
// most of the time spent decoding a block.
func segwitAddress(params *chaincfg.Params, version byte, program []byte) string {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	hrp := params.Bech32HRPSegwit
	data := make([]byte, 0, 1+(len(program)*8+4)/5+6)
	data = append(data, version)
	var acc, bits uint32
	for _, b := range program { // regroup 8-bit bytes into 5-bit groups
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			data = append(data, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		data = append(data, byte(acc<<(5-bits))&31)
	}
	chk := uint32(1)
	for i := 0; i < len(hrp); i++ {
		chk = polymodStep(chk) ^ uint32(hrp[i]>>5)
	}
	chk = polymodStep(chk)
	for i := 0; i < len(hrp); i++ {
		chk = polymodStep(chk) ^ uint32(hrp[i]&31)
	}
	for _, d := range data {
		chk = polymodStep(chk) ^ uint32(d)
	}
	for range 6 {
		chk = polymodStep(chk)
	}
	if version == 0 {
		chk ^= 1
	} else {
		chk ^= 0x2bc830a3
	}
	for i := range 6 {
		data = append(data, byte(chk>>(5*(5-i)))&31)
	}
	out := make([]byte, 0, len(hrp)+1+len(data))
	out = append(out, hrp...)
	out = append(out, '1')
	for _, d := range data {
		out = append(out, charset[d])
	}
	return string(out)
}

// polymodStep is one step of the BCH checksum of bech32.
func polymodStep(c uint32) uint32 {
	b := c >> 25
	c = (c & 0x1ffffff) << 5
	if b&1 != 0 {
		c ^= 0x3b6a57b2
	}
	if b&2 != 0 {
		c ^= 0x26508e6d
	}
	if b&4 != 0 {
		c ^= 0x1ea119fa
	}
	if b&8 != 0 {
		c ^= 0x3d4233dd
	}
	if b&16 != 0 {
		c ^= 0x2a1462b3
	}
	return c
}
