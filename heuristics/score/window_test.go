package score

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// The cluster map holds the addresses a run reads, not every address: the
// window's, and the context's (tags, sanctions, registry companies, deposit
// hot wallets). The context by cluster is therefore the same whatever the
// window, even a window with no transfer at all, while the map holds fewer
// keys.
func TestTheContextOfARunDoesNotDependOnItsWindow(t *testing.T) {
	w := testworld.Build(t, 23)
	ctx, st := context.Background(), w.Store
	// Tag, sanction and register a few addresses the cluster job has seen, as committed imports.
	var addrs []string
	err := st.Query(ctx, "some addresses", "SELECT address FROM address_ids WHERE chain = ? ORDER BY id LIMIT 6",
		[]any{chain.Ethereum}, func() { addrs = nil }, func(r driver.Rows) error {
			var a string
			err := r.Scan(&a)
			addrs = append(addrs, a)
			return err
		})
	if err != nil || len(addrs) < 6 {
		t.Fatalf("addresses of the world: %v, %v", addrs, err)
	}
	const file = "window-test"
	eth, v := []string{chain.Ethereum, chain.Ethereum}, []uint64{1, 1}
	for _, b := range []store.Batch{
		{Table: "offchain_imports", Columns: []string{"kind", "file", "version"},
			Data: []any{[]string{offchain.KindTags, offchain.KindSanctions, offchain.KindCompanies}, []string{file, file, file}, []uint64{1, 1, 1}}},
		{Table: "tags", Columns: []string{"chain", "address", "label", "category", "file", "version"},
			Data: []any{eth, addrs[0:2], []string{"x", "x"}, []string{"exchange", "exchange"}, []string{file, file}, v}},
		{Table: "sanctions", Columns: []string{"chain", "address", "file", "version"},
			Data: []any{eth, addrs[2:4], []string{file, file}, v}},
		{Table: "company_addresses", Columns: []string{"chain", "address", "company_id", "file", "version"},
			Data: []any{eth, addrs[4:6], []string{"C1", "C2"}, []string{file, file}, v}},
	} {
		if err := st.Insert(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	clusterRun, err := cluster.LastFinishedRun(ctx, st, chain.Ethereum)
	if err != nil || clusterRun == 0 {
		t.Fatalf("cluster run: %d, %v", clusterRun, err)
	}
	contextOf := func(runID, fromHeight uint64, since uint32) (Context, uint64) {
		t.Helper()
		name, err := buildClusterMap(ctx, st, testworld.Quiet(), chain.Ethereum, clusterRun, runID, fromHeight, since)
		if err != nil {
			t.Fatal(err)
		}
		defer dropClusterMap(st, testworld.Quiet(), name)
		var keys uint64
		if err := st.QueryRow(ctx, "count the map", fmt.Sprintf(clusterMapCount, name), nil, &keys); err != nil {
			t.Fatal(err)
		}
		c, err := loadContext(ctx, st, chain.Ethereum, clusterRun, name)
		if err != nil {
			t.Fatal(err)
		}
		return c, keys
	}
	all, allKeys := contextOf(1, 0, 0)
	none, noneKeys := contextOf(2, math.MaxUint64, math.MaxUint32)
	if len(all.ExchangeTag) == 0 || len(all.Sanctioned) == 0 || len(all.Company) == 0 || len(all.DepositLinks) == 0 {
		t.Fatalf("the context misses a kind: %+v", all)
	}
	if !reflect.DeepEqual(all, none) {
		t.Errorf("context with every transfer in the window:\n%+v\nwith none:\n%+v", all, none)
	}
	if noneKeys >= allKeys {
		t.Errorf("the map of an empty window holds %d keys, of the whole chain %d: want fewer", noneKeys, allKeys)
	}
	t.Logf("map keys: %d with every transfer, %d with none; context: %+v", allKeys, noneKeys, all)
}
