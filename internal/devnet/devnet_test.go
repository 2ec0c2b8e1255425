package devnet

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params/forks"
)

func TestDevAccountsAreDeterministicAndFundedWithAMillionEther(t *testing.T) {
	chain := startChain(t, Config{Accounts: 3})
	ctx := testContext(t)
	client, raw := dial(t, chain)

	// Pinned so that a change of derivation shows up here and not in a downstream golden file.
	if got, want := DevAccount(0).Address, common.HexToAddress("0x6e77abe133c389E20b2E71abb34411B9aAE21E57"); got != want {
		t.Errorf("DevAccount(0) = %s, want %s", got, want)
	}
	accounts := chain.Accounts()
	if len(accounts) != 3 {
		t.Fatalf("Accounts() has %d accounts, want 3", len(accounts))
	}
	million := new(big.Int).Mul(big.NewInt(1_000_000), Ether)
	for i, a := range accounts {
		key := crypto.Keccak256([]byte("chainsleuth-devnet-" + string(rune('0'+i))))
		if got := crypto.FromECDSA(a.Key); !reflect.DeepEqual(got, key) {
			t.Errorf("account %d key = %x, want keccak256(\"chainsleuth-devnet-%d\") = %x", i, got, i, key)
		}
		if a.Address != crypto.PubkeyToAddress(a.Key.PublicKey) {
			t.Errorf("account %d address %s does not match its key", i, a.Address)
		}
		balance := must(client.BalanceAt(ctx, a.Address, big.NewInt(0)))(t)
		if balance.Cmp(million) != 0 {
			t.Errorf("account %d %s holds %s wei at genesis, want 1,000,000 ETH", i, a.Address, balance)
		}
	}
	if id := must(client.ChainID(ctx))(t); id.Int64() != 1337 {
		t.Errorf("eth_chainId = %d, want 1337", id)
	}
	var netVersion string
	if err := raw.CallContext(ctx, &netVersion, "net_version"); err != nil || netVersion != "1337" {
		t.Errorf("net_version = %q (%v), want 1337", netVersion, err)
	}
}

func TestForksStopAtPrague(t *testing.T) {
	chain := startChain(t, Config{})
	ctx := testContext(t)
	client, _ := dial(t, chain)
	cfg := chain.eth.BlockChain().Config()
	if latest := cfg.LatestFork(math.MaxUint64); latest != forks.Prague {
		t.Errorf("latest scheduled fork is %s, want Prague", latest)
	}
	commit(t, chain)
	head := must(client.HeaderByNumber(ctx, big.NewInt(1)))(t)
	switch {
	case head.BaseFee == nil:
		t.Error("block 1 has no base fee (London)")
	case head.WithdrawalsHash == nil:
		t.Error("block 1 has no withdrawals root (Shanghai)")
	case head.BlobGasUsed == nil || head.ParentBeaconRoot == nil:
		t.Error("block 1 has no blob gas or beacon root (Cancun)")
	case head.RequestsHash == nil:
		t.Error("block 1 has no requests hash (Prague)")
	}
	if head.GasLimit != GasLimit {
		t.Errorf("block 1 gas limit = %d, want %d", head.GasLimit, GasLimit)
	}
	if head.Coinbase != FeeRecipient {
		t.Errorf("block 1 coinbase = %s, want the fee recipient %s", head.Coinbase, FeeRecipient)
	}
}

// TestScenario deploys every contract and seals one block holding each kind of transaction chainsleuth's
// Ethereum reader must understand, then checks receipts, logs and call traces of that block once it is
// five blocks deep.
func TestScenario(t *testing.T) {
	chain := startChain(t, Config{})
	ctx := testContext(t)
	client, raw := dial(t, chain)
	acc := chain.Accounts()
	owner, treasury := acc[0], acc[9]
	deployer := newSender(t, ctx, client, owner)

	// Block 1: the contracts that need nothing else.
	token := deploy(t, ctx, deployer, ERC20, "Chainsleuth Test Token", "CST")
	tusd := deploy(t, ctx, deployer, Stablecoin, big.NewInt(1_000_000_000_000)) // 1,000,000 TUSD
	nft := deploy(t, ctx, deployer, ERC721, "Test Collectibles", "TNFT")
	factory := deploy(t, ctx, deployer, Factory)
	reverter := deploy(t, ctx, deployer, Reverter)
	commit(t, chain)
	for name, addr := range map[string]common.Address{"ERC20": token, "Stablecoin": tusd, "ERC721": nft, "Factory": factory, "Reverter": reverter} {
		if code := must(client.CodeAt(ctx, addr, nil))(t); len(code) == 0 {
			t.Fatalf("%s has no code at %s after block 1", name, addr)
		}
	}
	// A contract created by a transaction is a CREATE frame at the top of its trace.
	for _, tr := range traceBlock(t, ctx, raw, 1) {
		if tr.Result.Type != "CREATE" || tr.Result.From != owner.Address {
			t.Errorf("block 1 tx %s: top frame %s from %s, want CREATE from the owner", tr.TxHash, tr.Result.Type, tr.Result.From)
		}
	}

	// Block 2: the crowdsale, which the token lets mint, and some supply.
	crowdsale := deploy(t, ctx, deployer, Crowdsale, token, treasury.Address, big.NewInt(1000))
	must(deployer.Send(ctx, Tx{To: &token, Data: must(Pack(ERC20, "setMinter", crowdsale, true))(t), Gas: 100_000}))(t)
	must(deployer.Transact(ctx, token, ERC20, "mint", acc[1].Address, ether(1000, 1)))(t)
	must(deployer.Transact(ctx, nft, ERC721, "mint", acc[2].Address, big.NewInt(7)))(t)
	commit(t, chain)

	// Block 3: one of everything.
	payment := must(newSender(t, ctx, client, acc[1]).Send(ctx, Tx{To: &acc[3].Address, Value: ether(3, 2), Legacy: true}))(t)
	erc20Transfer := must(newSender(t, ctx, client, acc[1]).Transact(ctx, token, ERC20, "transfer", acc[4].Address, ether(250, 1)))(t)
	nftTransfer := must(newSender(t, ctx, client, acc[2]).Transact(ctx, nft, ERC721, "transferFrom", acc[2].Address, acc[5].Address, big.NewInt(7)))(t)
	purchase := must(newSender(t, ctx, client, acc[6]).Transfer(ctx, crowdsale, ether(2, 1)))(t)
	failed := must(newSender(t, ctx, client, acc[7]).Send(ctx, Tx{To: &reverter, Data: must(Pack(Reverter, "fail"))(t), Gas: 100_000}))(t)
	creation := must(newSender(t, ctx, client, acc[8]).Send(ctx, Tx{To: &factory, Value: ether(1, 2), Data: must(Pack(Factory, "create", big.NewInt(42)))(t)}))(t)
	tusdTransfer := must(deployer.Transact(ctx, tusd, Stablecoin, "transfer", acc[4].Address, big.NewInt(1_234_500_000)))(t)
	commit(t, chain)
	const scenarioBlock = 3

	// Five more blocks over RPC, so that what follows reads a block that is not the head.
	var last hexutil.Uint64
	if err := raw.CallContext(ctx, &last, "dev_mineMany", 5); err != nil {
		t.Fatalf("dev_mineMany: %v", err)
	}
	if last != 8 {
		t.Fatalf("dev_mineMany(5) returned block %d, want 8", last)
	}

	block := must(client.BlockByNumber(ctx, big.NewInt(scenarioBlock)))(t)
	if got := len(block.Transactions()); got != 7 {
		t.Fatalf("block %d has %d transactions, want 7", scenarioBlock, got)
	}
	receipts := map[common.Hash]*types.Receipt{}
	for _, r := range blockReceipts(t, ctx, raw, scenarioBlock) {
		if r.BlockNumber.Uint64() != scenarioBlock || r.BlockHash != block.Hash() {
			t.Errorf("receipt of %s says block %d %s, want %d %s", r.TxHash, r.BlockNumber, r.BlockHash, scenarioBlock, block.Hash())
		}
		receipts[r.TxHash] = r
	}
	if len(receipts) != 7 {
		t.Fatalf("eth_getBlockReceipts(%d) returned %d receipts, want 7", scenarioBlock, len(receipts))
	}
	traces := map[common.Hash]callFrame{}
	for _, tr := range traceBlock(t, ctx, raw, scenarioBlock) {
		traces[tr.TxHash] = tr.Result
	}
	if len(traces) != 7 {
		t.Fatalf("debug_traceBlockByNumber(%d) traced %d transactions, want 7", scenarioBlock, len(traces))
	}
	transferID := eventID(t, ERC20, "Transfer")
	balanceDelta := func(a common.Address) *big.Int {
		before := must(client.BalanceAt(ctx, a, big.NewInt(scenarioBlock-1)))(t)
		after := must(client.BalanceAt(ctx, a, big.NewInt(scenarioBlock)))(t)
		return new(big.Int).Sub(after, before)
	}

	t.Run("an ETH payment is a legacy transaction with no logs that moves the value", func(t *testing.T) {
		r := receipts[payment.Hash()]
		if r.Status != types.ReceiptStatusSuccessful || r.GasUsed != 21_000 || len(r.Logs) != 0 || r.Type != types.LegacyTxType {
			t.Errorf("receipt: status %d, gas %d, %d logs, type %d; want 1, 21000, 0, 0", r.Status, r.GasUsed, len(r.Logs), r.Type)
		}
		if d := balanceDelta(acc[3].Address); d.Cmp(ether(3, 2)) != 0 {
			t.Errorf("recipient's balance changed by %s wei, want 1.5 ETH", d)
		}
		if f := traces[payment.Hash()]; f.Type != "CALL" || f.To != acc[3].Address || f.value().Cmp(ether(3, 2)) != 0 || len(f.Calls) != 0 {
			t.Errorf("trace: %s to %s value %s with %d calls, want a plain CALL of 1.5 ETH to %s", f.Type, f.To, f.value(), len(f.Calls), acc[3].Address)
		}
	})

	t.Run("an ERC-20 transfer logs Transfer with three topics and the amount in data", func(t *testing.T) {
		r := receipts[erc20Transfer.Hash()]
		wantLog(t, r, 0, token, []common.Hash{transferID, topicOf(acc[1].Address), topicOf(acc[4].Address)}, word(ether(250, 1)))
		if len(r.Logs) != 1 {
			t.Errorf("%d logs, want 1", len(r.Logs))
		}
		if got := callUint(t, ctx, client, token, ERC20, "balanceOf", scenarioBlock, acc[4].Address); got.Cmp(ether(250, 1)) != 0 {
			t.Errorf("balanceOf(recipient) = %s, want 250e18", got)
		}
	})

	t.Run("an NFT transfer logs Transfer with four topics and no data", func(t *testing.T) {
		r := receipts[nftTransfer.Hash()]
		wantLog(t, r, 0, nft, []common.Hash{transferID, topicOf(acc[2].Address), topicOf(acc[5].Address), common.BigToHash(big.NewInt(7))}, nil)
		owner := callValues(t, ctx, client, nft, ERC721, "ownerOf", scenarioBlock, big.NewInt(7))[0].(common.Address)
		if owner != acc[5].Address {
			t.Errorf("ownerOf(7) = %s, want %s", owner, acc[5].Address)
		}
		// The mint in block 2 was a Transfer from the zero address.
		mint := blockReceipts(t, ctx, raw, 2)
		var minted bool
		for _, r := range mint {
			for _, l := range r.Logs {
				if l.Address == nft && len(l.Topics) == 4 && l.Topics[1] == (common.Hash{}) && l.Topics[2] == topicOf(acc[2].Address) {
					minted = true
				}
			}
		}
		if !minted {
			t.Error("block 2 has no ERC-721 Transfer from the zero address to the first holder")
		}
		if ok := callValues(t, ctx, client, nft, ERC721, "supportsInterface", scenarioBlock, [4]byte{0x80, 0xac, 0x58, 0xcd})[0].(bool); !ok {
			t.Error("supportsInterface(0x80ac58cd) = false")
		}
	})

	t.Run("a crowdsale purchase mints to the buyer and forwards the ETH to the treasury in an internal call", func(t *testing.T) {
		r := receipts[purchase.Hash()]
		if r.Status != types.ReceiptStatusSuccessful || len(r.Logs) != 2 {
			t.Fatalf("receipt: status %d with %d logs, want 1 with 2 (Transfer, TokensPurchased)", r.Status, len(r.Logs))
		}
		wantLog(t, r, 0, token, []common.Hash{transferID, {}, topicOf(acc[6].Address)}, word(ether(2000, 1)))
		wantLog(t, r, 1, crowdsale, []common.Hash{eventID(t, Crowdsale, "TokensPurchased"), topicOf(acc[6].Address)},
			append(word(ether(2, 1)), word(ether(2000, 1))...))

		f := traces[purchase.Hash()]
		if f.Type != "CALL" || f.From != acc[6].Address || f.To != crowdsale || f.value().Cmp(ether(2, 1)) != 0 {
			t.Errorf("top frame: %s %s -> %s value %s, want CALL buyer -> crowdsale of 2 ETH", f.Type, f.From, f.To, f.value())
		}
		var mintCall, treasuryCall *callFrame
		for i := range f.Calls {
			c := &f.Calls[i]
			switch c.To {
			case token:
				mintCall = c
			case treasury.Address:
				treasuryCall = c
			}
		}
		if mintCall == nil || mintCall.Type != "CALL" || mintCall.value().Sign() != 0 ||
			hex.EncodeToString(mintCall.Input[:4]) != hex.EncodeToString(must(Pack(ERC20, "mint", acc[6].Address, big.NewInt(1)))(t)[:4]) {
			t.Errorf("no CALL of token.mint with no value inside the purchase: %+v", f.Calls)
		}
		if treasuryCall == nil || treasuryCall.Type != "CALL" || treasuryCall.From != crowdsale || treasuryCall.value().Cmp(ether(2, 1)) != 0 {
			t.Errorf("no internal CALL crowdsale -> treasury of 2 ETH inside the purchase: %+v", f.Calls)
		}
		if d := balanceDelta(treasury.Address); d.Cmp(ether(2, 1)) != 0 {
			t.Errorf("treasury's balance changed by %s wei, want +2 ETH", d)
		}
		if got := traceTx(t, ctx, raw, purchase.Hash()); !reflect.DeepEqual(got, f) {
			t.Errorf("debug_traceTransaction differs from the block trace:\n%+v\n%+v", got, f)
		}
	})

	t.Run("a reverted call has receipt status 0, no logs and the revert reason in the trace", func(t *testing.T) {
		r := receipts[failed.Hash()]
		if r.Status != types.ReceiptStatusFailed || len(r.Logs) != 0 || r.GasUsed == 0 {
			t.Errorf("receipt: status %d, %d logs, gas %d; want 0, 0, some gas", r.Status, len(r.Logs), r.GasUsed)
		}
		f := traces[failed.Hash()]
		if f.Error != "execution reverted" || f.RevertReason != "Reverter: always fails" {
			t.Errorf("trace: error %q, revert reason %q; want execution reverted, Reverter: always fails", f.Error, f.RevertReason)
		}
		if got := traceTx(t, ctx, raw, failed.Hash()); got.RevertReason != f.RevertReason {
			t.Errorf("debug_traceTransaction revert reason %q, want %q", got.RevertReason, f.RevertReason)
		}
	})

	t.Run("a contract created by a contract is a CREATE frame carrying the value", func(t *testing.T) {
		child := crypto.CreateAddress(factory, 1) // a contract's first nonce is 1 (EIP-161)
		r := receipts[creation.Hash()]
		wantLog(t, r, 0, factory, []common.Hash{eventID(t, Factory, "Created"), topicOf(child)}, word(big.NewInt(42)))
		if r.ContractAddress != (common.Address{}) {
			t.Errorf("receipt has contract address %s; only a top-level creation should", r.ContractAddress)
		}
		f := traces[creation.Hash()]
		if len(f.Calls) != 1 || f.Calls[0].Type != "CREATE" || f.Calls[0].From != factory || f.Calls[0].To != child || f.Calls[0].value().Cmp(ether(1, 2)) != 0 {
			t.Fatalf("trace calls %+v, want one CREATE factory -> %s of 0.5 ETH", f.Calls, child)
		}
		if creator := callValues(t, ctx, client, child, Child, "creator", scenarioBlock)[0].(common.Address); creator != factory {
			t.Errorf("child.creator() = %s, want the factory %s", creator, factory)
		}
		if b := must(client.BalanceAt(ctx, child, big.NewInt(scenarioBlock)))(t); b.Cmp(ether(1, 2)) != 0 {
			t.Errorf("child holds %s wei, want 0.5 ETH", b)
		}
	})

	t.Run("the stablecoin has 6 decimals and logs Transfer like any ERC-20", func(t *testing.T) {
		wantLog(t, receipts[tusdTransfer.Hash()], 0, tusd, []common.Hash{transferID, topicOf(owner.Address), topicOf(acc[4].Address)}, word(big.NewInt(1_234_500_000)))
		if d := callValues(t, ctx, client, tusd, Stablecoin, "decimals", scenarioBlock)[0].(uint8); d != 6 {
			t.Errorf("decimals() = %d, want 6", d)
		}
		if s := callValues(t, ctx, client, tusd, Stablecoin, "symbol", scenarioBlock)[0].(string); s != "TUSD" {
			t.Errorf("symbol() = %q, want TUSD", s)
		}
	})

	t.Run("eth_getLogs finds the token's transfers in a block range", func(t *testing.T) {
		logs := must(client.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: big.NewInt(1), ToBlock: big.NewInt(8), Addresses: []common.Address{token}, Topics: [][]common.Hash{{transferID}},
		}))(t)
		// mint to acc[1] (block 2), transfer (block 3), crowdsale mint (block 3)
		if len(logs) != 3 {
			t.Errorf("eth_getLogs found %d token Transfer logs, want 3", len(logs))
		}
	})
}

func deploy(t *testing.T, ctx context.Context, s *Sender, name string, args ...any) common.Address {
	t.Helper()
	addr, _, err := s.Deploy(ctx, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func wantLog(t *testing.T, r *types.Receipt, i int, address common.Address, topics []common.Hash, data []byte) {
	t.Helper()
	if r.Status != types.ReceiptStatusSuccessful {
		t.Errorf("tx %s failed", r.TxHash)
	}
	if i >= len(r.Logs) {
		t.Fatalf("tx %s has %d logs, want log %d", r.TxHash, len(r.Logs), i)
	}
	l := r.Logs[i]
	if l.Address != address {
		t.Errorf("log %d address %s, want %s", i, l.Address, address)
	}
	if !reflect.DeepEqual(l.Topics, topics) {
		t.Errorf("log %d topics %v, want %v", i, l.Topics, topics)
	}
	if hex.EncodeToString(l.Data) != hex.EncodeToString(data) {
		t.Errorf("log %d data %x, want %x", i, l.Data, data)
	}
}

func callValues(t *testing.T, ctx context.Context, client *ethclient.Client, at common.Address, name, method string, block uint64, args ...any) []any {
	t.Helper()
	data := must(Pack(name, method, args...))(t)
	out, err := client.CallContract(ctx, ethereum.CallMsg{To: &at, Data: data}, new(big.Int).SetUint64(block))
	if err != nil {
		t.Fatalf("eth_call %s.%s at block %d: %v", name, method, block, err)
	}
	a := must(ContractABI(name))(t)
	return must(a.Unpack(method, out))(t)
}

func callUint(t *testing.T, ctx context.Context, client *ethclient.Client, at common.Address, name, method string, block uint64, args ...any) *big.Int {
	t.Helper()
	return callValues(t, ctx, client, at, name, method, block, args...)[0].(*big.Int)
}

func TestDevMineSealsBlocksOverRPC(t *testing.T) {
	chain := startChain(t, Config{})
	ctx := testContext(t)
	client, raw := dial(t, chain)
	s := newSender(t, ctx, client, chain.Accounts()[0])
	tx := must(s.Transfer(ctx, chain.Accounts()[1].Address, big.NewInt(1)))(t)

	var n hexutil.Uint64
	if err := raw.CallContext(ctx, &n, "dev_mine"); err != nil || n != 1 {
		t.Fatalf("dev_mine = %d, %v; want block 1", n, err)
	}
	if r := must(client.TransactionReceipt(ctx, tx.Hash()))(t); r.BlockNumber.Uint64() != 1 {
		t.Errorf("transaction sealed in block %d, want 1", r.BlockNumber)
	}
	for _, arg := range []any{3, "0x3", "3"} {
		before := chain.Head()
		if err := raw.CallContext(ctx, &n, "dev_mineMany", arg); err != nil {
			t.Fatalf("dev_mineMany(%v): %v", arg, err)
		}
		if uint64(n) != before+3 || chain.Head() != before+3 {
			t.Errorf("dev_mineMany(%v) returned %d, head %d; want %d", arg, n, chain.Head(), before+3)
		}
	}
	for _, bad := range []any{0, -1, "x", 1_000_000} {
		if err := raw.CallContext(ctx, &n, "dev_mineMany", bad); err == nil {
			t.Errorf("dev_mineMany(%v) succeeded, want an error", bad)
		}
	}
}

func TestAutoSealSealsAsSoonAsATransactionArrives(t *testing.T) {
	chain := startChain(t, Config{AutoSeal: true})
	ctx := testContext(t)
	client, _ := dial(t, chain)
	s := newSender(t, ctx, client, chain.Accounts()[0])
	var hashes []common.Hash
	for range 20 {
		hashes = append(hashes, must(s.Transfer(ctx, chain.Accounts()[1].Address, big.NewInt(1)))(t).Hash())
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, h := range hashes {
		if r := must(WaitReceipt(waitCtx, client, h))(t); r.Status != types.ReceiptStatusSuccessful {
			t.Errorf("tx %s failed", h)
		}
	}
	if pending, err := chain.executable(); err != nil || pending != 0 {
		t.Errorf("pool still holds %d executable transactions (%v)", pending, err)
	}
	// Manual sealing works beside it.
	before := chain.Head()
	commit(t, chain)
	if chain.Head() != before+1 {
		t.Errorf("Commit with AutoSeal: head %d, want %d", chain.Head(), before+1)
	}
}

func TestDataDirKeepsTheChainAndItsStateAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(t)
	first, err := Start(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	client := first.Client()
	tx := must(must(NewSender(ctx, client, first.Accounts()[0]))(t).Transfer(ctx, first.Accounts()[1].Address, ether(1, 1)))(t)
	hash := must(first.Commit())(t)
	for range 3 {
		must(first.Commit())(t)
	}

	// A second chain on the same directory is refused while the first runs.
	if _, err := Start(ctx, Config{DataDir: dir}); !errors.Is(err, ErrDataDirInUse) {
		t.Errorf("second Start on a used DataDir: %v, want ErrDataDirInUse", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := startChain(t, Config{DataDir: dir})
	if second.Head() != 4 {
		t.Fatalf("reopened chain has head %d, want 4", second.Head())
	}
	_, raw := dial(t, second)
	if got := second.eth.BlockChain().GetBlockByNumber(1).Hash(); got != hash {
		t.Errorf("block 1 is %s after reopening, want %s", got, hash)
	}
	if tr := traceBlock(t, ctx, raw, 1); len(tr) != 1 || tr[0].TxHash != tx.Hash() {
		t.Errorf("trace of block 1 after reopening: %+v", tr)
	}
	commit(t, second)
	if second.Head() != 5 {
		t.Errorf("head after sealing on the reopened chain: %d, want 5", second.Head())
	}
}

func TestStartOnATakenPortSaysSo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(testContext(t), Config{HTTPAddr: l.Addr().String()})
	if !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("Start on a taken port: %v, want ErrAddrInUse", err)
	}
	if !contains(err.Error(), l.Addr().String()) {
		t.Errorf("error %q does not name the address", err)
	}
}

func TestCommitAfterCloseFails(t *testing.T) {
	chain, err := Start(testContext(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.Commit(); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close: %v, want ErrClosed", err)
	}
	if err := chain.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// geth promotes pool transactions in the background, so the pending nonce read right after a send may
// not count it yet; a new Sender (and Deploy, which makes one) must still pick the next nonce.
func TestFreshSendersSeeTheTransactionsJustSent(t *testing.T) {
	chain := startChain(t, Config{})
	ctx := testContext(t)
	client, _ := dial(t, chain)
	from, to := chain.Accounts()[0], chain.Accounts()[1].Address
	const n = 40
	for i := range n {
		tx := must(newSender(t, ctx, client, from).Transfer(ctx, to, big.NewInt(1)))(t)
		if tx.Nonce() != uint64(i) {
			t.Fatalf("transaction %d from a fresh Sender has nonce %d", i, tx.Nonce())
		}
	}
	first, _ := must3(Deploy(ctx, client, from, Reverter))(t)
	second, _ := must3(Deploy(ctx, client, from, Reverter))(t)
	if first != crypto.CreateAddress(from.Address, n) || second != crypto.CreateAddress(from.Address, n+1) {
		t.Errorf("two Deploys in a row created %s and %s, want the addresses for nonces %d and %d", first, second, n, n+1)
	}
	commit(t, chain)
	if got := len(must(client.BlockByNumber(ctx, big.NewInt(1)))(t).Transactions()); got != n+2 {
		t.Errorf("block 1 has %d transactions, want %d", got, n+2)
	}
	for _, a := range []common.Address{first, second} {
		if len(must(client.CodeAt(ctx, a, nil))(t)) == 0 {
			t.Errorf("no code at %s", a)
		}
	}
}

func TestJSONRPCAnswersAnyHostName(t *testing.T) {
	chain := startChain(t, Config{})
	body := strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`)
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, chain.URL(), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "devnet:8545" // as another container of docker-compose.yml calls it
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"0x539"`) {
		t.Errorf("eth_chainId with Host devnet:8545: %s %s, want 200 and 0x539", resp.Status, out)
	}
}

func TestURLOfAnUnspecifiedAddressIsLoopback(t *testing.T) {
	for in, want := range map[string]string{
		"http://0.0.0.0:8545":   "http://127.0.0.1:8545",
		"http://[::]:8545":      "http://[::1]:8545",
		"http://127.0.0.1:8545": "http://127.0.0.1:8545",
		"http://localhost:1":    "http://localhost:1",
	} {
		if got := dialableURL(in); got != want {
			t.Errorf("dialableURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestReorgReplacesTheLastBlocksWithNewOnes(t *testing.T) {
	chain := startChain(t, Config{})
	ctx := testContext(t)
	client, _ := dial(t, chain)
	must(FillBlocks(ctx, chain, 4, 3))(t)
	head := chain.Head()
	old := map[uint64]common.Hash{}
	for n := head - 3; n <= head; n++ {
		old[n] = must(client.HeaderByNumber(ctx, new(big.Int).SetUint64(n)))(t).Hash()
	}
	newHead := must(chain.Reorg(2))(t)
	if newHead != head+1 {
		t.Fatalf("after a reorg of 2 the head is %d, want %d", newHead, head+1)
	}
	for n := head - 3; n <= head; n++ {
		h := must(client.HeaderByNumber(ctx, new(big.Int).SetUint64(n)))(t).Hash()
		if replaced := n > head-2; replaced == (h == old[n]) {
			t.Errorf("block %d: hash %s, before %s; replaced: %v", n, h, old[n], replaced)
		}
	}
}
