package bitcoin

import (
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Block is a decoded block: the header, sizes and every transaction with its
// inputs and outputs classified. Hashes are hex in display (reversed) byte
// order, as explorers and RPC answers show them.
type Block struct {
	Height     int64
	Hash       string
	PrevHash   string
	MerkleRoot string
	Time       time.Time // UTC
	Version    int32
	Bits       uint32
	Nonce      uint32
	// Size is the serialized size with witness data, StrippedSize without
	// it, and Weight = 3*StrippedSize + Size (BIP 141).
	Size         int
	StrippedSize int
	Weight       int
	Txs          []Tx
}

// Tx is one transaction of a block.
type Tx struct {
	TxID string
	// WTxID is the witness hash; it equals TxID when the transaction has no
	// witness.
	WTxID    string
	Index    int // position in the block
	Version  int32
	LockTime uint32
	// Size is the serialized size with witness, VSize the virtual size
	// (Weight/4 rounded up) and Weight = 3*stripped size + Size.
	Size       int
	VSize      int
	Weight     int
	Coinbase   bool
	HasWitness bool
	Inputs     []Input
	Outputs    []Output
}

// Input is one input of a transaction. The value and the address of the spent
// output are not in the block; InferredType and InferredAddress are what
// InferInput could tell from ScriptSig and Witness (empty for a coinbase).
type Input struct {
	Index int
	// PrevTxID and PrevVout name the spent output. A coinbase input has
	// PrevTxID "" and PrevVout 0xffffffff as in the block.
	PrevTxID        string
	PrevVout        uint32
	Sequence        uint32
	ScriptSig       []byte
	Witness         [][]byte
	InferredType    ScriptType
	InferredAddress string
}

// Output is one output of a transaction.
type Output struct {
	Index   int
	Value   int64 // satoshi
	Script  []byte
	Type    ScriptType
	Address string // "" for nulldata, nonstandard and witness_unknown
}

// DecodeBlock turns a deserialized block into a Block for the network params
// describes; height is not in a block (before BIP 34) so the caller supplies
// it. It does no I/O. The byte slices of the result (scripts, witnesses)
// share memory with msg.
func DecodeBlock(msg *wire.MsgBlock, height int64, params *chaincfg.Params) *Block {
	h := &msg.Header
	b := &Block{
		Height:       height,
		Hash:         h.BlockHash().String(),
		PrevHash:     h.PrevBlock.String(),
		MerkleRoot:   h.MerkleRoot.String(),
		Time:         h.Timestamp.UTC(),
		Version:      h.Version,
		Bits:         h.Bits,
		Nonce:        h.Nonce,
		Size:         msg.SerializeSize(),
		StrippedSize: msg.SerializeSizeStripped(),
		Txs:          make([]Tx, len(msg.Transactions)),
	}
	b.Weight = 3*b.StrippedSize + b.Size
	for i, tx := range msg.Transactions {
		b.Txs[i] = DecodeTx(tx, i, params)
	}
	return b
}

// DecodeTx decodes one transaction; index is its position in the block.
func DecodeTx(msg *wire.MsgTx, index int, params *chaincfg.Params) Tx {
	txid := msg.TxHash()
	t := Tx{
		TxID:       txid.String(),
		Index:      index,
		Version:    msg.Version,
		LockTime:   msg.LockTime,
		Size:       msg.SerializeSize(),
		Coinbase:   IsCoinbase(msg),
		HasWitness: msg.HasWitness(),
		Inputs:     make([]Input, len(msg.TxIn)),
		Outputs:    make([]Output, len(msg.TxOut)),
	}
	t.WTxID = t.TxID
	if t.HasWitness {
		t.WTxID = msg.WitnessHash().String()
	}
	t.Weight = 3*msg.SerializeSizeStripped() + t.Size
	t.VSize = (t.Weight + 3) / 4
	for i, in := range msg.TxIn {
		ti := Input{
			Index:     i,
			PrevVout:  in.PreviousOutPoint.Index,
			Sequence:  in.Sequence,
			ScriptSig: in.SignatureScript,
		}
		if len(in.Witness) > 0 {
			ti.Witness = in.Witness
		}
		if !t.Coinbase {
			ti.PrevTxID = in.PreviousOutPoint.Hash.String()
			ti.InferredType, ti.InferredAddress = InferInput(in.SignatureScript, in.Witness, params)
		}
		t.Inputs[i] = ti
	}
	for i, out := range msg.TxOut {
		typ, addr := ClassifyOutput(out.PkScript, params)
		t.Outputs[i] = Output{Index: i, Value: out.Value, Script: out.PkScript, Type: typ, Address: addr}
	}
	return t
}

// IsCoinbase reports whether tx is a coinbase: one input spending the null
// outpoint (all-zero hash, index 0xffffffff).
func IsCoinbase(tx *wire.MsgTx) bool {
	if len(tx.TxIn) != 1 {
		return false
	}
	prev := tx.TxIn[0].PreviousOutPoint
	return prev.Index == wire.MaxPrevOutIndex && prev.Hash == ([32]byte{})
}
