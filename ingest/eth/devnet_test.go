package eth_test

import (
	"context"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// must(f())(t) is f's value, failing the test on f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// ingestRange runs the pipeline over the node at url into st, from from (-1:
// the checkpoint) to to (-1: the tip).
func ingestRange(t testing.TB, st *store.Store, url string, from, to int64, opts ethereum.Options) *eth.Sink {
	t.Helper()
	return ingestWith(t, st, url, pipeline.Options{From: from, To: to, Workers: 3}, opts)
}

// ingestWith runs the pipeline with options o over the node at url into st.
func ingestWith(t testing.TB, st *store.Store, url string, o pipeline.Options, opts ethereum.Options) *eth.Sink {
	t.Helper()
	ctx := testContext(t)
	opts.Logger = quiet()
	node := must(ethereum.Dial(ctx, url, opts))(t)
	t.Cleanup(node.Close)
	sink := eth.NewSink(st, node, eth.Config{Logger: quiet()})
	o.Logger = quiet()
	if err := pipeline.Run[eth.Block](ctx, eth.Source{Client: node}, sink, o); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sink
}

func ether(n, d int64) *big.Int {
	v := new(big.Int).Mul(big.NewInt(n), devnet.Ether)
	return v.Div(v, big.NewInt(d))
}

func lower(a common.Address) string { return strings.ToLower(a.Hex()) }

// transferRow is a row of the transfers table as the tests compare it.
type transferRow struct {
	Kind, From, To, Asset, Amount string
	Value                         float64
}

func transfersOf(t testing.TB, st *store.Store, txHash string) []transferRow {
	t.Helper()
	var out []transferRow
	err := st.Query(testContext(t), "test: transfers of a tx",
		"SELECT kind, from_address, to_address, asset, amount, value FROM transfers FINAL WHERE chain = 'eth' AND txid = ? ORDER BY idx",
		[]any{txHash}, func() { out = nil }, func(r driver.Rows) error {
			var x transferRow
			if err := r.Scan(&x.Kind, &x.From, &x.To, &x.Asset, &x.Amount, &x.Value); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, st *store.Store, table, where string, args ...any) uint64 {
	t.Helper()
	n, err := st.CountWhere(testContext(t), table, true, where, args...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestOfADevChainStoresEveryKindOfRow(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := testContext(t)
	chain := must(devnet.Start(ctx, devnet.Config{}))(t)
	t.Cleanup(func() { chain.Close() })
	client := chain.Client()
	acc := chain.Accounts()
	owner, treasury := acc[0], acc[9]
	sender := func(a devnet.Account) *devnet.Sender { return must(devnet.NewSender(ctx, client, a))(t) }
	deployer := sender(owner)
	deploy := func(name string, args ...any) common.Address {
		addr, _, err := deployer.Deploy(ctx, name, args...)
		if err != nil {
			t.Fatal(err)
		}
		return addr
	}
	commit := func() { must(chain.Commit())(t) }
	pack := func(name, method string, args ...any) []byte { return must(devnet.Pack(name, method, args...))(t) }

	token := deploy(devnet.ERC20, "Chainsleuth Test Token", "CST")
	tusd := deploy(devnet.Stablecoin, big.NewInt(1_000_000_000_000))
	nft := deploy(devnet.ERC721, "Test Collectibles", "TNFT")
	factory := deploy(devnet.Factory)
	reverter := deploy(devnet.Reverter)
	commit()
	crowdsale := deploy(devnet.Crowdsale, token, treasury.Address, big.NewInt(1000))
	must(deployer.Send(ctx, devnet.Tx{To: &token, Data: pack(devnet.ERC20, "setMinter", crowdsale, true), Gas: 100_000}))(t)
	must(deployer.Transact(ctx, nft, devnet.ERC721, "mint", acc[2].Address, big.NewInt(7)))(t)
	commit()
	payment := must(sender(acc[1]).Send(ctx, devnet.Tx{To: &acc[3].Address, Value: ether(3, 2), Legacy: true}))(t)
	nftTransfer := must(sender(acc[2]).Transact(ctx, nft, devnet.ERC721, "transferFrom", acc[2].Address, acc[5].Address, big.NewInt(7)))(t)
	purchase := must(sender(acc[6]).Transfer(ctx, crowdsale, ether(1, 2)))(t)
	failed := must(sender(acc[7]).Send(ctx, devnet.Tx{To: &reverter, Value: ether(1, 10), Data: pack(devnet.Reverter, "fail"), Gas: 100_000}))(t)
	creation := must(sender(acc[8]).Send(ctx, devnet.Tx{To: &factory, Value: ether(1, 2), Data: pack(devnet.Factory, "create", big.NewInt(42))}))(t)
	tusdTransfer := must(deployer.Transact(ctx, tusd, devnet.Stablecoin, "transfer", acc[4].Address, big.NewInt(1_234_500_000)))(t)
	commit()
	resale := must(sender(acc[6]).Transact(ctx, token, devnet.ERC20, "transfer", acc[4].Address, ether(250, 1)))(t)
	commit()
	head := int64(chain.Head())

	ingestRange(t, st, chain.URL(), -1, -1, ethereum.Options{})

	s := must(eth.ReadStats(ctx, st))(t)
	if s.Blocks != uint64(head+1) || s.MaxHeight != head || s.Txs != 15 {
		t.Errorf("stats %+v: want %d blocks up to %d and 15 transactions", s, head+1, head)
	}
	zero := "0x0000000000000000000000000000000000000000"
	child := ""
	t.Run("a contract created by a contract is stored with the factory as creator", func(t *testing.T) {
		err := st.QueryRow(ctx, "test: child", "SELECT address FROM eth_contracts FINAL WHERE creator = ?",
			[]any{lower(factory)}, &child)
		if err != nil {
			t.Fatalf("no contract created by the factory: %v", err)
		}
		var txHash string
		must(0, st.QueryRow(ctx, "test", "SELECT tx_hash FROM eth_contracts FINAL WHERE address = ?", []any{child}, &txHash))(t)
		if txHash != creation.Hash().Hex() {
			t.Errorf("child's creating tx %s, want %s", txHash, creation.Hash().Hex())
		}
	})

	tests := []struct {
		name string
		tx   string
		want []transferRow
	}{
		{"an ETH payment is one native transfer", payment.Hash().Hex(), []transferRow{
			{"native", lower(acc[1].Address), lower(acc[3].Address), "ETH", "1500000000000000000", 1.5}}},
		{"an NFT transfer has amount 1 and the collection as asset", nftTransfer.Hash().Hex(), []transferRow{
			{"erc721", lower(acc[2].Address), lower(acc[5].Address), lower(nft), "1", 1}}},
		{"a crowdsale purchase pays the sale, mints to the buyer and forwards the ETH internally", purchase.Hash().Hex(), []transferRow{
			{"native", lower(acc[6].Address), lower(crowdsale), "ETH", "500000000000000000", 0.5},
			{"erc20", zero, lower(acc[6].Address), lower(token), "500000000000000000000", 500},
			{"internal", lower(crowdsale), lower(treasury.Address), "ETH", "500000000000000000", 0.5}}},
		{"a failed transaction moves nothing", failed.Hash().Hex(), nil},
		{"a stablecoin transfer uses its 6 decimals", tusdTransfer.Hash().Hex(), []transferRow{
			{"erc20", lower(owner.Address), lower(acc[4].Address), lower(tusd), "1234500000", 1234.5}}},
		{"a token resale is a plain erc20 transfer", resale.Hash().Hex(), []transferRow{
			{"erc20", lower(acc[6].Address), lower(acc[4].Address), lower(token), "250000000000000000000", 250}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transfersOf(t, st, tt.tx); !slices.Equal(got, tt.want) {
				t.Errorf("transfers\n got %v\nwant %v", got, tt.want)
			}
		})
	}
	t.Run("a contract creating a contract with value is a native and an internal transfer", func(t *testing.T) {
		want := []transferRow{
			{"native", lower(acc[8].Address), lower(factory), "ETH", "500000000000000000", 0.5},
			{"internal", lower(factory), child, "ETH", "500000000000000000", 0.5}}
		if got := transfersOf(t, st, creation.Hash().Hex()); !slices.Equal(got, want) {
			t.Errorf("transfers\n got %v\nwant %v", got, want)
		}
	})

	t.Run("receipt fields are stored with the transaction", func(t *testing.T) {
		type txRow struct {
			status, txType uint8
			gasUsed        uint64
			value, price   string
		}
		read := func(hash string) txRow {
			var r txRow
			must(0, st.QueryRow(ctx, "test: tx", "SELECT status, tx_type, gas_used, value, effective_gas_price FROM eth_txs FINAL WHERE hash = ?",
				[]any{hash}, &r.status, &r.txType, &r.gasUsed, &r.value, &r.price))(t)
			return r
		}
		if r := read(payment.Hash().Hex()); r.status != 1 || r.txType != 0 || r.gasUsed != 21000 || r.value != "1500000000000000000" || r.price == "0" {
			t.Errorf("payment: %+v", r)
		}
		receipt := must(client.TransactionReceipt(ctx, failed.Hash()))(t)
		if r := read(failed.Hash().Hex()); r.status != 0 || r.gasUsed != receipt.GasUsed || r.txType != 2 {
			t.Errorf("failed tx: %+v, want status 0 and gas used %d", r, receipt.GasUsed)
		}
		var contract string
		must(0, st.QueryRow(ctx, "test", "SELECT contract_address FROM eth_txs FINAL WHERE contract_address = ?", []any{lower(token)}, &contract))(t)
	})

	t.Run("the crowdsale's forward to the treasury is a trace below the top frame", func(t *testing.T) {
		var addr, callType string
		var status uint8
		must(0, st.QueryRow(ctx, "test: trace", "SELECT trace_address, call_type, status FROM eth_traces FINAL WHERE tx_hash = ? AND to_address = ? AND value = ?",
			[]any{purchase.Hash().Hex(), lower(treasury.Address), "500000000000000000"}, &addr, &callType, &status))(t)
		if addr == "" || callType != "call" || status != 1 {
			t.Errorf("trace at %q type %s status %d; want a nested successful call", addr, callType, status)
		}
		if n := count(t, st, "eth_traces", "tx_hash = ? AND status = 0", failed.Hash().Hex()); n != 1 {
			t.Errorf("the failed transaction has %d failed frames, want 1", n)
		}
	})

	t.Run("contracts are recognised as ERC-20 and ERC-721 from their bytecode", func(t *testing.T) {
		for _, c := range []struct {
			addr          common.Address
			erc20, erc721 uint8
		}{{token, 1, 0}, {tusd, 1, 0}, {nft, 0, 1}, {factory, 0, 0}, {crowdsale, 0, 0}} {
			var e20, e721 uint8
			var creator string
			must(0, st.QueryRow(ctx, "test", "SELECT is_erc20, is_erc721, creator FROM eth_contracts FINAL WHERE address = ?",
				[]any{lower(c.addr)}, &e20, &e721, &creator))(t)
			if e20 != c.erc20 || e721 != c.erc721 || creator != lower(owner.Address) {
				t.Errorf("%s: erc20 %d erc721 %d creator %s; want %d %d %s", c.addr, e20, e721, creator, c.erc20, c.erc721, lower(owner.Address))
			}
		}
	})

	t.Run("token metadata is read once per token", func(t *testing.T) {
		want := map[string]string{
			lower(token): "erc20 Chainsleuth Test Token CST 18",
			lower(tusd):  "erc20 Test USD TUSD 6",
			lower(nft):   "erc721 Test Collectibles TNFT -1",
		}
		got := map[string]string{}
		err := st.Query(ctx, "test: tokens", "SELECT address, standard, name, symbol, decimals FROM eth_tokens FINAL", nil, nil,
			func(r driver.Rows) error {
				var a, std, name, sym string
				var dec int16
				if err := r.Scan(&a, &std, &name, &sym, &dec); err != nil {
					return err
				}
				got[a] = strings.Join([]string{std, name, sym, big.NewInt(int64(dec)).String()}, " ")
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("tokens %v, want %v", got, want)
		}
		for a, w := range want {
			if got[a] != w {
				t.Errorf("token %s: %q, want %q", a, got[a], w)
			}
		}
	})

	t.Run("every log of every receipt is stored", func(t *testing.T) {
		var logs, transfers uint64
		for h := int64(0); h <= head; h++ {
			for _, r := range must(client.BlockReceipts(ctx, rpc.BlockNumberOrHashWithNumber(rpc.BlockNumber(h))))(t) {
				logs += uint64(len(r.Logs))
				for _, l := range r.Logs {
					if l.Topics[0].Hex() == ethereum.TransferTopic && (len(l.Topics) == 3 || len(l.Topics) == 4) {
						transfers++
					}
				}
			}
		}
		if s.Logs != logs || s.TokenTransfers != transfers {
			t.Errorf("%d logs and %d token transfers stored; the node's receipts have %d and %d", s.Logs, s.TokenTransfers, logs, transfers)
		}
		if transfers < 5 {
			t.Errorf("only %d Transfer events: the scenario makes at least 5", transfers)
		}
	})
}
