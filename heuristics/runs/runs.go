package runs

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Run states (the table's version column: the highest state is a run's current row).
const (
	stateRunning = 0
	stateDone    = 1
	stateFailed  = 2
)

// Status names stored beside the state.
const (
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Run is one run of a job on a chain ("" when the job is not per chain).
type Run struct {
	ID          uint64
	Job         string
	Chain       string
	Status      string
	Started     time.Time
	Finished    time.Time
	Parameters  string // JSON
	CodeVersion string
	Counts      string // JSON
	Watermark   uint64
	Error       string

	st *store.Store
}

// Recorder writes and reads runs.
type Recorder struct {
	st *store.Store
	// CodeVersion is stored with each run; default: the module's VCS revision, else "dev".
	CodeVersion string
	now         func() time.Time
}

// NewRecorder records runs in st.
func NewRecorder(st *store.Store) *Recorder {
	return &Recorder{st: st, CodeVersion: buildVersion(), now: func() time.Time { return time.Now().UTC() }}
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// Statements the recorder sends.
const (
	LastQuery = `SELECT run_id, argMax(status, state), min(started), max(finished), argMax(parameters, state),
    argMax(code_version, state), argMax(counts, state), argMax(watermark, state), argMax(error, state)
FROM runs WHERE job = ? AND chain = ? GROUP BY run_id HAVING argMax(state, state) = 1 ORDER BY run_id DESC LIMIT 1`
	MaxIDQuery = "SELECT max(run_id) FROM runs"
	ListQuery  = `SELECT run_id, job, chain, argMax(status, state), min(started), max(finished), argMax(parameters, state),
    argMax(code_version, state), argMax(counts, state), argMax(watermark, state), argMax(error, state)
FROM runs WHERE job = ? GROUP BY run_id, job, chain ORDER BY run_id DESC LIMIT ?`
)

var columns = []string{"run_id", "job", "chain", "state", "status", "started", "finished", "parameters",
	"code_version", "counts", "watermark", "error"}

func record(r *Run, state uint8) store.Batch {
	return store.Batch{Table: "runs", Columns: columns, Data: []any{
		[]uint64{r.ID}, []string{r.Job}, []string{r.Chain}, []uint8{state}, []string{r.Status},
		[]time.Time{r.Started}, []time.Time{r.Finished}, []string{r.Parameters}, []string{r.CodeVersion},
		[]string{r.Counts}, []uint64{r.Watermark}, []string{r.Error},
	}}
}

func init() {
	t := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	sample := &Run{ID: 1704164645000000, Job: "cluster", Chain: "btc", Status: StatusDone, Started: t,
		Finished: t.Add(time.Minute), Parameters: `{"heuristics":["co-spend"]}`, CodeVersion: "dev",
		Counts: `{"addresses":3}`, Watermark: 101}
	store.Register(
		store.InsertStatement("runs.insert", record(sample, stateDone)),
		store.Statement{Name: "runs.last", SQL: LastQuery, Args: []any{"cluster", "btc"}},
		store.Statement{Name: "runs.max_id", SQL: MaxIDQuery},
		store.Statement{Name: "runs.list", SQL: ListQuery, Args: []any{"cluster", uint64(10)}},
	)
}

// Start records a new run of job on chain with its parameters (any JSON-encodable value). Its id is
// larger than every recorded run's, and at least the current time in microseconds.
func (rc *Recorder) Start(ctx context.Context, job, chain string, parameters any) (*Run, error) {
	params, err := json.Marshal(parameters)
	if err != nil {
		return nil, fmt.Errorf("encode parameters of %s run: %w", job, err)
	}
	var maxID uint64
	if err := rc.st.QueryRow(ctx, "read the last run id", MaxIDQuery, nil, &maxID); err != nil {
		return nil, err
	}
	now := rc.now().Truncate(time.Second)
	id := max(uint64(rc.now().UnixMicro()), maxID+1)
	r := &Run{ID: id, Job: job, Chain: chain, Status: StatusRunning, Started: now, Finished: now,
		Parameters: string(params), CodeVersion: rc.CodeVersion, Counts: "{}", st: rc.st}
	if err := rc.st.Insert(ctx, record(r, stateRunning)); err != nil {
		return nil, fmt.Errorf("record the start of %s run %d: %w", job, id, err)
	}
	return r, nil
}

// Finish records that the run ended well, with what it counted and the watermark it reached.
func (r *Run) Finish(ctx context.Context, counts any, watermark uint64) error {
	c, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("encode counts of %s run %d: %w", r.Job, r.ID, err)
	}
	r.Status, r.Counts, r.Watermark, r.Finished = StatusDone, string(c), watermark, time.Now().UTC().Truncate(time.Second)
	if err := r.st.Insert(ctx, record(r, stateDone)); err != nil {
		return fmt.Errorf("record the end of %s run %d: %w", r.Job, r.ID, err)
	}
	return nil
}

// Fail records that the run ended with an error (best effort: the error to report is cause).
func (r *Run) Fail(ctx context.Context, cause error) error {
	r.Status, r.Error, r.Finished = StatusFailed, cause.Error(), time.Now().UTC().Truncate(time.Second)
	return r.st.Insert(ctx, record(r, stateFailed))
}

func scanRun(r driver.Rows, withJob bool, run *Run) error {
	dest := []any{&run.ID}
	if withJob {
		dest = append(dest, &run.Job, &run.Chain)
	}
	dest = append(dest, &run.Status, &run.Started, &run.Finished, &run.Parameters, &run.CodeVersion, &run.Counts,
		&run.Watermark, &run.Error)
	return r.Scan(dest...)
}

// Last is the last run of job on chain that finished well, or nil.
func (rc *Recorder) Last(ctx context.Context, job, chain string) (*Run, error) {
	var last *Run
	err := rc.st.Query(ctx, "read the last "+job+" run", LastQuery, []any{job, chain}, func() { last = nil },
		func(rows driver.Rows) error {
			last = &Run{Job: job, Chain: chain, st: rc.st}
			return scanRun(rows, false, last)
		})
	return last, err
}

// List is the latest runs of job, newest first, in any state.
func (rc *Recorder) List(ctx context.Context, job string, limit int) ([]Run, error) {
	var out []Run
	err := rc.st.Query(ctx, "list "+job+" runs", ListQuery, []any{job, uint64(limit)}, func() { out = nil },
		func(rows driver.Rows) error {
			var run Run
			if err := scanRun(rows, true, &run); err != nil {
				return err
			}
			out = append(out, run)
			return nil
		})
	return out, err
}
