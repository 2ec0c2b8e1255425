package bitcoin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// key returns a deterministic private key for a test name.
func key(name string) *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("chainsleuth test key " + name))
	k, _ := btcec.PrivKeyFromBytes(seed[:])
	return k
}

func compressed(name string) []byte   { return key(name).PubKey().SerializeCompressed() }
func uncompressed(name string) []byte { return key(name).PubKey().SerializeUncompressed() }

// sig is a real DER signature of a fixed digest plus SIGHASH_ALL.
func sig(name string) []byte {
	digest := sha256.Sum256([]byte("digest"))
	return append(ecdsa.Sign(key(name), digest[:]).Serialize(), byte(txscript.SigHashAll))
}

func schnorrSig(name string) []byte {
	digest := sha256.Sum256([]byte("digest"))
	s, err := schnorr.Sign(key(name), digest[:])
	if err != nil {
		panic(err)
	}
	return s.Serialize()
}

func mustScript(t testing.TB, b *txscript.ScriptBuilder) []byte {
	t.Helper()
	s, err := b.Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payTo(t testing.TB, a address.Address) []byte {
	t.Helper()
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must[A any](a A, err error) A {
	if err != nil {
		panic(err)
	}
	return a
}

func multisigScript(t testing.TB, m int, keys ...[]byte) []byte {
	b := txscript.NewScriptBuilder().AddInt64(int64(m))
	for _, k := range keys {
		b.AddData(k)
	}
	return mustScript(t, b.AddInt64(int64(len(keys))).AddOp(txscript.OP_CHECKMULTISIG))
}

func p2pkhAddr(k []byte, p *chaincfg.Params) string {
	return must(address.NewAddressPubKeyHash(address.Hash160(k), p)).EncodeAddress()
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestClassifyOutput(t *testing.T) {
	for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
		pkh := must(address.NewAddressPubKeyHash(address.Hash160(compressed("a")), net))
		redeem := multisigScript(t, 2, compressed("a"), compressed("b"), compressed("c"))
		sh := must(address.NewAddressScriptHash(redeem, net))
		wpkh := must(address.NewAddressWitnessPubKeyHash(address.Hash160(compressed("a")), net))
		wsHash := sha256.Sum256(redeem)
		wsh := must(address.NewAddressWitnessScriptHash(wsHash[:], net))
		tr := must(address.NewAddressTaproot(schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(key("a").PubKey())), net))
		anchor := must(address.NewAddressPayToAnchor(net))

		tests := []struct {
			name     string
			script   []byte
			wantType ScriptType
			wantAddr string
		}{
			{"a P2PKH script pays its address", payTo(t, pkh), P2PKH, pkh.EncodeAddress()},
			{"a P2SH script pays its address", payTo(t, sh), P2SH, sh.EncodeAddress()},
			{"a P2WPKH script pays its bech32 address", payTo(t, wpkh), P2WPKH, wpkh.EncodeAddress()},
			{"a P2WSH script pays its bech32 address", payTo(t, wsh), P2WSH, wsh.EncodeAddress()},
			{"a P2TR script pays its bech32m address", payTo(t, tr), P2TR, tr.EncodeAddress()},
			{"a pay-to-anchor script pays the anchor address", txscript.PayToAnchorScript, Anchor, anchor.EncodeAddress()},
			{"a compressed P2PK script gets the P2PKH address of its key",
				mustScript(t, txscript.NewScriptBuilder().AddData(compressed("a")).AddOp(txscript.OP_CHECKSIG)),
				P2PK, p2pkhAddr(compressed("a"), net)},
			{"an uncompressed P2PK script gets the P2PKH address of its key",
				mustScript(t, txscript.NewScriptBuilder().AddData(uncompressed("a")).AddOp(txscript.OP_CHECKSIG)),
				P2PK, p2pkhAddr(uncompressed("a"), net)},
			{"a 2-of-3 bare multisig lists the P2PKH addresses of its keys in order", redeem, Multisig,
				"multisig:2-of-3:" + p2pkhAddr(compressed("a"), net) + "," + p2pkhAddr(compressed("b"), net) + "," + p2pkhAddr(compressed("c"), net)},
			{"a 1-of-2 bare multisig with an uncompressed key", multisigScript(t, 1, uncompressed("a"), compressed("b")), Multisig,
				"multisig:1-of-2:" + p2pkhAddr(uncompressed("a"), net) + "," + p2pkhAddr(compressed("b"), net)},
			{"a multisig needing more signatures than keys is nonstandard", multisigScript(t, 3, compressed("a"), compressed("b")), NonStandard, ""},
			{"a multisig whose key has an invalid size is nonstandard", multisigScript(t, 1, compressed("a")[:32]), NonStandard, ""},
			{"a multisig with a wrong key count is nonstandard",
				mustScript(t, txscript.NewScriptBuilder().AddInt64(1).AddData(compressed("a")).AddInt64(2).AddOp(txscript.OP_CHECKMULTISIG)), NonStandard, ""},
			{"OP_RETURN with data is null data", must(txscript.NullDataScript([]byte("chainsleuth"))), NullData, ""},
			{"a bare OP_RETURN is null data", []byte{txscript.OP_RETURN}, NullData, ""},
			{"OP_RETURN with 100 bytes in two pushes is still null data (Core's rule)",
				mustScript(t, txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData(bytes.Repeat([]byte{1}, 60)).AddData(bytes.Repeat([]byte{2}, 40))), NullData, ""},
			{"OP_RETURN followed by an operation is nonstandard", []byte{txscript.OP_RETURN, txscript.OP_DUP}, NonStandard, ""},
			{"a witness program of version 2 is witness_unknown",
				mustScript(t, txscript.NewScriptBuilder().AddOp(txscript.OP_2).AddData(bytes.Repeat([]byte{7}, 32))), WitnessUnknown, ""},
			{"a version 1 program of 20 bytes is witness_unknown",
				mustScript(t, txscript.NewScriptBuilder().AddOp(txscript.OP_1).AddData(bytes.Repeat([]byte{7}, 20))), WitnessUnknown, ""},
			{"a version 0 program of 25 bytes is nonstandard",
				mustScript(t, txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(bytes.Repeat([]byte{7}, 25))), NonStandard, ""},
			{"an empty script is nonstandard", nil, NonStandard, ""},
			{"garbage is nonstandard", []byte{0xff, 0x4c, 0x20, 0x01}, NonStandard, ""},
			{"a truncated push is nonstandard", []byte{txscript.OP_DATA_20, 1, 2, 3}, NonStandard, ""},
		}
		for _, tt := range tests {
			t.Run(net.Name+"/"+tt.name, func(t *testing.T) {
				gotType, gotAddr := ClassifyOutput(tt.script, net)
				if gotType != tt.wantType || gotAddr != tt.wantAddr {
					t.Fatalf("ClassifyOutput(%x) = (%q, %q), want (%q, %q)", tt.script, gotType, gotAddr, tt.wantType, tt.wantAddr)
				}
			})
		}
	}
}

func TestClassifyOutputAgreesWithTxscriptOnStandardScripts(t *testing.T) {
	same := map[txscript.ScriptClass]ScriptType{
		txscript.PubKeyHashTy: P2PKH, txscript.ScriptHashTy: P2SH, txscript.WitnessV0PubKeyHashTy: P2WPKH,
		txscript.WitnessV0ScriptHashTy: P2WSH, txscript.WitnessV1TaprootTy: P2TR, txscript.PayToAnchorTy: Anchor,
		txscript.PubKeyTy: P2PK, txscript.MultiSigTy: Multisig, txscript.NullDataTy: NullData,
	}
	scripts := [][]byte{
		unhex("76a914e2c7f1d99dea22d82cc13eeeb454bf8de4eee81088ac"),
		unhex("a914f815b036d9bbbce5e9f2a00abd1bf3dc91e9551087"),
		unhex("0014751e76e8199196d454941c45d1b3a323f1433bd6"),
		unhex("00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"),
		unhex("5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c"),
		txscript.PayToAnchorScript,
		unhex("4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac"),
		multisigScript(t, 1, compressed("x"), uncompressed("y")),
		must(txscript.NullDataScript([]byte("hello"))),
	}
	for _, s := range scripts {
		class, addrs, _, err := txscript.ExtractPkScriptAddrs(s, &chaincfg.MainNetParams)
		if err != nil {
			t.Fatal(err)
		}
		gotType, gotAddr := ClassifyOutput(s, &chaincfg.MainNetParams)
		if same[class] != gotType {
			t.Errorf("%x: txscript says %v, we say %q", s, class, gotType)
		}
		switch gotType {
		case P2PK:
			if want := addrs[0].(*address.AddressPubKey).AddressPubKeyHash().EncodeAddress(); gotAddr != want {
				t.Errorf("%x: P2PK address %s, txscript's key hashes to %s", s, gotAddr, want)
			}
		case Multisig:
			var want []string
			for _, a := range addrs {
				want = append(want, a.(*address.AddressPubKey).AddressPubKeyHash().EncodeAddress())
			}
			if _, _, keys, ok := IsMultisigAddress(gotAddr); !ok || strings.Join(keys, ",") != strings.Join(want, ",") {
				t.Errorf("%x: multisig address %s, txscript's keys are %v", s, gotAddr, want)
			}
		case NullData:
		default:
			if gotAddr != addrs[0].EncodeAddress() {
				t.Errorf("%x: address %s, txscript says %s", s, gotAddr, addrs[0].EncodeAddress())
			}
		}
	}
}

func TestWellKnownMainnetOutputsGetTheirKnownAddresses(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"the genesis coinbase pays Satoshi's P2PK key", "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		{"BIP 173's P2WPKH example", "0014751e76e8199196d454941c45d1b3a323f1433bd6", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
		{"BIP 350's P2TR example", "5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"},
		{"pay-to-anchor", "51024e73", "bc1pfeessrawgf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := ClassifyOutput(unhex(tt.script), &chaincfg.MainNetParams); got != tt.want {
				t.Fatalf("address %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsMultisigAddressRejectsOtherStrings(t *testing.T) {
	for _, s := range []string{"", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "multisig:", "multisig:2-of-3:a,b", "multisig:x-of-1:a"} {
		if _, _, _, ok := IsMultisigAddress(s); ok {
			t.Errorf("IsMultisigAddress(%q) = true", s)
		}
	}
	if m, n, keys, ok := IsMultisigAddress("multisig:1-of-2:a,b"); !ok || m != 1 || n != 2 || len(keys) != 2 {
		t.Errorf("IsMultisigAddress of a valid string = %d, %d, %v, %v", m, n, keys, ok)
	}
}

func TestSegwitAddressesEncodeAsBtcdEncodesThemOnEveryNetwork(t *testing.T) {
	for _, net := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.TestNet3Params, &chaincfg.RegressionNetParams, &chaincfg.SigNetParams} {
		want0 := must(address.NewAddressWitnessScriptHash(make([]byte, 32), net)).EncodeAddress()
		if got := segwitAddress(net, 0, make([]byte, 32)); got != want0 {
			t.Errorf("%s: v0 zero program %s, btcd says %s", net.Name, got, want0)
		}
		for _, n := range []int{20, 32} {
			program := bytes.Repeat([]byte{0xa5}, n)
			for i := range program {
				program[i] ^= byte(i * 37)
			}
			var want string
			if n == 20 {
				want = must(address.NewAddressWitnessPubKeyHash(program, net)).EncodeAddress()
			} else {
				want = must(address.NewAddressWitnessScriptHash(program, net)).EncodeAddress()
			}
			if got := segwitAddress(net, 0, program); got != want {
				t.Errorf("%s: v0 %d-byte program %s, btcd says %s", net.Name, n, got, want)
			}
			if n == 32 {
				want = must(address.NewAddressTaproot(program, net)).EncodeAddress()
				if got := segwitAddress(net, 1, program); got != want {
					t.Errorf("%s: v1 program %s, btcd says %s", net.Name, got, want)
				}
			}
		}
	}
}
