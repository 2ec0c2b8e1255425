package bitcoin

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// FuzzDecodeBlock: whatever wire accepts as a block, DecodeBlock decodes
// without panicking, and the result is consistent with the message.
func FuzzDecodeBlock(f *testing.F) {
	if dir, err := realdata.Find(); err == nil {
		if blocks, err := realdata.OpenBlocks(dir); err == nil {
			// The genesis block, the first spend, a 2013 block of
			// P2PKH and P2SH, and the first block with a segwit tx.
			for _, h := range []int64{0, 170, 227836, 481829} {
				if raw, err := blocks.RawByHeight(h); err == nil {
					f.Add(raw)
				}
			}
		}
	}
	var empty bytes.Buffer
	_ = (&wire.MsgBlock{}).Serialize(&empty)
	f.Add(empty.Bytes())

	f.Fuzz(func(t *testing.T, raw []byte) {
		var msg wire.MsgBlock
		if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
			return
		}
		for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
			b := DecodeBlock(&msg, 7, net)
			if len(b.Txs) != len(msg.Transactions) || b.Hash != msg.BlockHash().String() || b.Height != 7 {
				t.Fatalf("decoded %d txs hash %s, message has %d txs hash %s", len(b.Txs), b.Hash, len(msg.Transactions), msg.BlockHash())
			}
			for i, tx := range b.Txs {
				if len(tx.Inputs) != len(msg.Transactions[i].TxIn) || len(tx.Outputs) != len(msg.Transactions[i].TxOut) {
					t.Fatalf("tx %d: counts differ from the message", i)
				}
				if tx.VSize*4 < tx.Weight || tx.Size > tx.Weight {
					t.Fatalf("tx %d: size %d vsize %d weight %d", i, tx.Size, tx.VSize, tx.Weight)
				}
			}
		}
	})
}

// splitWitness turns fuzz bytes into witness items: a length byte, then
// that many bytes, repeated.
func splitWitness(b []byte) wire.TxWitness {
	var w wire.TxWitness
	for len(b) > 0 {
		n := min(int(b[0]), len(b)-1)
		w = append(w, b[1:1+n])
		b = b[1+n:]
	}
	return w
}

func joinWitness(w wire.TxWitness) []byte {
	var b []byte
	for _, it := range w {
		if len(it) > 255 {
			it = it[:255]
		}
		b = append(b, byte(len(it)))
		b = append(b, it...)
	}
	return b
}

// FuzzInferInput: InferInput never panics, and an inferred address is a valid
// address of the network whose output script ClassifyOutput gives the same type.
func FuzzInferInput(f *testing.F) {
	for _, s := range spends(f, &chaincfg.MainNetParams) {
		f.Add(s.sigScript, joinWitness(s.witness))
	}
	f.Fuzz(func(t *testing.T, sigScript, witnessBytes []byte) {
		witness := splitWitness(witnessBytes)
		for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
			typ, addr := InferInput(sigScript, witness, net)
			if (typ == Unknown) != (addr == "") {
				t.Fatalf("type %q with address %q", typ, addr)
			}
			if typ == Unknown {
				continue
			}
			checkAddress(t, typ, addr, net)
		}
	})
}

// FuzzClassifyOutput: every script gets one of the documented types, an
// address exactly when the type has one, and standard addresses pay back to
// the very same script.
func FuzzClassifyOutput(f *testing.F) {
	for _, s := range spends(f, &chaincfg.MainNetParams) {
		f.Add(s.pkScript)
	}
	f.Add([]byte{txscript.OP_RETURN})
	f.Add(txscript.PayToAnchorScript)
	f.Fuzz(func(t *testing.T, script []byte) {
		for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
			typ, addr := ClassifyOutput(script, net)
			switch typ {
			case NullData, NonStandard, WitnessUnknown:
				if addr != "" {
					t.Fatalf("%s script has address %q", typ, addr)
				}
			case P2PKH, P2SH, P2WPKH, P2WSH, P2TR, Anchor:
				back := checkAddress(t, typ, addr, net)
				if !bytes.Equal(back, script) {
					t.Fatalf("%s address %s pays to %x, not to %x", typ, addr, back, script)
				}
			case P2PK:
				checkAddress(t, P2PKH, addr, net)
			case Multisig:
				m, n, keys, ok := IsMultisigAddress(addr)
				if !ok || m < 1 || m > n || n > 16 {
					t.Fatalf("multisig address %q", addr)
				}
				for _, k := range keys {
					checkAddress(t, P2PKH, k, net)
				}
			default:
				t.Fatalf("undocumented type %q", typ)
			}
		}
	})
}

// checkAddress decodes addr for net, checks ClassifyOutput of its output
// script gives typ, and returns that script.
func checkAddress(t *testing.T, typ ScriptType, addr string, net *chaincfg.Params) []byte {
	t.Helper()
	a, err := address.DecodeAddress(addr, net)
	if err != nil || !a.IsForNet(net) {
		t.Fatalf("%s address %q does not decode for %s: %v", typ, addr, net.Name, err)
	}
	script, err := txscript.PayToAddrScript(a)
	if err != nil {
		t.Fatalf("%s address %q has no output script: %v", typ, addr, err)
	}
	if got, gotAddr := ClassifyOutput(script, net); got != typ || gotAddr != addr {
		t.Fatalf("%s address %q pays to a script classified (%s, %s)", typ, addr, got, gotAddr)
	}
	return script
}
