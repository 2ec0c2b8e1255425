package bitcoin

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

func pushes(t testing.TB, items ...[]byte) []byte {
	b := txscript.NewScriptBuilder()
	for _, it := range items {
		if len(it) == 0 {
			b.AddOp(txscript.OP_0)
			continue
		}
		b.AddData(it)
	}
	return mustScript(t, b)
}

// spend is an output script and an input that spends it.
type spend struct {
	name      string
	pkScript  []byte // what the input spends
	sigScript []byte
	witness   wire.TxWitness
	// inferable says InferInput should recover ClassifyOutput(pkScript);
	// otherwise it must give (Unknown, "").
	inferable bool
}

func spends(t testing.TB, net *chaincfg.Params) []spend {
	a, b, c := compressed("a"), compressed("b"), compressed("c")
	redeem := multisigScript(t, 2, a, b, c)
	wpkhProgram := payTo(t, must(address.NewAddressWitnessPubKeyHash(address.Hash160(a), net)))
	wsHash := sha256.Sum256(redeem)
	wshProgram := payTo(t, must(address.NewAddressWitnessScriptHash(wsHash[:], net)))

	// A taproot output with one script leaf: <key b> OP_CHECKSIG.
	leafScript := mustScript(t, txscript.NewScriptBuilder().AddData(schnorr.SerializePubKey(key("b").PubKey())).AddOp(txscript.OP_CHECKSIG))
	tree := txscript.AssembleTaprootScriptTree(txscript.NewBaseTapLeaf(leafScript), txscript.NewBaseTapLeaf([]byte{txscript.OP_TRUE}))
	root := tree.RootNode.TapHash()
	outKey := txscript.ComputeTaprootOutputKey(key("a").PubKey(), root[:])
	trScript := payTo(t, must(address.NewAddressTaproot(schnorr.SerializePubKey(outKey), net)))
	cb := tree.LeafMerkleProofs[0].ToControlBlock(key("a").PubKey())
	ctrl := must(cb.ToBytes())
	badCtrl := bytes.Clone(ctrl)
	badCtrl[0] ^= 1 // wrong parity bit

	keyPathScript := payTo(t, must(address.NewAddressTaproot(schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(key("a").PubKey())), net)))

	return []spend{
		{"a P2PKH spend reveals its compressed key",
			payTo(t, must(address.NewAddressPubKeyHash(address.Hash160(a), net))), pushes(t, sig("a"), a), nil, true},
		{"a P2PKH spend reveals its uncompressed key",
			payTo(t, must(address.NewAddressPubKeyHash(address.Hash160(uncompressed("a")), net))), pushes(t, sig("a"), uncompressed("a")), nil, true},
		{"a P2WPKH spend reveals its key in the witness",
			wpkhProgram, nil, wire.TxWitness{sig("a"), a}, true},
		{"a P2SH-wrapped P2WPKH spend reveals its witness program",
			payTo(t, must(address.NewAddressScriptHash(wpkhProgram, net))), pushes(t, wpkhProgram), wire.TxWitness{sig("a"), a}, true},
		{"a P2SH-wrapped P2WSH spend reveals its witness program",
			payTo(t, must(address.NewAddressScriptHash(wshProgram, net))), pushes(t, wshProgram), wire.TxWitness{{}, sig("a"), sig("b"), redeem}, true},
		{"a P2SH multisig spend reveals its redeem script",
			payTo(t, must(address.NewAddressScriptHash(redeem, net))), pushes(t, nil, sig("a"), sig("b"), redeem), nil, true},
		{"a P2SH spend of a one-key script reveals it",
			payTo(t, must(address.NewAddressScriptHash(mustScript(t, txscript.NewScriptBuilder().AddData(a).AddOp(txscript.OP_CHECKSIG)), net))),
			pushes(t, sig("a"), mustScript(t, txscript.NewScriptBuilder().AddData(a).AddOp(txscript.OP_CHECKSIG))), nil, true},
		{"a P2WSH multisig spend reveals its witness script",
			wshProgram, nil, wire.TxWitness{{}, sig("a"), sig("b"), redeem}, true},
		{"a taproot script-path spend reveals its output key through the control block",
			trScript, nil, wire.TxWitness{schnorrSig("b"), leafScript, ctrl}, true},
		{"a taproot script-path spend with an annex still reveals its output key",
			trScript, nil, wire.TxWitness{schnorrSig("b"), leafScript, ctrl, {txscript.TaprootAnnexTag, 1, 2}}, true},
		{"a control block with the wrong parity bit is not trusted",
			trScript, nil, wire.TxWitness{schnorrSig("b"), leafScript, badCtrl}, false},
		{"a taproot key-path spend does not reveal the key",
			keyPathScript, nil, wire.TxWitness{schnorrSig("a")}, false},
		{"a taproot key-path spend with an annex does not reveal the key",
			keyPathScript, nil, wire.TxWitness{schnorrSig("a"), {txscript.TaprootAnnexTag}}, false},
		{"a P2PK spend holds only a signature",
			mustScript(t, txscript.NewScriptBuilder().AddData(a).AddOp(txscript.OP_CHECKSIG)), pushes(t, sig("a")), nil, false},
		{"a bare multisig spend holds only signatures",
			redeem, pushes(t, nil, sig("a"), sig("b")), nil, false},
		{"a scriptSig with operations is not inferred",
			nil, []byte{txscript.OP_DUP, txscript.OP_DROP}, nil, false},
		{"a scriptSig with a truncated push is not inferred",
			nil, []byte{txscript.OP_DATA_20, 1, 2}, nil, false},
		{"an empty scriptSig and witness (anyone-can-spend) is not inferred",
			nil, nil, nil, false},
		{"a witness beside a non-program scriptSig is not inferred",
			nil, pushes(t, sig("a"), a), wire.TxWitness{sig("a"), a}, false},
		{"a last push that is only data (a hash preimage) is not taken for a redeem script",
			nil, pushes(t, []byte("secret preimage")), nil, false},
		{"a last push of a small number is not a redeem script",
			nil, []byte{txscript.OP_1}, nil, false},
	}
}

func TestInferInputRecoversTheSpentOutputsTypeAndAddress(t *testing.T) {
	for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
		for _, s := range spends(t, net) {
			t.Run(net.Name+"/"+s.name, func(t *testing.T) {
				gotType, gotAddr := InferInput(s.sigScript, s.witness, net)
				wantType, wantAddr := Unknown, ""
				if s.inferable {
					wantType, wantAddr = ClassifyOutput(s.pkScript, net)
				}
				if gotType != wantType || gotAddr != wantAddr {
					t.Fatalf("InferInput = (%q, %q), want (%q, %q)", gotType, gotAddr, wantType, wantAddr)
				}
				if s.inferable && gotAddr == "" {
					t.Fatal("an inferable spend gave no address")
				}
			})
		}
	}
}
