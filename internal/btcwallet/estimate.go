package btcwallet

import "fmt"

// Upper bounds of what each input kind adds, in weight units, with the
// largest signatures the wallet can make (a 72-byte DER signature plus its
// sighash byte; a 64-byte Schnorr signature with the default sighash).
var inputWeight = map[Kind]int64{
	// outpoint 36 + sequence 4 + scriptSig length 1 + scriptSig (push 73-byte sig, push 33-byte key) 108
	P2PKH: (36 + 4 + 1 + 108) * 4,
	// 41 base bytes; witness: item count 1 + (1+73) + (1+33)
	P2WPKH: 41*4 + 109,
	// base 41 plus the pushed 22-byte redeem script (23 bytes); the same witness
	P2SHP2WPKH: (41+23)*4 + 109,
	// 41 base bytes; witness: item count 1 + (1+64)
	P2TR: 41*4 + 66,
}

// EstimateVSize is an upper bound of the virtual size of a transaction
// spending inputs to outputs (plus a change output to change, unless it is
// ""), whatever signatures come out. Unlike the size Build measures after
// signing, it depends only on the kinds of inputs and outputs, so a fee
// computed from it is the same on every run: the simulator relies on that to
// replay a world exactly. It fails on an output address the wallet's network
// cannot decode.
func (w *Wallet) EstimateVSize(inputs []UTXO, outputs []Output, change string) (int64, error) {
	nOut := len(outputs)
	var outBytes int64
	for _, o := range outputs {
		var scriptLen int
		if o.Address == "" {
			scriptLen = 2 + len(o.Data) // OP_RETURN and one push (data under 76 bytes)
			if len(o.Data) >= 76 {
				scriptLen++
			}
		} else {
			script, err := w.PkScript(o.Address)
			if err != nil {
				return 0, err
			}
			scriptLen = len(script)
		}
		outBytes += 8 + varIntLen(int64(scriptLen)) + int64(scriptLen)
	}
	if change != "" {
		script, err := w.PkScript(change)
		if err != nil {
			return 0, err
		}
		outBytes += 8 + varIntLen(int64(len(script))) + int64(len(script))
		nOut++
	}
	weight := (8 + varIntLen(int64(len(inputs))) + varIntLen(int64(nOut)) + outBytes) * 4
	segwit := false
	for _, in := range inputs {
		w, ok := inputWeight[in.Kind]
		if !ok {
			return 0, fmt.Errorf("input %s: unknown address kind %q", in.OutPoint, in.Kind)
		}
		weight += w
		if in.Kind != P2PKH {
			segwit = true
		}
	}
	if segwit {
		weight += 2 // marker and flag
	}
	return (weight + 3) / 4, nil
}

func varIntLen(n int64) int64 {
	switch {
	case n < 0xfd:
		return 1
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	default:
		return 9
	}
}
