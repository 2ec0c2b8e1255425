package eth

import (
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/ingest/transfers"
)

// tableRows are a batch's rows for every Ethereum table, in columnar form.
type tableRows struct {
	blocks struct {
		height, gasUsed, gasLimit, size []uint64
		hash, parent, miner, baseFee    []string
		time                            []time.Time
		txCount, logCount, traceCount   []uint32
		tracesMissing                   []uint8
	}
	txs struct {
		hash, from, to, value, gasPrice, maxFee, maxPrio, method, input, effPrice, contract []string
		height, nonce, gas, gasUsed, cumGas                                                 []uint64
		time                                                                                []time.Time
		index                                                                               []uint32
		valueEth, feeEth                                                                    []float64
		txType, status                                                                      []uint8
	}
	logs struct {
		height                                []uint64
		time                                  []time.Time
		txHash, address, t0, t1, t2, t3, data []string
		txIndex, logIndex                     []uint32
	}
	tokenTransfers struct {
		height                                            []uint64
		time                                              []time.Time
		txHash, token, standard, from, to, value, tokenID []string
		txIndex, logIndex                                 []uint32
		valueFloat                                        []float64
	}
	traces struct {
		height, gas, gasUsed                                            []uint64
		time                                                            []time.Time
		txHash, traceAddress, typ, callType, from, to, value, errorText []string
		txIndex, subtraces                                              []uint32
		valueEth                                                        []float64
		status                                                          []uint8
	}
	contracts struct {
		address, creator, txHash []string
		height                   []uint64
		time                     []time.Time
		erc20, erc721            []uint8
		selectors                [][]string
	}
	tokens struct {
		address, standard, name, symbol, supply []string
		height                                  []uint64
		decimals                                []int16
	}
	transfers transfers.Rows
}

func (r *tableRows) batches() []store.Batch {
	b, t, l, tt, tr, c, tk := &r.blocks, &r.txs, &r.logs, &r.tokenTransfers, &r.traces, &r.contracts, &r.tokens
	return []store.Batch{
		{Table: "eth_blocks", Columns: []string{"height", "hash", "parent_hash", "time", "miner", "gas_used", "gas_limit", "base_fee", "size", "tx_count", "log_count", "trace_count", "traces_missing"},
			Data: []any{b.height, b.hash, b.parent, b.time, b.miner, b.gasUsed, b.gasLimit, b.baseFee, b.size, b.txCount, b.logCount, b.traceCount, b.tracesMissing}},
		{Table: "eth_txs", Columns: []string{"hash", "height", "time", "tx_index", "from_address", "to_address", "value", "value_eth", "nonce", "gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "tx_type", "method_id", "input", "status", "gas_used", "cumulative_gas_used", "effective_gas_price", "fee_eth", "contract_address"},
			Data: []any{t.hash, t.height, t.time, t.index, t.from, t.to, t.value, t.valueEth, t.nonce, t.gas, t.gasPrice, t.maxFee, t.maxPrio, t.txType, t.method, t.input, t.status, t.gasUsed, t.cumGas, t.effPrice, t.feeEth, t.contract}},
		{Table: "eth_logs", Columns: []string{"height", "time", "tx_hash", "tx_index", "log_index", "address", "topic0", "topic1", "topic2", "topic3", "data"},
			Data: []any{l.height, l.time, l.txHash, l.txIndex, l.logIndex, l.address, l.t0, l.t1, l.t2, l.t3, l.data}},
		{Table: "eth_token_transfers", Columns: []string{"height", "time", "tx_hash", "tx_index", "log_index", "token", "standard", "from_address", "to_address", "value", "value_float", "token_id"},
			Data: []any{tt.height, tt.time, tt.txHash, tt.txIndex, tt.logIndex, tt.token, tt.standard, tt.from, tt.to, tt.value, tt.valueFloat, tt.tokenID}},
		{Table: "eth_traces", Columns: []string{"height", "time", "tx_hash", "tx_index", "trace_address", "trace_type", "call_type", "from_address", "to_address", "value", "value_eth", "gas", "gas_used", "error", "status", "subtraces"},
			Data: []any{tr.height, tr.time, tr.txHash, tr.txIndex, tr.traceAddress, tr.typ, tr.callType, tr.from, tr.to, tr.value, tr.valueEth, tr.gas, tr.gasUsed, tr.errorText, tr.status, tr.subtraces}},
		{Table: "eth_contracts", Columns: []string{"address", "height", "time", "creator", "tx_hash", "is_erc20", "is_erc721", "selectors"},
			Data: []any{c.address, c.height, c.time, c.creator, c.txHash, c.erc20, c.erc721, c.selectors}},
		{Table: "eth_tokens", Columns: []string{"address", "height", "standard", "name", "symbol", "decimals", "total_supply"},
			Data: []any{tk.address, tk.height, tk.standard, tk.name, tk.symbol, tk.decimals, tk.supply}},
		r.transfers.Batch(),
	}
}

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

func b2u(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

func traceAddress(path []int) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, ",")
}

// buildRows turns blocks into rows.
func (s *Sink) buildRows(blocks []Block, newTokens []newToken, contracts []contract) *tableRows {
	r := &tableRows{}
	decimals := func(token string) int {
		if m, ok := s.tokens[token]; ok {
			return m.decimals
		}
		for _, t := range newTokens {
			if t.Address == token {
				return t.Decimals
			}
		}
		return -1
	}
	for _, blk := range blocks {
		h := uint64(blk.Number)
		tm := blk.Time.UTC()
		idx := map[string]uint32{} // next transfer index per tx
		addTransfer := func(txHash, from, to, asset, amount string, value float64, kind chain.Kind) {
			r.transfers.Add(chain.Transfer{Chain: chain.Ethereum, Height: h, Time: tm, TxID: txHash, Index: idx[txHash],
				From: from, To: to, Asset: asset, Amount: amount, Value: value, Kind: kind})
			idx[txHash]++
		}
		logCount := 0
		for ti := range blk.Txs {
			tx := &blk.Txs[ti]
			t := &r.txs
			t.hash = append(t.hash, tx.Hash)
			t.height = append(t.height, h)
			t.time = append(t.time, tm)
			t.index = append(t.index, uint32(tx.Index))
			t.from = append(t.from, tx.From)
			t.to = append(t.to, tx.To)
			t.value = append(t.value, decimal(tx.Value))
			t.valueEth = append(t.valueEth, wholeUnits(tx.Value, 18))
			t.nonce = append(t.nonce, tx.Nonce)
			t.gas = append(t.gas, tx.Gas)
			t.gasPrice = append(t.gasPrice, decimal(tx.GasPrice))
			t.maxFee = append(t.maxFee, optDecimal(tx.MaxFee))
			t.maxPrio = append(t.maxPrio, optDecimal(tx.MaxPriorityFee))
			t.txType = append(t.txType, tx.Type)
			method := ""
			if len(tx.Input) >= 4 {
				method = hex0x(tx.Input[:4])
			}
			t.method = append(t.method, method)
			t.input = append(t.input, hex0x(tx.Input))
			t.status = append(t.status, tx.Status)
			t.gasUsed = append(t.gasUsed, tx.GasUsed)
			t.cumGas = append(t.cumGas, tx.CumulativeGasUsed)
			t.effPrice = append(t.effPrice, decimal(tx.EffectiveGasPrice))
			fee := new(big.Int)
			if tx.EffectiveGasPrice != nil {
				fee.Mul(new(big.Int).SetUint64(tx.GasUsed), tx.EffectiveGasPrice)
			}
			t.feeEth = append(t.feeEth, wholeUnits(fee, 18))
			t.contract = append(t.contract, tx.ContractAddress)

			// Native value of a transaction that did not fail (a creation
			// pays the new contract). Before Byzantium, without traces, the
			// status is unknown: such a transaction counts as successful,
			// as nearly all were (a failed one consumed all its gas).
			if tx.Status != ethereum.StatusFailed && tx.Value != nil && tx.Value.Sign() > 0 {
				to := tx.To
				if to == "" {
					to = tx.ContractAddress
				}
				addTransfer(tx.Hash, tx.From, to, "ETH", tx.Value.String(), wholeUnits(tx.Value, 18), chain.KindNative)
			}
			for _, lg := range tx.Logs {
				logCount++
				l := &r.logs
				l.height = append(l.height, h)
				l.time = append(l.time, tm)
				l.txHash = append(l.txHash, tx.Hash)
				l.txIndex = append(l.txIndex, uint32(tx.Index))
				l.logIndex = append(l.logIndex, uint32(lg.Index))
				l.address = append(l.address, lg.Address)
				topic := func(i int) string {
					if i < len(lg.Topics) {
						return lg.Topics[i]
					}
					return ""
				}
				l.t0 = append(l.t0, topic(0))
				l.t1 = append(l.t1, topic(1))
				l.t2 = append(l.t2, topic(2))
				l.t3 = append(l.t3, topic(3))
				l.data = append(l.data, hex0x(lg.Data))
			}
			if tx.Status == ethereum.StatusFailed {
				continue // nothing moved (nodes report no logs for failed transactions anyway)
			}
			for _, tt := range ethereum.DecodeTokenTransfers(tx.Logs) {
				d := decimals(tt.Token)
				value := wholeUnits(tt.Value, d)
				tokenID := ""
				if tt.TokenID != nil {
					tokenID = tt.TokenID.String()
					value = 1
				}
				x := &r.tokenTransfers
				x.height = append(x.height, h)
				x.time = append(x.time, tm)
				x.txHash = append(x.txHash, tt.TxHash)
				x.txIndex = append(x.txIndex, uint32(tx.Index))
				x.logIndex = append(x.logIndex, uint32(tt.LogIndex))
				x.token = append(x.token, tt.Token)
				x.standard = append(x.standard, tt.Standard)
				x.from = append(x.from, tt.From)
				x.to = append(x.to, tt.To)
				x.value = append(x.value, decimal(tt.Value))
				x.valueFloat = append(x.valueFloat, value)
				x.tokenID = append(x.tokenID, tokenID)
				kind := chain.KindERC20
				if tt.Standard == "erc721" {
					kind = chain.KindERC721
				}
				addTransfer(tt.TxHash, tt.From, tt.To, tt.Token, decimal(tt.Value), value, kind)
			}
		}
		for _, trc := range blk.Traces {
			x := &r.traces
			x.height = append(x.height, h)
			x.time = append(x.time, tm)
			x.txHash = append(x.txHash, trc.TxHash)
			x.txIndex = append(x.txIndex, uint32(max(trc.TxIndex, 0)))
			x.traceAddress = append(x.traceAddress, traceAddress(trc.TraceAddress))
			x.typ = append(x.typ, trc.Type)
			x.callType = append(x.callType, trc.CallType)
			x.from = append(x.from, trc.From)
			x.to = append(x.to, trc.To)
			x.value = append(x.value, decimal(trc.Value))
			x.valueEth = append(x.valueEth, wholeUnits(trc.Value, 18))
			x.gas = append(x.gas, trc.Gas)
			x.gasUsed = append(x.gasUsed, trc.GasUsed)
			x.errorText = append(x.errorText, trc.Error)
			x.status = append(x.status, trc.Status)
			x.subtraces = append(x.subtraces, uint32(trc.Subtraces))
			// Internal value: a frame below the top level that moved value and
			// was not undone (a top-level frame is the transaction's own
			// native transfer; rewards are not transfers between accounts).
			if len(trc.TraceAddress) > 0 && trc.Type != "reward" && trc.MovesValue() {
				addTransfer(trc.TxHash, trc.From, trc.To, "ETH", trc.Value.String(), wholeUnits(trc.Value, 18), chain.KindInternal)
			}
		}
		b := &r.blocks
		b.height = append(b.height, h)
		b.hash = append(b.hash, blk.Hash)
		b.parent = append(b.parent, blk.Block.ParentHash)
		b.time = append(b.time, tm)
		b.miner = append(b.miner, blk.Miner)
		b.gasUsed = append(b.gasUsed, blk.GasUsed)
		b.gasLimit = append(b.gasLimit, blk.GasLimit)
		b.baseFee = append(b.baseFee, optDecimal(blk.BaseFee))
		b.size = append(b.size, blk.Size)
		b.txCount = append(b.txCount, uint32(len(blk.Txs)))
		b.logCount = append(b.logCount, uint32(logCount))
		b.traceCount = append(b.traceCount, uint32(len(blk.Traces)))
		b.tracesMissing = append(b.tracesMissing, b2u(blk.TracesMissing))
	}
	for _, c := range contracts {
		x := &r.contracts
		x.address = append(x.address, c.Address)
		x.height = append(x.height, uint64(c.height))
		x.time = append(x.time, c.time.UTC())
		x.creator = append(x.creator, c.Creator)
		x.txHash = append(x.txHash, c.TxHash)
		x.erc20 = append(x.erc20, b2u(c.IsERC20))
		x.erc721 = append(x.erc721, b2u(c.IsERC721))
		sel := c.Selectors
		if sel == nil {
			sel = []string{}
		}
		x.selectors = append(x.selectors, sel)
	}
	for _, t := range newTokens {
		x := &r.tokens
		x.address = append(x.address, t.Address)
		x.height = append(x.height, uint64(t.height))
		x.standard = append(x.standard, t.standard)
		x.name = append(x.name, t.Name)
		x.symbol = append(x.symbol, t.Symbol)
		x.decimals = append(x.decimals, int16(t.Decimals))
		x.supply = append(x.supply, optDecimal(t.TotalSupply))
	}
	return r
}

func optDecimal(v *big.Int) string {
	if v == nil {
		return ""
	}
	return v.String()
}
