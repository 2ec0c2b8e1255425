package btcwallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Kind is an address type the wallet can receive on and spend from.
type Kind string

// Address kinds.
const (
	P2PKH      Kind = "p2pkh"
	P2WPKH     Kind = "p2wpkh"
	P2SHP2WPKH Kind = "p2sh-p2wpkh"
	P2TR       Kind = "p2tr"
)

// Key is one derived key and the addresses it controls.
type Key struct {
	Index int
	Priv  *btcec.PrivateKey
	pub   []byte
}

// Wallet derives keys from a seed and tracks the outputs it controls.
type Wallet struct {
	params *chaincfg.Params
	seed   string
	keys   []*Key
	owner  map[string]owned // address -> key and kind
	utxos  map[wire.OutPoint]UTXO
	rpc    RPC
	// FeeRate in satoshi per virtual byte (default 2).
	FeeRate int64
}

type owned struct {
	key  *Key
	kind Kind
}

// UTXO is an output the wallet can spend.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    int64
	Address  string
	Kind     Kind
	PkScript []byte
	// Coinbase outputs mature 100 blocks after Height.
	Coinbase bool
	Height   int64
}

// RPC is the node the wallet talks to.
type RPC interface {
	Call(ctx context.Context, method string, params []any, result any) error
}

// New returns an empty wallet for params whose keys derive from seed.
func New(params *chaincfg.Params, seed string, rpc RPC) *Wallet {
	return &Wallet{params: params, seed: seed, owner: map[string]owned{}, utxos: map[wire.OutPoint]UTXO{}, rpc: rpc, FeeRate: 2}
}

// Key derives key i (sha256(seed || i)), creating it on first use.
func (w *Wallet) Key(i int) *Key {
	for len(w.keys) <= i {
		n := len(w.keys)
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(n))
		sum := sha256.Sum256(append([]byte(w.seed), buf[:]...))
		priv, _ := btcec.PrivKeyFromBytes(sum[:])
		k := &Key{Index: n, Priv: priv, pub: priv.PubKey().SerializeCompressed()}
		w.keys = append(w.keys, k)
		for _, kind := range []Kind{P2PKH, P2WPKH, P2SHP2WPKH, P2TR} {
			a, _ := w.address(k, kind)
			w.owner[a] = owned{k, kind}
		}
	}
	return w.keys[i]
}

// Address of key i as kind.
func (w *Wallet) Address(i int, kind Kind) string {
	a, err := w.address(w.Key(i), kind)
	if err != nil {
		panic(err) // only for an unknown kind: a programming error
	}
	return a
}

func (w *Wallet) address(k *Key, kind Kind) (string, error) {
	h160 := address.Hash160(k.pub)
	var a address.Address
	var err error
	switch kind {
	case P2PKH:
		a, err = address.NewAddressPubKeyHash(h160, w.params)
	case P2WPKH:
		a, err = address.NewAddressWitnessPubKeyHash(h160, w.params)
	case P2SHP2WPKH:
		redeem, _ := txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(h160).Script()
		a, err = address.NewAddressScriptHash(redeem, w.params)
	case P2TR:
		tweaked := txscript.ComputeTaprootKeyNoScript(k.Priv.PubKey())
		a, err = address.NewAddressTaproot(schnorr.SerializePubKey(tweaked), w.params)
	default:
		return "", fmt.Errorf("unknown address kind %q", kind)
	}
	if err != nil {
		return "", err
	}
	return a.EncodeAddress(), nil
}

// Owns reports whether the wallet controls addr (among derived keys).
func (w *Wallet) Owns(addr string) bool { _, ok := w.owner[addr]; return ok }

// PkScript of an address on the wallet's network.
func (w *Wallet) PkScript(addr string) ([]byte, error) {
	a, err := address.DecodeAddress(addr, w.params)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	return txscript.PayToAddrScript(a)
}

// AddUTXO records an output the wallet controls.
func (w *Wallet) AddUTXO(u UTXO) { w.utxos[u.OutPoint] = u }

// UTXOs lists spendable outputs at tip height (mature coinbases only), largest first.
func (w *Wallet) UTXOs(tip int64) []UTXO {
	var out []UTXO
	for _, u := range w.utxos {
		if u.Coinbase && tip-u.Height < 100 {
			continue
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value > out[j].Value
		}
		return bytes.Compare(out[i].OutPoint.Hash[:], out[j].OutPoint.Hash[:]) < 0
	})
	return out
}

// Balance of spendable outputs at tip.
func (w *Wallet) Balance(tip int64) int64 {
	var s int64
	for _, u := range w.UTXOs(tip) {
		s += u.Value
	}
	return s
}

// Output is a payment: to an address, or an OP_RETURN with Data.
type Output struct {
	Address string
	Value   int64
	Data    []byte // OP_RETURN payload when Address is ""
}

// Tx is a signed transaction with what went into it.
type Tx struct {
	Msg     *wire.MsgTx
	TxID    string
	Inputs  []UTXO
	Outputs []Output
	Fee     int64
	// ChangeIndex is the change output's index, -1 when there is none.
	ChangeIndex int
}

// ErrInsufficientFunds is returned when the chosen inputs cannot pay.
var ErrInsufficientFunds = errors.New("insufficient funds")

// Build signs a transaction spending exactly inputs to outputs, sending the
// rest minus the fee to change (an address; "" = no change output, the rest is
// fee). It does not broadcast and does not update the UTXO set.
func (w *Wallet) Build(inputs []UTXO, outputs []Output, change string) (*Tx, error) {
	tx := wire.NewMsgTx(2)
	var in int64
	prev := map[wire.OutPoint]*wire.TxOut{}
	for _, u := range inputs {
		tx.AddTxIn(wire.NewTxIn(&u.OutPoint, nil, nil))
		prev[u.OutPoint] = wire.NewTxOut(u.Value, u.PkScript)
		in += u.Value
	}
	var out int64
	for _, o := range outputs {
		var script []byte
		var err error
		if o.Address == "" {
			script, err = txscript.NullDataScript(o.Data)
		} else {
			script, err = w.PkScript(o.Address)
		}
		if err != nil {
			return nil, err
		}
		tx.AddTxOut(wire.NewTxOut(o.Value, script))
		out += o.Value
	}
	t := &Tx{Msg: tx, Inputs: inputs, Outputs: outputs, ChangeIndex: -1}
	// Size estimate: sign once to measure, then set change and sign again.
	if change != "" {
		script, err := w.PkScript(change)
		if err != nil {
			return nil, err
		}
		tx.AddTxOut(wire.NewTxOut(0, script))
		t.ChangeIndex = len(tx.TxOut) - 1
	}
	if err := w.sign(tx, inputs, prev); err != nil {
		return nil, err
	}
	vsize := (int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize()) + 3) / 4
	fee := vsize * w.FeeRate
	if change != "" {
		rest := in - out - fee
		if rest < 546 {
			tx.TxOut = tx.TxOut[:len(tx.TxOut)-1]
			t.ChangeIndex = -1
			fee = in - out
		} else {
			tx.TxOut[t.ChangeIndex].Value = rest
		}
		if err := w.sign(tx, inputs, prev); err != nil {
			return nil, err
		}
	} else {
		fee = in - out
	}
	if in-out < fee || fee < 0 {
		return nil, fmt.Errorf("%w: inputs %d, outputs %d, fee %d", ErrInsufficientFunds, in, out, fee)
	}
	t.Fee = fee
	t.TxID = tx.TxHash().String()
	return t, nil
}

func (w *Wallet) sign(tx *wire.MsgTx, inputs []UTXO, prev map[wire.OutPoint]*wire.TxOut) error {
	hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(prev))
	for i, u := range inputs {
		o, ok := w.owner[u.Address]
		if !ok {
			return fmt.Errorf("input %s pays %s, which this wallet does not control", u.OutPoint, u.Address)
		}
		tx.TxIn[i].SignatureScript, tx.TxIn[i].Witness = nil, nil
		switch o.kind {
		case P2PKH:
			ss, err := txscript.SignatureScript(tx, i, u.PkScript, txscript.SigHashAll, o.key.Priv, true)
			if err != nil {
				return err
			}
			tx.TxIn[i].SignatureScript = ss
		case P2WPKH, P2SHP2WPKH:
			h160 := address.Hash160(o.key.pub)
			p2wpkh, _ := txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(h160).Script()
			wit, err := txscript.WitnessSignature(tx, hashes, i, u.Value, p2wpkh, txscript.SigHashAll, o.key.Priv, true)
			if err != nil {
				return err
			}
			tx.TxIn[i].Witness = wit
			if o.kind == P2SHP2WPKH {
				ss, _ := txscript.NewScriptBuilder().AddData(p2wpkh).Script()
				tx.TxIn[i].SignatureScript = ss
			}
		case P2TR:
			wit, err := txscript.TaprootWitnessSignature(tx, hashes, i, u.Value, u.PkScript, txscript.SigHashDefault, o.key.Priv)
			if err != nil {
				return err
			}
			tx.TxIn[i].Witness = wit
		}
	}
	return nil
}

// Send broadcasts t with sendrawtransaction, removes its inputs from the
// UTXO set and adds the outputs the wallet controls.
func (w *Wallet) Send(ctx context.Context, t *Tx) error {
	var buf bytes.Buffer
	if err := t.Msg.Serialize(&buf); err != nil {
		return err
	}
	var txid string
	if err := w.rpc.Call(ctx, "sendrawtransaction", []any{hex.EncodeToString(buf.Bytes())}, &txid); err != nil {
		return fmt.Errorf("broadcast %s: %w", t.TxID, err)
	}
	if txid != t.TxID {
		return fmt.Errorf("node accepted %s as %s", t.TxID, txid)
	}
	w.Apply(t.Msg, -1)
	return nil
}

// Apply updates the UTXO set with a transaction: spent inputs go, outputs to
// the wallet's addresses come (height -1 for unconfirmed).
func (w *Wallet) Apply(tx *wire.MsgTx, height int64) {
	coinbase := len(tx.TxIn) == 1 && tx.TxIn[0].PreviousOutPoint.Hash == (chainhash.Hash{}) && tx.TxIn[0].PreviousOutPoint.Index == ^uint32(0)
	if !coinbase {
		for _, in := range tx.TxIn {
			delete(w.utxos, in.PreviousOutPoint)
		}
	}
	h := tx.TxHash()
	for i, out := range tx.TxOut {
		_, addrs, _, err := txscript.ExtractPkScriptAddrs(out.PkScript, w.params)
		if err != nil || len(addrs) != 1 {
			continue
		}
		a := addrs[0].EncodeAddress()
		o, ok := w.owner[a]
		if !ok {
			continue
		}
		w.utxos[wire.OutPoint{Hash: h, Index: uint32(i)}] = UTXO{
			OutPoint: wire.OutPoint{Hash: h, Index: uint32(i)}, Value: out.Value, Address: a, Kind: o.kind,
			PkScript: out.PkScript, Coinbase: coinbase, Height: height,
		}
	}
}

// Select picks spendable outputs (largest first) covering amount plus a fee margin.
func (w *Wallet) Select(tip int64, amount int64) ([]UTXO, error) {
	var sum int64
	var picked []UTXO
	for _, u := range w.UTXOs(tip) {
		picked = append(picked, u)
		sum += u.Value
		if sum >= amount+10_000 {
			return picked, nil
		}
	}
	return nil, fmt.Errorf("%w: need %d sat, wallet has %d", ErrInsufficientFunds, amount, sum)
}
