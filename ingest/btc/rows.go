package btc

import (
	"encoding/hex"
	"slices"
	"time"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/ingest/transfers"
)

// tableRows are a batch's rows for every Bitcoin table, in columnar form.
type tableRows struct {
	blocks struct {
		height                              []uint64
		hash, prev, merkle                  []string
		time                                []time.Time
		version                             []int32
		bits, nonce, size, stripped, weight []uint32
		txCount, inCount, outCount          []uint32
		outValue, fees                      []uint64
		feesKnown                           []uint8
	}
	txs struct {
		txid, blockHash, wtxid                 []string
		height                                 []uint64
		time                                   []time.Time
		txIndex, lockTime, size, vsize, weight []uint32
		version                                []int32
		coinbase, segwit, feeKnown             []uint8
		inCount, outCount                      []uint32
		inValue, outValue, fee                 []uint64
	}
	inputs struct {
		txid, prevTxid, address, typ, source []string
		vin, txIndex, prevVout, sequence     []uint32
		height, value                        []uint64
		time                                 []time.Time
		valueKnown                           []uint8
	}
	outputs struct {
		txid, typ, address, script []string
		vout, txIndex              []uint32
		height, value              []uint64
		time                       []time.Time
	}
	transfers transfers.Rows
}

func (r *tableRows) batches() []store.Batch {
	b, t, in, o := &r.blocks, &r.txs, &r.inputs, &r.outputs
	return []store.Batch{
		{Table: "btc_outputs", Columns: []string{"txid", "vout", "height", "time", "tx_index", "value", "script_type", "address", "script_hex"},
			Data: []any{o.txid, o.vout, o.height, o.time, o.txIndex, o.value, o.typ, o.address, o.script}},
		{Table: "btc_inputs", Columns: []string{"txid", "vin", "height", "time", "tx_index", "prev_txid", "prev_vout", "sequence", "address", "script_type", "value", "value_known", "address_source"},
			Data: []any{in.txid, in.vin, in.height, in.time, in.txIndex, in.prevTxid, in.prevVout, in.sequence, in.address, in.typ, in.value, in.valueKnown, in.source}},
		{Table: "btc_txs", Columns: []string{"txid", "height", "block_hash", "time", "tx_index", "wtxid", "version", "lock_time", "size", "vsize", "weight", "coinbase", "segwit", "input_count", "output_count", "input_value", "output_value", "fee", "fee_known"},
			Data: []any{t.txid, t.height, t.blockHash, t.time, t.txIndex, t.wtxid, t.version, t.lockTime, t.size, t.vsize, t.weight, t.coinbase, t.segwit, t.inCount, t.outCount, t.inValue, t.outValue, t.fee, t.feeKnown}},
		r.transfers.Batch(),
		{Table: "btc_blocks", Columns: []string{"height", "hash", "prev_hash", "time", "version", "bits", "nonce", "merkle_root", "size", "stripped_size", "weight", "tx_count", "input_count", "output_count", "output_value", "fees", "fees_known"},
			Data: []any{b.height, b.hash, b.prev, b.time, b.version, b.bits, b.nonce, b.merkle, b.size, b.stripped, b.weight, b.txCount, b.inCount, b.outCount, b.outValue, b.fees, b.feesKnown}},
	}
}

// reserve sizes every column for the rows of blocks (appending them one by
// one grew each column by doubling) and returns the count of outputs.
func (r *tableRows) reserve(blocks []Block) (outs int) {
	txs, ins := 0, 0
	for _, b := range blocks {
		txs += len(b.Txs)
		for ti := range b.Txs {
			if !b.Txs[ti].Coinbase {
				ins += len(b.Txs[ti].Inputs)
			}
			outs += len(b.Txs[ti].Outputs)
		}
	}
	bl, t, in, o := &r.blocks, &r.txs, &r.inputs, &r.outputs
	n := len(blocks)
	grow(n, &bl.height, &bl.outValue, &bl.fees)
	grow(n, &bl.hash, &bl.prev, &bl.merkle)
	grow(n, &bl.time)
	grow(n, &bl.version)
	grow(n, &bl.bits, &bl.nonce, &bl.size, &bl.stripped, &bl.weight, &bl.txCount, &bl.inCount, &bl.outCount)
	grow(n, &bl.feesKnown)
	grow(txs, &t.txid, &t.blockHash, &t.wtxid)
	grow(txs, &t.height, &t.inValue, &t.outValue, &t.fee)
	grow(txs, &t.time)
	grow(txs, &t.txIndex, &t.lockTime, &t.size, &t.vsize, &t.weight, &t.inCount, &t.outCount)
	grow(txs, &t.version)
	grow(txs, &t.coinbase, &t.segwit, &t.feeKnown)
	grow(ins, &in.txid, &in.prevTxid, &in.address, &in.typ, &in.source)
	grow(ins, &in.vin, &in.txIndex, &in.prevVout, &in.sequence)
	grow(ins, &in.height, &in.value)
	grow(ins, &in.time)
	grow(ins, &in.valueKnown)
	grow(outs, &o.txid, &o.typ, &o.address, &o.script)
	grow(outs, &o.vout, &o.txIndex)
	grow(outs, &o.height, &o.value)
	grow(outs, &o.time)
	return outs
}

// grow makes room for n more elements in each column.
func grow[T any](n int, cols ...*[]T) {
	for _, c := range cols {
		*c = slices.Grow(*c, n)
	}
}

func b2u(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// buildRows turns blocks into rows. Inputs are resolved in chain order: an
// input may spend an output created earlier in the same batch.
func (s *Sink) buildRows(blocks []Block, found map[outpoint]spent) *tableRows {
	r := &tableRows{}
	local := make(map[outpoint]spent, r.reserve(blocks))
	for _, blk := range blocks {
		h := uint64(blk.Height)
		tm := blk.Time.UTC()
		var blockOut, blockFees uint64
		blockFeesKnown := true
		inCount := 0
		outCount := 0
		for ti := range blk.Txs {
			tx := &blk.Txs[ti]
			// Inputs.
			var inValue uint64
			valuesKnown := true
			inAddrs := make([]string, 0, len(tx.Inputs))
			inVals := make([]uint64, 0, len(tx.Inputs))
			if !tx.Coinbase {
				for _, in := range tx.Inputs {
					op, _ := newOutpoint(in.PrevTxID, in.PrevVout)
					sp, source, ok := s.lookup(op, local, found)
					known := ok
					if !ok {
						sp = spent{typ: in.InferredType, address: in.InferredAddress}
						source = "unknown"
						if sp.address != "" {
							source = "inferred"
							s.Stats.Inferred++
						} else {
							s.Stats.Unknown++
						}
						valuesKnown = false
					}
					inValue += uint64(sp.value)
					inAddrs = append(inAddrs, sp.address)
					inVals = append(inVals, uint64(sp.value))
					ri := &r.inputs
					ri.txid = append(ri.txid, tx.TxID)
					ri.vin = append(ri.vin, uint32(in.Index))
					ri.height = append(ri.height, h)
					ri.time = append(ri.time, tm)
					ri.txIndex = append(ri.txIndex, uint32(tx.Index))
					ri.prevTxid = append(ri.prevTxid, in.PrevTxID)
					ri.prevVout = append(ri.prevVout, in.PrevVout)
					ri.sequence = append(ri.sequence, in.Sequence)
					ri.address = append(ri.address, sp.address)
					ri.typ = append(ri.typ, string(sp.typ))
					ri.value = append(ri.value, uint64(sp.value))
					ri.valueKnown = append(ri.valueKnown, b2u(known))
					ri.source = append(ri.source, source)
				}
				inCount += len(tx.Inputs)
			}
			// Outputs.
			var outValue uint64
			outAddrs := make([]string, 0, len(tx.Outputs))
			outVals := make([]uint64, 0, len(tx.Outputs))
			for _, o := range tx.Outputs {
				op, _ := newOutpoint(tx.TxID, uint32(o.Index))
				local[op] = spent{o.Value, o.Type, o.Address}
				outValue += uint64(o.Value)
				outAddrs = append(outAddrs, o.Address)
				outVals = append(outVals, uint64(o.Value))
				ro := &r.outputs
				ro.txid = append(ro.txid, tx.TxID)
				ro.vout = append(ro.vout, uint32(o.Index))
				ro.height = append(ro.height, h)
				ro.time = append(ro.time, tm)
				ro.txIndex = append(ro.txIndex, uint32(tx.Index))
				ro.value = append(ro.value, uint64(o.Value))
				ro.typ = append(ro.typ, string(o.Type))
				ro.address = append(ro.address, o.Address)
				script := ""
				if o.Address == "" {
					script = hex.EncodeToString(o.Script)
				}
				ro.script = append(ro.script, script)
			}
			outCount += len(tx.Outputs)
			blockOut += outValue
			// The transaction.
			var fee uint64
			feeKnown := tx.Coinbase || valuesKnown
			if !tx.Coinbase && valuesKnown && inValue >= outValue {
				fee = inValue - outValue
			}
			blockFees += fee
			blockFeesKnown = blockFeesKnown && feeKnown
			rt := &r.txs
			rt.txid = append(rt.txid, tx.TxID)
			rt.height = append(rt.height, h)
			rt.blockHash = append(rt.blockHash, blk.Hash)
			rt.time = append(rt.time, tm)
			rt.txIndex = append(rt.txIndex, uint32(tx.Index))
			rt.wtxid = append(rt.wtxid, tx.WTxID)
			rt.version = append(rt.version, tx.Version)
			rt.lockTime = append(rt.lockTime, tx.LockTime)
			rt.size = append(rt.size, uint32(tx.Size))
			rt.vsize = append(rt.vsize, uint32(tx.VSize))
			rt.weight = append(rt.weight, uint32(tx.Weight))
			rt.coinbase = append(rt.coinbase, b2u(tx.Coinbase))
			rt.segwit = append(rt.segwit, b2u(tx.HasWitness))
			rt.inCount = append(rt.inCount, uint32(len(tx.Inputs)*int(1-b2u(tx.Coinbase))))
			rt.outCount = append(rt.outCount, uint32(len(tx.Outputs)))
			rt.inValue = append(rt.inValue, inValue)
			rt.outValue = append(rt.outValue, outValue)
			rt.fee = append(rt.fee, fee)
			rt.feeKnown = append(rt.feeKnown, b2u(feeKnown))
			// Transfers.
			var ins []side
			switch {
			case tx.Coinbase:
				ins = []side{{"coinbase", 1}}
			case valuesKnown:
				ins = sumByAddress(inAddrs, inVals)
			default: // unknown values: every input weighs the same
				ones := make([]uint64, len(inAddrs))
				for i := range ones {
					ones[i] = 1
				}
				ins = sumByAddress(inAddrs, ones)
			}
			edges := apportion(ins, sumByAddress(outAddrs, outVals))
			for i, e := range edges {
				from := e.from
				if tx.Coinbase {
					from = ""
				}
				r.transfers.Add(chain.Transfer{Chain: chain.Bitcoin, Height: h, Time: tm, TxID: tx.TxID, Index: uint32(i),
					From: from, To: e.to, Asset: "BTC", Amount: itoa(e.amount), Value: float64(e.amount) / 1e8, Kind: chain.KindUTXO})
			}
		}
		rb := &r.blocks
		rb.height = append(rb.height, h)
		rb.hash = append(rb.hash, blk.Hash)
		rb.prev = append(rb.prev, blk.PrevHash)
		rb.merkle = append(rb.merkle, blk.MerkleRoot)
		rb.time = append(rb.time, tm)
		rb.version = append(rb.version, blk.Version)
		rb.bits = append(rb.bits, blk.Bits)
		rb.nonce = append(rb.nonce, blk.Nonce)
		rb.size = append(rb.size, uint32(blk.Size))
		rb.stripped = append(rb.stripped, uint32(blk.StrippedSize))
		rb.weight = append(rb.weight, uint32(blk.Weight))
		rb.txCount = append(rb.txCount, uint32(len(blk.Txs)))
		rb.inCount = append(rb.inCount, uint32(inCount))
		rb.outCount = append(rb.outCount, uint32(outCount))
		rb.outValue = append(rb.outValue, blockOut)
		rb.fees = append(rb.fees, blockFees)
		rb.feesKnown = append(rb.feesKnown, b2u(blockFeesKnown))
	}
	return r
}
