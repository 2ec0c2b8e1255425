package bitcoin

import (
	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// InferInput infers the type and address of the output an input spends from
// the input's scriptSig and witness alone, for when the spent output is not
// known (history before the ingested range, a pruned node). It recognises:
//
//   - P2PKH: a push-only scriptSig of exactly a signature and a public key.
//   - P2WPKH: an empty scriptSig and the witness [signature, 33-byte key].
//   - P2SH-wrapped P2WPKH and P2WSH: a witness, and a scriptSig that is one
//     push of a witness program; the address is the P2SH address of it.
//   - P2SH (multisig and any other redeem script): a push-only scriptSig, no
//     witness, whose last push parses as a script that ends in an operation
//     (not a push) and is neither a signature nor a public key.
//   - P2WSH: an empty scriptSig and a witness whose last item parses as the
//     witness script.
//   - P2TR script path: an empty scriptSig and a witness ending (before any
//     annex) in a tapscript and a control block; the output key is recomputed
//     from the control block and the script, and must match its parity bit.
//
// Taproot key-path spends (one 64/65-byte signature: the key is not in the
// witness), P2PK and bare multisig spends (only signatures), coinbase inputs
// and anything ambiguous give (Unknown, ""). The rules look at the shape of the
// data only; no signature is checked.
func InferInput(sigScript []byte, witness wire.TxWitness, params *chaincfg.Params) (ScriptType, string) {
	if len(sigScript) == 0 {
		if len(witness) == 0 {
			return Unknown, ""
		}
		return inferNativeWitness(witness, params)
	}
	pushes, ok := pushOnly(sigScript)
	if !ok || len(pushes) == 0 {
		return Unknown, ""
	}
	last := pushes[len(pushes)-1]
	if len(witness) > 0 {
		// Nested segwit: the scriptSig is exactly the redeem script, a
		// witness program.
		if len(pushes) == 1 && last.data != nil {
			if v, _, ok := witnessProgram(last.data); ok && v == 0 {
				return P2SH, p2shFromScript(last.data, params)
			}
		}
		return Unknown, ""
	}
	if len(pushes) == 2 && looksLikeSig(pushes[0].data) && validPubKeySize(last.data) {
		return P2PKH, p2pkhFromKey(last.data, params)
	}
	if isRedeemScript(last.data) {
		return P2SH, p2shFromScript(last.data, params)
	}
	return Unknown, ""
}

func inferNativeWitness(witness wire.TxWitness, params *chaincfg.Params) (ScriptType, string) {
	if len(witness) == 2 && looksLikeSig(witness[0]) && len(witness[1]) == 33 &&
		(witness[1][0] == 0x02 || witness[1][0] == 0x03) {
		return P2WPKH, p2pkhWitness(witness[1], params)
	}
	items := witness
	// An annex (BIP 341) is a last item starting 0x50 when there are at
	// least two; only taproot has one, and a P2WSH witness script cannot
	// start with OP_RESERVED and succeed.
	if len(items) >= 2 && len(items[len(items)-1]) > 0 && items[len(items)-1][0] == txscript.TaprootAnnexTag {
		items = items[:len(items)-1]
		if t, addr, ok := inferTapscript(items, params); ok {
			return t, addr
		}
		return Unknown, ""
	}
	if t, addr, ok := inferTapscript(items, params); ok {
		return t, addr
	}
	if len(items) == 1 && (len(items[0]) == 64 || len(items[0]) == 65) {
		return Unknown, "" // taproot key path: the output key is not revealed
	}
	script := items[len(items)-1]
	if len(script) == 0 || !parses(script) || looksLikeSig(script) || validPubKeySize(script) {
		return Unknown, ""
	}
	return P2WSH, p2wshFromScript(script, params)
}

// inferTapscript recognises a taproot script-path spend: [args…, script,
// control block], with a base-leaf-version control block whose internal key
// is on the curve. The output key is the internal key tweaked by the merkle
// root the control block proves for the script.
func inferTapscript(items wire.TxWitness, params *chaincfg.Params) (ScriptType, string, bool) {
	if len(items) < 2 {
		return "", "", false
	}
	ctrl := items[len(items)-1]
	if len(ctrl) < txscript.ControlBlockBaseSize || len(ctrl) > txscript.ControlBlockMaxSize ||
		(len(ctrl)-txscript.ControlBlockBaseSize)%txscript.ControlBlockNodeSize != 0 ||
		txscript.TapscriptLeafVersion(ctrl[0]&0xfe) != txscript.BaseLeafVersion {
		return "", "", false
	}
	cb, err := txscript.ParseControlBlock(ctrl)
	if err != nil {
		return "", "", false
	}
	script := items[len(items)-2]
	outKey := txscript.ComputeTaprootOutputKey(cb.InternalKey, cb.RootHash(script))
	serialized := outKey.SerializeCompressed()
	if (serialized[0] == 0x03) != cb.OutputKeyYIsOdd {
		return "", "", false
	}
	return P2TR, segwitAddress(params, 1, schnorr.SerializePubKey(outKey)), true
}

func p2pkhWitness(key []byte, params *chaincfg.Params) string {
	return segwitAddress(params, 0, address.Hash160(key))
}

// push is one element of a push-only script. data is nil for OP_1NEGATE and
// OP_1..OP_16 (numbers, not byte strings) and empty for OP_0.
type push struct {
	data []byte
}

// pushOnly splits a script made only of pushes into them; ok is false when the
// script does not parse or has any other opcode.
func pushOnly(script []byte) ([]push, bool) {
	var out []push
	tok := txscript.MakeScriptTokenizer(0, script)
	for tok.Next() {
		op := tok.Opcode()
		switch {
		case op == txscript.OP_0:
			out = append(out, push{data: []byte{}})
		case op <= txscript.OP_PUSHDATA4:
			out = append(out, push{data: tok.Data()})
		case op <= txscript.OP_16:
			out = append(out, push{})
		default:
			return nil, false
		}
	}
	return out, tok.Err() == nil
}

// looksLikeSig is a loose shape test for a DER ECDSA signature followed by a
// sighash byte: SEQUENCE tag, a length that matches, and a plausible size. It
// is loose on purpose: signatures before BIP 66 were not always strict DER.
func looksLikeSig(b []byte) bool {
	return len(b) >= 9 && len(b) <= 73 && b[0] == 0x30 && int(b[1]) == len(b)-3
}

// parses reports whether script tokenizes to the end.
func parses(script []byte) bool {
	tok := txscript.MakeScriptTokenizer(0, script)
	for tok.Next() {
	}
	return tok.Err() == nil
}

// isRedeemScript decides whether the last push of a P2SH-looking scriptSig is
// a redeem script: it parses, it is not a signature or a public key (P2PK,
// bare multisig and P2PKH spends end in those), and its last opcode is an
// operation rather than a push, as every useful redeem script's is.
func isRedeemScript(script []byte) bool {
	if len(script) == 0 || looksLikeSig(script) || validPubKeySize(script) {
		return false
	}
	tok := txscript.MakeScriptTokenizer(0, script)
	var lastOp byte
	for tok.Next() {
		lastOp = tok.Opcode()
	}
	return tok.Err() == nil && lastOp > txscript.OP_16
}
