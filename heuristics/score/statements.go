package score

import (
	"fmt"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Every statement a score run and its readers send, for `chainsleuth sql
// dump` and the dialect test. The run's tables are shown with sample names
// (a run's start with runTablesStem of its id).
func init() {
	stem := runTablesStem(1)
	sampleSet, sampleIDs, sampleFlows := runAddressesName(stem), runIDsName(stem), runFlowsName(stem)
	f := &Features{Cluster: 7, Payers: 12, Payments: 20, SmallPayments: 18, FirstHeight: 100, LastHeight: 180, HoldBlocks: 12, Company: "C001"}
	scores := []Score{{Cluster: 7, Score: 61.5, Kind: KindPonzi, KindConfidence: 0.8, Evidence: map[string]any{"payers": 12},
		Components: Components{Payers: 0.6, SmallTicket: 0.9, Growth: 1, Payback: 0.3}, GrowthRatio: 5.5,
		Reasons: []string{"12 distinct clusters paid in (20 payments)"}, Features: f}}
	alerts := []Alert{{Cluster: 7, PeriodStart: 170, PeriodEnd: 179, PeriodTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		NewPayers: 9, Baseline: 1.5, Ratio: 6, Severity: "high"}}
	store.Register(
		store.InsertStatement("score.insert.cluster_scores", scoreRows("btc", 1, "score-v1", scores)),
		store.InsertStatement("score.insert.alerts", alertRows("btc", 1, alerts, map[int64]string{7: KindPonzi})),
		store.Statement{Name: "score.latest_time", SQL: LatestTimeQuery, Args: []any{"btc"}},
		store.Statement{Name: "score.latest_time_near_tip", SQL: LatestTimeNearTipQuery, Args: []any{"btc", uint64(800_000)}},
		store.Statement{Name: "score.window_start", SQL: WindowStartQuery, Args: []any{"btc", uint32(1_700_000_000)}},
		store.Statement{Name: "score.run_tables.left", SQL: runTablesLeft, Args: []any{runTablesPrefix + "%"}},
		store.Statement{Name: "score.run_flows.create", SQL: fmt.Sprintf(runFlowsDDL, sampleFlows)},
		store.Statement{Name: "score.window_end", SQL: WindowEndQuery, Args: []any{"btc", uint64(800_000)}},
		store.Statement{Name: "score.run_flows.fill", SQL: fmt.Sprintf(runFlowsFill, sampleFlows, FlowsQuery(2)),
			Args: flowsArgs("btc", []uint64{800_000, 800_100}, 1_700_000_000)},
		store.Statement{Name: "score.run_flows.count", SQL: fmt.Sprintf(runTableCount, sampleFlows)},
		store.Statement{Name: "score.run_addresses.create", SQL: fmt.Sprintf(runAddressesDDL, sampleSet)},
		store.Statement{Name: "score.run_addresses.fill", SQL: fmt.Sprintf(runAddressesFill, sampleSet, sampleFlows),
			Args: []any{"btc", "tags", "btc", "sanctions", "btc", "companies", "btc", uint64(3), depositRole}},
		store.Statement{Name: "score.cluster_runs.by_id", SQL: clusterRunsByID, Args: []any{"btc", uint64(3)}},
		store.Statement{Name: "score.cluster_runs.by_hash", SQL: clusterHashRuns, Args: []any{"btc"}},
		store.Statement{Name: "score.run_clusters.by_hash", SQL: fmt.Sprintf(runClustersByHash, sampleSet), Args: []any{"btc", uint64(3)}},
		store.Statement{Name: "score.run_ids.create", SQL: fmt.Sprintf(runIDsDDL, sampleIDs)},
		store.Statement{Name: "score.run_ids.fill", SQL: fmt.Sprintf(runIDsFill, sampleSet, sampleIDs), Args: []any{"btc", uint64(3)}},
		store.Statement{Name: "score.run_ids.range", SQL: fmt.Sprintf(runIDsRange, sampleIDs)},
		store.Statement{Name: "score.run_clusters.by_id", SQL: fmt.Sprintf(runClustersByID, sampleIDs),
			Args: []any{uint64(0), clusterMapChunk, "btc", uint64(3), uint64(0), clusterMapChunk, uint64(0), clusterMapChunk}},
		store.Statement{Name: "score.exchange_tags", SQL: ExchangeTagsQuery, Args: []any{"eth", "tags"}},
		store.Statement{Name: "score.sanctioned", SQL: SanctionedQuery, Args: []any{"eth", "sanctions"}},
		store.Statement{Name: "score.company_addresses", SQL: CompanyAddrsQuery, Args: []any{"eth", "companies"}},
		store.Statement{Name: "score.deposit_links", SQL: DepositLinksQuery, Args: []any{"eth", uint64(3), depositRole}},
		store.Statement{Name: "score.run_flows.read", SQL: fmt.Sprintf(runFlowsRead, sampleFlows)},
		store.Statement{Name: "score.run_flows.assets", SQL: fmt.Sprintf(runFlowsAssets, sampleFlows)},
		store.Statement{Name: "score.run_flows.drop", SQL: fmt.Sprintf(runTableDrop, sampleFlows)},
		store.Statement{Name: "score.run_addresses.drop", SQL: fmt.Sprintf(runTableDrop, sampleSet)},
		store.Statement{Name: "score.run_ids.drop", SQL: fmt.Sprintf(runTableDrop, sampleIDs)},
		store.Statement{Name: "score.top", SQL: TopQuery, Args: []any{uint64(10)}},
		store.Statement{Name: "score.alerts", SQL: AlertsQuery, Args: []any{uint32(0)}},
		store.Statement{Name: "score.count_run_rows", SQL: store.CountSQL("cluster_scores", false, "chain = ? AND run_id = ?"), Args: []any{"btc", uint64(1)}},
		store.Statement{Name: "score.count_run_alerts", SQL: store.CountSQL("alerts", false, "chain = ? AND run_id = ?"), Args: []any{"btc", uint64(1)}},
	)
}
