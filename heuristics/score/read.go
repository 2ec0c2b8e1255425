package score

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// latestRunsOf selects (chain, run_id) of the last run of a job per chain
// that finished well. Rows of a run that died are never read.
func latestRunsOf(job string) string {
	return `SELECT chain, max(run_id) FROM (
    SELECT chain, run_id FROM runs WHERE job = '` + job + `' GROUP BY chain, run_id HAVING argMax(state, state) = 1
) GROUP BY chain`
}

// latestRuns are the current score runs.
var latestRuns = latestRunsOf(Job)

// TopQuery reads the current scores, highest first, each with the company
// the latest attribution run attached to the cluster with the highest
// confidence (of equal ones, the greatest company id, so every read names the
// same), or else the registry company with a known address in it
// (bound: limit).
var TopQuery = `SELECT chain, cluster_id, score, kind, kind_confidence, payers, company_id, name, reasons FROM (
    SELECT chain, cluster_id, score, kind, kind_confidence, payers, if(attributed != '', attributed, company) AS company_id, reasons
    FROM (
        SELECT chain, cluster_id, score, kind, kind_confidence, payers, company, reasons FROM cluster_scores
        WHERE (chain, run_id) IN (` + latestRuns + `)
    ) AS s ANY LEFT JOIN (
        SELECT chain, cluster_id, argMax(company_id, (confidence, company_id)) AS attributed FROM cluster_companies
        WHERE (chain, run_id) IN (` + latestRunsOf("attribute") + `) GROUP BY chain, cluster_id
    ) AS a USING (chain, cluster_id)
) AS x ANY LEFT JOIN (SELECT company_id, name FROM companies FINAL) AS c USING company_id
ORDER BY score DESC, chain, cluster_id LIMIT ?`

// AlertsQuery reads the current alerts from a time on, strongest first
// (bound: since as a Unix time).
var AlertsQuery = `SELECT chain, cluster_id, kind, severity, period_start, period_end, period_time, new_payers, baseline, ratio
FROM alerts WHERE (chain, run_id) IN (` + latestRuns + `) AND period_time >= toDateTime(?, 'UTC')
ORDER BY ratio DESC, chain, cluster_id, period_start`

// TopRow is one line of `chainsleuth top`.
type TopRow struct {
	Chain          string   `json:"chain"`
	ClusterID      uint32   `json:"cluster_id"`
	Score          float64  `json:"score"`
	Kind           string   `json:"kind"`
	KindConfidence float64  `json:"kind_confidence"`
	Payers         uint32   `json:"payers"`
	Company        *string  `json:"company"`
	CompanyID      string   `json:"company_id,omitempty"`
	Reasons        []string `json:"reasons"`
}

// Top reads the limit highest current scores.
func Top(ctx context.Context, st *store.Store, limit int) ([]TopRow, error) {
	var out []TopRow
	err := st.Query(ctx, "read top scores", TopQuery, []any{uint64(limit)}, func() { out = nil }, func(r driver.Rows) error {
		var t TopRow
		var name string
		if err := r.Scan(&t.Chain, &t.ClusterID, &t.Score, &t.Kind, &t.KindConfidence, &t.Payers, &t.CompanyID, &name, &t.Reasons); err != nil {
			return err
		}
		switch {
		case name != "":
			t.Company = &name
		case t.CompanyID != "":
			id := t.CompanyID
			t.Company = &id
		}
		if t.Reasons == nil {
			t.Reasons = []string{}
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// AlertRow is one line of `chainsleuth alerts`.
type AlertRow struct {
	Chain      string    `json:"chain"`
	ClusterID  uint32    `json:"cluster_id"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	Period     string    `json:"period"` // block heights "start-end"
	PeriodTime time.Time `json:"period_time"`
	Value      uint32    `json:"value"` // new payers in the period
	Baseline   float64   `json:"baseline"`
	Ratio      float64   `json:"ratio"`
}

// Alerts reads the current alerts of periods starting at since or later.
func Alerts(ctx context.Context, st *store.Store, since time.Time) ([]AlertRow, error) {
	var out []AlertRow
	err := st.Query(ctx, "read alerts", AlertsQuery, []any{uint32(max(since.Unix(), 0))}, func() { out = nil }, func(r driver.Rows) error {
		var a AlertRow
		var start, end uint64
		if err := r.Scan(&a.Chain, &a.ClusterID, &a.Kind, &a.Severity, &start, &end, &a.PeriodTime, &a.Value, &a.Baseline, &a.Ratio); err != nil {
			return err
		}
		a.Period = fmt.Sprintf("%d-%d", start, end)
		out = append(out, a)
		return nil
	})
	return out, err
}
