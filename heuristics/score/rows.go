package score

import (
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

var scoreColumns = []string{"chain", "cluster_id", "run_id", "score", "kind", "kind_confidence", "evidence", "payers",
	"inflow_payments", "growth_ratio", "hold_blocks", "c_payers", "c_small_ticket", "c_growth", "c_issuance",
	"c_payback", "c_cashout", "c_sanction", "c_company", "company", "reasons", "config_version", "first_height", "last_height"}

// scoreRows are the cluster_scores rows of a run.
func scoreRows(chainName string, runID uint64, version string, scores []Score) store.Batch {
	n := len(scores)
	var (
		chains, kinds, evidence, companies, versions                 = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		clusters, payers, payments                                   = make([]uint32, n), make([]uint32, n), make([]uint32, n)
		runIDs, firsts, lasts                                        = make([]uint64, n), make([]uint64, n), make([]uint64, n)
		score, conf, growth, cPayers, cSmall, cGrowth, cIssue, cBack = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		cCash, cSanction, cCompany                                   = make([]float64, n), make([]float64, n), make([]float64, n)
		holds                                                        = make([]int64, n)
		reasons                                                      = make([][]string, n)
	)
	for i, s := range scores {
		f, c := s.Features, s.Components
		chains[i], clusters[i], runIDs[i] = chainName, uint32(s.Cluster), runID
		score[i], kinds[i], conf[i], evidence[i] = s.Score, s.Kind, s.KindConfidence, s.EvidenceJSON()
		payers[i], payments[i], growth[i], holds[i] = uint32(f.Payers), uint32(f.Payments), s.GrowthRatio, f.HoldBlocks
		cPayers[i], cSmall[i], cGrowth[i], cIssue[i], cBack[i] = c.Payers, c.SmallTicket, c.Growth, c.Issuance, c.Payback
		cCash[i], cSanction[i], cCompany[i] = c.Cashout, c.Sanction, c.Company
		companies[i], reasons[i], versions[i] = f.Company, append([]string{}, s.Reasons...), version
		firsts[i], lasts[i] = f.FirstHeight, f.LastHeight
	}
	return store.Batch{Table: "cluster_scores", Columns: scoreColumns, Data: []any{chains, clusters, runIDs, score, kinds,
		conf, evidence, payers, payments, growth, holds, cPayers, cSmall, cGrowth, cIssue, cBack, cCash, cSanction,
		cCompany, companies, reasons, versions, firsts, lasts}}
}

// alertRows are the alerts rows of a run.
func alertRows(chainName string, runID uint64, alerts []Alert, kinds map[int64]string) store.Batch {
	b := store.Batch{Table: "alerts", Columns: []string{"chain", "cluster_id", "run_id", "period_start", "period_end",
		"period_time", "new_payers", "baseline", "ratio", "severity", "kind"}}
	n := len(alerts)
	chains, clusters, runIDs := make([]string, n), make([]uint32, n), make([]uint64, n)
	starts, ends, times := make([]uint64, n), make([]uint64, n), make([]time.Time, n)
	newPayers, baselines, ratios := make([]uint32, n), make([]float64, n), make([]float64, n)
	severities, kindCol := make([]string, n), make([]string, n)
	for i, a := range alerts {
		chains[i], clusters[i], runIDs[i] = chainName, uint32(a.Cluster), runID
		starts[i], ends[i], times[i] = a.PeriodStart, a.PeriodEnd, a.PeriodTime.UTC()
		newPayers[i], baselines[i], ratios[i] = uint32(a.NewPayers), a.Baseline, a.Ratio
		severities[i], kindCol[i] = a.Severity, kinds[a.Cluster]
	}
	b.Data = []any{chains, clusters, runIDs, starts, ends, times, newPayers, baselines, ratios, severities, kindCol}
	return b
}
