package cluster

import (
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement the cluster job and its readers send, for `chainsleuth sql dump` and the dialect test.
func init() {
	lo, hi := uint64(100), uint64(200)
	run := uint64(1704164645000000)
	ev := []appliedEvidence{{Evidence: Evidence{Heuristic: CoSpend, Tx: "ab01", Height: 100, Confidence: 1, A: "1A", B: "1B",
		Detail: `{"inputs":2,"addresses":2}`}, AID: 0, BID: 1, Merged: true}}
	held := []HeldMerge{{Evidence: Evidence{Heuristic: Change, Tx: "ab02", Height: 101, Confidence: 0.5, A: "1A", B: "1C"},
		AClusterID: 0, BClusterID: 2, ASize: 1500, BSize: 2000}}
	store.Register(
		store.InsertStatement("cluster.insert.address_ids", addressIDRows("btc", run, []string{"1A", "1B"}, []uint32{0, 1}, []uint64{100_000_001, 100_000_002})),
		store.InsertStatement("cluster.insert.address_clusters", addressClusterRows("btc", run, []uint32{0, 1}, []uint32{0, 0})),
		store.InsertStatement("cluster.insert.clusters", clusterRows("btc", run, []uint32{0, 1}, []uint64{2, 0})),
		store.InsertStatement("cluster.insert.cluster_evidence", evidenceRows("btc", run, ev)),
		store.InsertStatement("cluster.insert.coinjoins", coinJoinRows("btc", run, []CoinJoin{{TxID: "ab03", Height: 102,
			Pattern: "whirlpool", Inputs: 5, Outputs: 5, Participants: 5, Denomination: 1_000_000}})),
		store.InsertStatement("cluster.insert.held_merges", heldMergeRows("btc", run, held)),
		store.Statement{Name: "cluster.btc.addresses", SQL: btcAddressesSQL, Args: rangeArgs(lo, hi, 2)},
		store.Statement{Name: "cluster.btc.known_ids", SQL: btcKnownIDsSQL, Args: rangeArgs(lo, hi, 2)},
		store.Statement{Name: "cluster.btc.txs", SQL: btcTxsSQL, Args: rangeArgs(lo, hi, 2)},
		store.Statement{Name: "cluster.eth.addresses", SQL: ethAddressesSQL, Args: rangeArgs(lo, hi, 3)},
		store.Statement{Name: "cluster.eth.known_ids", SQL: ethKnownIDsSQL, Args: rangeArgs(lo, hi, 3)},
		store.Statement{Name: "cluster.eth.deposit.eth", SQL: depositETHSQL, Args: []any{hi, hi, uint64(3200), 0.01}},
		store.Statement{Name: "cluster.eth.deposit.token", SQL: depositTokenSQL, Args: []any{hi, hi, uint64(3200)}},
		store.Statement{Name: "cluster.eth.deposit.tagged_hot_wallets", SQL: taggedHotWalletsSQL},
		store.Statement{Name: "cluster.eth.airdrop", SQL: airdropSQL, Args: []any{hi, hi, hi, uint64(10), uint64(1000)}},
		store.Statement{Name: "cluster.eth.self_auth.pulls", SQL: selfAuthPullsSQL, Args: rangeArgs(lo, hi, 2)},
		store.Statement{Name: "cluster.eth.self_auth.approvals", SQL: selfAuthApprovalsSQL, Args: []any{ApprovalTopic, hi}},
		store.Statement{Name: "cluster.ids_of", SQL: idsOfSQL, Args: []any{"btc", ch.GroupSet{Value: []any{"1A", "1B"}}}},
		store.Statement{Name: "cluster.next_id", SQL: nextIDSQL, Args: []any{"btc"}},
		store.Statement{Name: "cluster.state", SQL: stateSQL, Args: []any{"btc"}},
		store.Statement{Name: "cluster.cluster_hashes", SQL: clusterHashesSQL, Args: []any{"btc", uint64(0), uint64(clusterHashesChunk), "btc", run, uint64(0), uint64(clusterHashesChunk)}},
		store.Statement{Name: "cluster.count_cluster_hashes", SQL: store.CountSQL("address_cluster_hashes", false, "chain = ? AND run_id = ?"), Args: []any{"btc", run}},
	)
	for chain, spec := range specs {
		store.Register(store.Statement{Name: "cluster." + chain + ".heights", SQL: fmt.Sprintf(heightsSQL, spec.blocks), Args: []any{lo, hi}})
	}
	for _, t := range writtenTables {
		store.Register(
			store.Statement{Name: "cluster.cleanup.count." + t, SQL: store.CountSQL(t, false, cleanupWhere), Args: []any{"btc", run}},
			store.Statement{Name: "cluster.cleanup.delete." + t, SQL: store.DeleteSQL(t, cleanupWhere), Args: []any{"btc", run}},
		)
	}
}
