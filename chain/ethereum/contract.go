package ethereum

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Contract is a contract created in a block.
type Contract struct {
	Address string
	// Creator is the account whose transaction created the contract, or the
	// contract that created it (CREATE/CREATE2 inside a transaction).
	Creator string
	TxHash  string
	// Bytecode is the runtime code, from the creation's trace; nil when the
	// block has no traces (fetch it with Client.Code and call
	// DetectStandards).
	Bytecode  []byte
	IsERC20   bool
	IsERC721  bool
	Selectors []string // function selectors of the dispatcher, "0x%08x", sorted
}

// Contracts lists the contracts created in b: by transactions (the
// receipt's contractAddress) and by other contracts (create frames of the
// traces, which only traces show). Failed creations leave no contract and are
// skipped; a pre-Byzantium creation without traces, whose status is unknown,
// is kept. Without traces, contracts created by contracts are missing and
// Bytecode is nil.
func Contracts(b *Block) []Contract {
	var out []Contract
	at := map[string]int{}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.ContractAddress == "" || tx.Status == StatusFailed {
			continue
		}
		at[tx.ContractAddress] = len(out)
		out = append(out, Contract{Address: tx.ContractAddress, Creator: tx.From, TxHash: tx.Hash})
	}
	for i := range b.Traces {
		t := &b.Traces[i]
		if t.Type != "create" || t.Status != StatusSuccess || t.To == "" {
			continue
		}
		j, ok := at[t.To]
		if !ok {
			j = len(out)
			at[t.To] = j
			out = append(out, Contract{Address: t.To, Creator: t.From, TxHash: t.TxHash})
		}
		if out[j].Bytecode == nil && len(t.Output) > 0 {
			out[j].Bytecode = t.Output
		}
		if out[j].TxHash == "" {
			out[j].TxHash = t.TxHash
		}
	}
	for i := range out {
		if out[i].Bytecode != nil {
			sels := selectorValues(out[i].Bytecode)
			out[i].Selectors = formatSelectors(sels)
			out[i].IsERC20, out[i].IsERC721 = standards(sels)
		}
	}
	return out
}

// Selectors of the functions every token standard check needs.
const (
	selTotalSupplyU = 0x18160ddd // totalSupply()
	selBalanceOf    = 0x70a08231 // balanceOf(address)
	selTransfer     = 0xa9059cbb // transfer(address,uint256)
	selTransferFrom = 0x23b872dd // transferFrom(address,address,uint256)
	selApprove      = 0x095ea7b3 // approve(address,uint256)
	selAllowance    = 0xdd62ed3e // allowance(address,address)
	selOwnerOf      = 0x6352211e // ownerOf(uint256)
	opEQ            = 0x14
	opXOR           = 0x18
	opPUSH1         = 0x60
	opPUSH4         = 0x63
	opPUSH32        = 0x7f
	opDUP1          = 0x80
	opDUP16         = 0x8f
)

// DetectStandards says whether runtime bytecode implements ERC-20 and
// ERC-721, the way ethereum-etl decides it, from the function selectors of
// the contract's dispatcher (see Selectors):
//
//   - ERC-20: totalSupply(), balanceOf(address), transfer(address,uint256),
//     transferFrom(address,address,uint256), approve(address,uint256) and
//     allowance(address,address), all six;
//   - ERC-721: balanceOf(address), ownerOf(uint256), approve(address,uint256)
//     and transfer(address,uint256) or transferFrom(address,address,uint256)
//     (loose enough for CryptoKitties, which predates the final standard).
//
// Proxies, whose dispatcher lives in another contract, are neither.
func DetectStandards(bytecode []byte) (isERC20, isERC721 bool) {
	return standards(selectorValues(bytecode))
}

func standards(selectors []uint32) (isERC20, isERC721 bool) {
	has := make(map[uint32]bool, len(selectors))
	for _, s := range selectors {
		has[s] = true
	}
	isERC20 = has[selTotalSupplyU] && has[selBalanceOf] && has[selTransfer] && has[selTransferFrom] &&
		has[selApprove] && has[selAllowance]
	isERC721 = has[selBalanceOf] && has[selOwnerOf] && has[selApprove] && (has[selTransfer] || has[selTransferFrom])
	return isERC20, isERC721
}

// Selectors returns the function selectors a contract's dispatcher compares
// the call data with: every PUSH4 operand that is compared by EQ right away
// (PUSH4 s EQ, or PUSH4 s DUPn EQ as older solc and via-IR code do it) or, as
// Vyper does, by DUPn XOR. The whole code is scanned, so binary-search
// dispatchers (solc 0.8 with many functions) are covered, while other
// four-byte constants (masks, interface ids, the selectors of functions the
// contract calls on others) are left out. ethereum-etl instead lists every
// PUSH4 operand of the code's first basic block.
func Selectors(code []byte) []string {
	return formatSelectors(selectorValues(code))
}

func selectorValues(code []byte) []uint32 {
	var sels []uint32
	for i := 0; i < len(code); i++ {
		op := code[i]
		if op < opPUSH1 || op > opPUSH32 {
			continue
		}
		n := int(op-opPUSH1) + 1
		if op == opPUSH4 && i+5 < len(code) {
			next := code[i+5]
			compared := next == opEQ
			if !compared && next >= opDUP1 && next <= opDUP16 && i+6 < len(code) {
				compared = code[i+6] == opEQ || code[i+6] == opXOR
			}
			if compared {
				sels = append(sels, binary.BigEndian.Uint32(code[i+1:i+5]))
			}
		}
		i += n
	}
	slices.Sort(sels)
	return slices.Compact(sels)
}

func formatSelectors(sels []uint32) []string {
	out := make([]string, len(sels))
	for i, s := range sels {
		out[i] = fmt.Sprintf("0x%08x", s)
	}
	return out
}
