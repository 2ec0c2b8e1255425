package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/heuristics/unionfind"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// JobName is the job's name in the runs table.
const JobName = "cluster"

// Config of a cluster run. DefaultConfig has the documented defaults.
type Config struct {
	// Heuristics that merge clusters (names as in AllHeuristics). Change evidence is recorded even when
	// change is not among them.
	Heuristics []string       `json:"heuristics"`
	CoSpend    CoSpendParams  `json:"co_spend"`
	CoinJoin   CoinJoinParams `json:"coinjoin"`
	Change     ChangeParams   `json:"change"`
	Deposit    DepositParams  `json:"deposit"`
	Airdrop    AirdropParams  `json:"airdrop"`
	SelfAuth   SelfAuthParams `json:"self_auth"`
	Guard      GuardParams    `json:"guard"`
	// ChunkBlocks is how many blocks are read and linked at a time. Default 200.
	ChunkBlocks int `json:"chunk_blocks"`
	// Full rebuilds the chain's clusters from scratch instead of continuing from the last run.
	Full   bool         `json:"full"`
	Logger *slog.Logger `json:"-"`
}

// DefaultConfig is the documented defaults with DefaultHeuristics.
func DefaultConfig() Config {
	return Config{Heuristics: DefaultHeuristics, CoSpend: DefaultCoSpendParams(), CoinJoin: DefaultCoinJoinParams(),
		Change: DefaultChangeParams(), Deposit: DefaultDepositParams(), Airdrop: DefaultAirdropParams(),
		SelfAuth: DefaultSelfAuthParams(), Guard: DefaultGuardParams(), ChunkBlocks: 200}
}

// Result counts what a run did.
type Result struct {
	Chain        string `json:"chain"`
	RunID        uint64 `json:"run_id"`
	Full         bool   `json:"full"`
	From         uint64 `json:"from"` // first height considered
	To           uint64 `json:"to"`   // the new watermark: heights below it are clustered
	Blocks       int    `json:"blocks"`
	Addresses    int    `json:"addresses"`
	NewAddresses int    `json:"new_addresses"`
	Evidence     int    `json:"evidence"`
	Merges       int    `json:"merges"` // links that joined two clusters
	Held         int    `json:"held"`
	CoinJoins    int    `json:"coinjoins"`
	Changed      int    `json:"changed_addresses"` // address_clusters rows written
	Clusters     int    `json:"clusters"`          // clusters of two or more addresses
	Largest      int    `json:"largest"`
}

// ErrStale is returned when the ingest checkpoint is below the last run's watermark (a reorg or a
// rollback removed blocks that were clustered): only a full run can rebuild the clusters.
var ErrStale = errors.New("the ingested chain ends below the last cluster run's watermark: run a full clustering (--full)")

// ErrLostRows is returned when address_clusters no longer holds a row for every address id, as every
// finished run leaves it. A run that did not finish wrote rows of a later run_id; a merge of the
// ReplacingMergeTree kept them in place of the finished run's rows of the same addresses, and the next run
// deleted them (cleanup): those addresses' clusters are gone, and an incremental run would take them for
// addresses of their own. Only a full run rebuilds them.
var ErrLostRows = errors.New("rows of the last finished cluster run are missing (replaced in a merge by the rows of a run that did not finish): run a full clustering (--full)")

// chainSpec is what the job needs to know about a chain.
type chainSpec struct {
	blocks       string // table with one row per block
	addressesSQL string // address, first position of a range; heights bound pairs times
	knownIDsSQL  string // address, id of the known addresses of a range
	pairs        int    // how many (from, to) height pairs the two statements take
	evidence     func(ctx context.Context, j *job, lo, hi uint64, c *chunk) ([]Evidence, []CoinJoin, error)
}

var specs = map[string]chainSpec{
	"btc": {blocks: "btc_blocks", addressesSQL: btcAddressesSQL, knownIDsSQL: btcKnownIDsSQL, pairs: 2, evidence: btcEvidence},
	"eth": {blocks: "eth_blocks", addressesSQL: ethAddressesSQL, knownIDsSQL: ethKnownIDsSQL, pairs: 3, evidence: ethEvidence},
}

// Chains the job can cluster.
func Chains() []string { return []string{"btc", "eth"} }

type job struct {
	st      *store.Store
	cfg     Config
	chain   string
	spec    chainSpec
	log     *slog.Logger
	run     *runs.Run
	enabled map[string]bool
	forest  *unionfind.Forest
	old     []uint32 // cluster of each id when the run started
	nextID  uint32
	res     Result
	// ethHistory holds the run's deposit and airdrop links (nil until the first Ethereum range).
	ethHistory []Evidence
}

// chunk holds the addresses of a range of blocks: their ids, first positions, and which were known
// before the range.
type chunk struct {
	ids   map[string]uint32
	first map[string]uint64
	known map[string]bool
}

// New reports whether addr appears for the first time at position pos.
func (c *chunk) New(addr string, pos uint64) bool { return !c.known[addr] && c.first[addr] == pos }

// Run clusters one chain: the blocks from the last finished run's watermark (or all, when cfg.Full) up to
// the ingest checkpoint. It records itself in runs.
func Run(ctx context.Context, st *store.Store, rec *runs.Recorder, chain string, cfg Config) (*Result, error) {
	spec, ok := specs[chain]
	if !ok {
		return nil, fmt.Errorf("cluster: unknown chain %q (use %s)", chain, strings.Join(Chains(), " or "))
	}
	for _, h := range cfg.Heuristics {
		if !slices.Contains(AllHeuristics, h) {
			return nil, fmt.Errorf("cluster: unknown heuristic %q (use %s)", h, strings.Join(AllHeuristics, ", "))
		}
	}
	if cfg.ChunkBlocks <= 0 {
		cfg.ChunkBlocks = 200
	}
	j := &job{st: st, cfg: cfg, chain: chain, spec: spec, log: cfg.Logger, enabled: map[string]bool{}}
	if j.log == nil {
		j.log = slog.Default()
	}
	for _, h := range cfg.Heuristics {
		j.enabled[h] = true
	}
	last, err := rec.Last(ctx, JobName, chain)
	if err != nil {
		return nil, err
	}
	if !cfg.Full && last != nil {
		if cfg.Full, err = unfinishedFull(ctx, rec, chain, last.ID); err != nil {
			return nil, err
		}
	}
	var from, after uint64
	if !cfg.Full && last != nil {
		from, after = last.Watermark, last.ID
	}
	next, _, err := checkpoint.New(st, chain, spec.blocks, nil, j.log).Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	to := uint64(next)
	if to < from {
		return nil, fmt.Errorf("%s checkpoint %d, last cluster run %d reached %d: %w", chain, to, after, from, ErrStale)
	}
	j.cfg.Logger = nil
	if j.run, err = rec.Start(ctx, JobName, chain, j.cfg); err != nil {
		return nil, err
	}
	j.res = Result{Chain: chain, RunID: j.run.ID, Full: cfg.Full, From: from, To: to}
	if err := j.do(ctx, after, from, to); err != nil {
		// Its rows go now, not at the next run: until they are gone, a merge can put them in place of
		// the finished run's rows of the same addresses (ErrLostRows).
		if cerr := j.cleanup(context.WithoutCancel(ctx), after); cerr != nil {
			j.log.Warn("could not remove the failed run's rows; the next run will", "run", j.run.ID, "err", cerr)
		}
		if ferr := j.run.Fail(context.WithoutCancel(ctx), err); ferr != nil {
			j.log.Warn("could not record the failed run", "run", j.run.ID, "err", ferr)
		}
		return nil, fmt.Errorf("cluster %s run %d: %w", chain, j.run.ID, err)
	}
	if err := j.run.Finish(ctx, j.res, to); err != nil {
		return nil, err
	}
	return &j.res, nil
}

// unfinishedFull reports whether a full run started after the last finished one and did not finish: it
// may have deleted that run's rows, so the next run must be full too.
func unfinishedFull(ctx context.Context, rec *runs.Recorder, chain string, lastID uint64) (bool, error) {
	list, err := rec.List(ctx, JobName, 100)
	if err != nil {
		return false, err
	}
	for _, r := range list {
		if r.Chain == chain && r.ID > lastID && strings.Contains(r.Parameters, `"full":true`) {
			return true, nil
		}
	}
	return false, nil
}

func (j *job) do(ctx context.Context, after, from, to uint64) error {
	if err := j.cleanup(ctx, after); err != nil {
		return err
	}
	if err := j.loadState(ctx); err != nil {
		return err
	}
	heights, err := j.heights(ctx, from, to)
	if err != nil {
		return err
	}
	j.res.Blocks = len(heights)
	for i := 0; i < len(heights); i += j.cfg.ChunkBlocks {
		lo, hi := heights[i], heights[min(i+j.cfg.ChunkBlocks, len(heights))-1]
		if err := j.chunk(ctx, lo, hi); err != nil {
			return fmt.Errorf("blocks %d-%d: %w", lo, hi, err)
		}
		j.log.Info("clustered", "chain", j.chain, "from", lo, "to", hi, "addresses", j.nextID, "merges", j.res.Merges)
	}
	return j.writeClusters(ctx)
}

// cleanup deletes what runs after the given one wrote (a run that died, or everything for a full run).
func (j *job) cleanup(ctx context.Context, after uint64) error {
	for _, t := range writtenTables {
		n, err := j.st.CountWhere(ctx, t, false, cleanupWhere, j.chain, after)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		j.log.Info("removing rows of unfinished or replaced runs", "chain", j.chain, "table", t, "rows", n)
		if err := j.st.DeleteWhere(ctx, t, cleanupWhere, j.chain, after); err != nil {
			return err
		}
	}
	return nil
}

// writeClusterHashes copies the run's address_clusters rows into address_cluster_hashes (ids below n;
// 80 s for a run that wrote 49M rows, docs/performance.md), and checks that every one of them got there: an address_clusters row whose id has no address would
// be a defect of this job, and a short copy would leave the score's map short without a word.
func (j *job) writeClusterHashes(ctx context.Context, n uint64) error {
	if j.res.Changed == 0 {
		return nil
	}
	// Chunks of the id space holding about clusterHashesChunk of the run's rows each: one for most
	// incremental runs, so that address_ids is read once.
	chunks := (uint64(j.res.Changed) + clusterHashesChunk - 1) / clusterHashesChunk
	step := (n + chunks - 1) / chunks
	for lo := uint64(0); lo < n; lo += step {
		hi := lo + step
		if err := j.st.Exec(ctx, "copy the run's clusters by address hash", clusterHashesSQL,
			j.chain, lo, hi, j.chain, j.run.ID, lo, hi); err != nil {
			return err
		}
	}
	got, err := j.st.CountWhere(ctx, "address_cluster_hashes", false, "chain = ? AND run_id = ?", j.chain, j.run.ID)
	if err != nil {
		return err
	}
	if got != uint64(j.res.Changed) {
		return fmt.Errorf("address_cluster_hashes of run %d: %d rows for %d address_clusters rows: %w", j.run.ID, got, j.res.Changed, store.ErrCountMismatch)
	}
	return nil
}

// loadState rebuilds the forest from address_clusters.
func (j *job) loadState(ctx context.Context) error {
	var count uint64
	var maxID uint32
	if err := j.st.QueryRow(ctx, "count address ids", nextIDSQL, []any{j.chain}, &count, &maxID); err != nil {
		return err
	}
	if count > 0 && uint64(maxID)+1 != count {
		return fmt.Errorf("address_ids of %s hold %d rows but the largest id is %d: ids are not dense; run a full clustering (--full)", j.chain, count, maxID)
	}
	j.nextID = uint32(count)
	j.forest = unionfind.New(int(count))
	j.old = make([]uint32, count)
	for i := range j.old {
		j.old[i] = uint32(i)
	}
	// The rows come in no useful order, so their unions jump across the whole forest: UnionPairs
	// overlaps their cache misses (about 1.5× one Union at a time on random links).
	pairs := make([]uint32, 0, 1<<16)
	var rows uint64 // every id has one row (FINAL), as every finished run leaves it
	err := j.st.Query(ctx, "read address clusters", stateSQL, []any{j.chain}, func() { rows = 0 }, func(r driver.Rows) error {
		var id, cid uint32
		if err := r.Scan(&id, &cid); err != nil {
			return err
		}
		rows++
		if uint64(id) >= count || uint64(cid) >= count {
			return fmt.Errorf("address_clusters of %s names id %d or cluster %d beyond the %d address ids", j.chain, id, cid, count)
		}
		j.old[id] = cid
		if pairs = append(pairs, id, cid); len(pairs) == cap(pairs) {
			j.forest.UnionPairs(pairs)
			pairs = pairs[:0]
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rows != count {
		return fmt.Errorf("address_clusters of %s hold %d rows for %d address ids: %w", j.chain, rows, count, ErrLostRows)
	}
	j.forest.UnionPairs(pairs)
	return nil
}

func (j *job) heights(ctx context.Context, from, to uint64) ([]uint64, error) {
	var out []uint64
	err := j.st.Query(ctx, "list "+j.chain+" blocks", fmt.Sprintf(heightsSQL, j.spec.blocks), []any{from, to},
		func() { out = out[:0] }, func(r driver.Rows) error {
			var h uint64
			err := r.Scan(&h)
			out = append(out, h)
			return err
		})
	return out, err
}

// rangeArgs repeats (lo, hi) for statements over several tables.
func rangeArgs(lo, hi uint64, pairs int) []any {
	out := make([]any, 0, 2*pairs)
	for range pairs {
		out = append(out, lo, hi)
	}
	return out
}

// addresses assigns ids to the new addresses of a range, in order of (first position, address).
func (j *job) addresses(ctx context.Context, lo, hi uint64) (*chunk, error) {
	c := &chunk{ids: map[string]uint32{}, first: map[string]uint64{}, known: map[string]bool{}}
	args := rangeArgs(lo, hi, j.spec.pairs)
	err := j.st.Query(ctx, "read addresses", j.spec.addressesSQL, args, func() { clear(c.first) }, func(r driver.Rows) error {
		var a string
		var p uint64
		err := r.Scan(&a, &p)
		c.first[a] = p
		return err
	})
	if err != nil {
		return nil, err
	}
	err = j.st.Query(ctx, "read known address ids", j.spec.knownIDsSQL, args, func() { clear(c.known) }, func(r driver.Rows) error {
		var a string
		var id uint32
		err := r.Scan(&a, &id)
		c.known[a], c.ids[a] = true, id
		return err
	})
	if err != nil {
		return nil, err
	}
	var fresh []string
	for a := range c.first {
		if !c.known[a] {
			fresh = append(fresh, a)
		}
	}
	return c, j.assign(ctx, c, fresh)
}

// assign gives fresh addresses the next ids, in order of (first position, address), and stores them.
func (j *job) assign(ctx context.Context, c *chunk, fresh []string) error {
	if len(fresh) == 0 {
		return nil
	}
	slices.SortFunc(fresh, func(a, b string) int { return cmp.Or(cmp.Compare(c.first[a], c.first[b]), cmp.Compare(a, b)) })
	if uint64(j.nextID)+uint64(len(fresh)) > unionfind.MaxID {
		return fmt.Errorf("more than %d addresses on %s: the id space is full", unionfind.MaxID, j.chain)
	}
	ids := make([]uint32, len(fresh))
	first := make([]uint64, len(fresh))
	for i, a := range fresh {
		ids[i], first[i] = j.nextID, c.first[a]
		c.ids[a] = j.nextID
		j.nextID++
	}
	j.forest.Grow(int(j.nextID))
	j.res.NewAddresses += len(fresh)
	return j.st.Insert(ctx, addressIDRows(j.chain, j.run.ID, fresh, ids, first))
}

// resolve finds the ids of evidence addresses outside the chunk (links that reach back in time).
func (j *job) resolve(ctx context.Context, c *chunk, ev []Evidence) error {
	var missing []string
	seen := map[string]bool{}
	for _, e := range ev {
		for _, a := range []string{e.A, e.B} {
			if _, ok := c.ids[a]; !ok && !seen[a] {
				seen[a] = true
				missing = append(missing, a)
			}
		}
	}
	for len(missing) > 0 {
		part := missing[:min(len(missing), 10_000)]
		missing = missing[len(part):]
		set := make([]any, len(part))
		for i, a := range part {
			set[i] = a
		}
		err := j.st.Query(ctx, "read address ids", idsOfSQL, []any{j.chain, ch.GroupSet{Value: set}}, nil, func(r driver.Rows) error {
			var a string
			var id uint32
			err := r.Scan(&a, &id)
			c.ids[a] = id
			return err
		})
		if err != nil {
			return err
		}
	}
	var unseen []string
	for a := range seen {
		if _, ok := c.ids[a]; !ok {
			unseen = append(unseen, a)
			c.first[a] = ev[0].Position
		}
	}
	if len(unseen) > 0 {
		j.log.Warn("evidence names addresses no table of the range holds; giving them ids", "chain", j.chain, "addresses", len(unseen))
	}
	return j.assign(ctx, c, unseen)
}

// chunk links one range of blocks.
func (j *job) chunk(ctx context.Context, lo, hi uint64) error {
	c, err := j.addresses(ctx, lo, hi)
	if err != nil {
		return err
	}
	ev, cjs, err := j.spec.evidence(ctx, j, lo, hi, c)
	if err != nil {
		return err
	}
	if err := j.resolve(ctx, c, ev); err != nil {
		return err
	}
	applied := make([]appliedEvidence, len(ev))
	var held []HeldMerge
	for i := range ev {
		e := &ev[i]
		a, b := c.ids[e.A], c.ids[e.B]
		applied[i] = appliedEvidence{Evidence: *e, AID: a, BID: b}
		if !j.enabled[e.Heuristic] {
			continue
		}
		if h, hold := j.cfg.Guard.Hold(j.forest, a, b, e); hold {
			held = append(held, *h)
			continue
		}
		applied[i].Merged = true
		if j.forest.Union(a, b) {
			j.res.Merges++
		}
	}
	j.res.Evidence += len(ev)
	j.res.Held += len(held)
	j.res.CoinJoins += len(cjs)
	for _, b := range []store.Batch{evidenceRows(j.chain, j.run.ID, applied), coinJoinRows(j.chain, j.run.ID, cjs),
		heldMergeRows(j.chain, j.run.ID, held)} {
		if b.Len() == 0 {
			continue
		}
		if err := j.st.Insert(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// writeClusters writes the ids that are new or moved, and the clusters they left and joined.
func (j *job) writeClusters(ctx context.Context) error {
	const flushAt = 500_000
	var ids, cids []uint32
	touched := map[uint32]bool{}
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		err := j.st.Insert(ctx, addressClusterRows(j.chain, j.run.ID, ids, cids))
		ids, cids = ids[:0], cids[:0]
		return err
	}
	n := j.forest.Len()
	sizes := map[uint32]int{}
	for i := range n {
		id := uint32(i)
		c := j.forest.Cluster(id)
		if s := j.forest.Size(id); s > 1 && c == id {
			sizes[c] = s
		}
		if i < len(j.old) && j.old[i] == c {
			continue
		}
		ids, cids = append(ids, id), append(cids, c)
		touched[c] = true
		if i < len(j.old) {
			touched[j.old[i]] = true
		}
		if len(ids) >= flushAt {
			if err := flush(); err != nil {
				return err
			}
		}
		j.res.Changed++
	}
	if err := flush(); err != nil {
		return err
	}
	if err := j.writeClusterHashes(ctx, uint64(n)); err != nil {
		return err
	}
	j.res.Addresses, j.res.Clusters = n, len(sizes)
	for _, s := range sizes {
		j.res.Largest = max(j.res.Largest, s)
	}
	var cl []uint32
	var sz []uint64
	for c := range touched {
		cl = append(cl, c)
		if j.forest.Cluster(c) == c {
			sz = append(sz, uint64(j.forest.Size(c)))
		} else {
			sz = append(sz, 0)
		}
	}
	if len(cl) == 0 {
		return nil
	}
	return j.st.Insert(ctx, clusterRows(j.chain, j.run.ID, cl, sz))
}
