package main

import (
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/metrics"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/progress"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func rangeFlags(confirmations int64) []cli.Flag {
	return []cli.Flag{
		&cli.Int64Flag{Name: "from", Usage: "first height (default: resume from the checkpoint, or 0)", Value: -1},
		&cli.Int64Flag{Name: "to", Usage: "last height, inclusive (default: the confirmed tip)", Value: -1},
		&cli.BoolFlag{Name: "follow", Usage: "keep tailing the chain after the confirmed tip"},
		&cli.Int64Flag{Name: "confirmations", Usage: "ingest only blocks at least this deep", Value: confirmations},
		&cli.IntFlag{Name: "workers", Usage: "parallel block fetchers", Value: 4},
		&cli.IntFlag{Name: "batch-blocks", Usage: "blocks per ClickHouse batch (at most)", Value: 500},
		&cli.IntFlag{Name: "batch-rows", Usage: "rows per ClickHouse batch (about)", Value: 500_000},
		&cli.StringFlag{Name: "progress", Usage: "auto (a bar on a terminal), bar or log", Value: "auto"},
		&cli.DurationFlag{Name: "poll", Usage: "how often --follow asks the node for new blocks", Value: 2 * time.Second},
		&cli.StringFlag{Name: "metrics-addr", Usage: "serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464)", EnvVars: []string{"CHAINSLEUTH_METRICS_ADDR"}},
	}
}

// ingestRun wires progress display and metrics around one chain's ingest.
type ingestRun struct {
	chain   string
	rep     *progress.Reporter
	metrics *metrics.Registry
}

func newIngestRun(c *cli.Context, chainName string) (*ingestRun, error) {
	r := &ingestRun{chain: chainName, rep: progress.New(chainName, c.String("progress"), slog.Default()), metrics: metrics.New()}
	if addr := c.String("metrics-addr"); addr != "" {
		if err := r.metrics.Serve(c.Context, addr, slog.Default()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *ingestRun) progress(p pipeline.Progress) {
	r.rep.Update(p)
	r.metrics.Committed(r.chain, p.Blocks, p.Txs, p.Height, p.Target)
}

// finish reports the end of the run.
func (r *ingestRun) finish(err error) {
	r.rep.Done()
	if err != nil {
		r.metrics.Failed(r.chain)
	}
}

func pipelineOptions(c *cli.Context, run *ingestRun) (pipeline.Options, error) {
	o := pipeline.Options{
		From: c.Int64("from"), To: c.Int64("to"), Follow: c.Bool("follow"),
		Confirmations: c.Int64("confirmations"), Workers: c.Int("workers"),
		BatchBlocks: c.Int("batch-blocks"), BatchRows: c.Int("batch-rows"),
		PollInterval: c.Duration("poll"), Logger: slog.Default(), Progress: run.progress,
	}
	switch {
	case o.From < -1 || o.To < -1:
		return o, usagef("--from and --to must be heights (0 or more)")
	case o.To >= 0 && o.From > o.To:
		return o, usagef("--from %d is above --to %d", o.From, o.To)
	case o.Follow && o.To >= 0:
		return o, usagef("--follow and --to exclude each other")
	case o.Confirmations < 0:
		return o, usagef("--confirmations must be 0 or more")
	case o.Workers < 1 || o.Workers > 64:
		return o, usagef("--workers must be between 1 and 64")
	}
	return o, nil
}

func checkProgressFlag(c *cli.Context) error {
	if m := c.String("progress"); m != "auto" && m != "bar" && m != "log" {
		return usagef("--progress %q: use auto, bar or log", m)
	}
	return nil
}

func ingestCommand() *cli.Command {
	return &cli.Command{
		Name:  "ingest",
		Usage: "read blocks from a node into ClickHouse (resumable, reorg-safe)",
		Subcommands: []*cli.Command{
			{
				Name:  "btc",
				Usage: "ingest Bitcoin from btcd or Bitcoin Core over JSON-RPC",
				Flags: append(append(rangeFlags(6), btcNodeFlags()...),
					&cli.IntFlag{Name: "prevout-cache", Usage: "recent outputs kept in memory for resolving inputs", Value: 1_000_000},
					&cli.BoolFlag{Name: "prevouts-from-node", Usage: "ask the node (getrawtransaction, needs -txindex) for outputs spent from before the ingested range", Value: true},
				),
				Action: ingestBTC,
			},
			{
				Name:  "eth",
				Usage: "ingest Ethereum from geth, erigon or reth over JSON-RPC (blocks, receipts, logs, token transfers, traces)",
				Flags: append(append(rangeFlags(64), ethNodeFlags()...),
					&cli.StringFlag{Name: "traces", Usage: "internal transfers from auto (probe the node), debug (debug_traceBlockByNumber callTracer), parity (trace_block) or off", Value: ethereum.TracesAuto},
					&cli.BoolFlag{Name: "backfill-traces", Usage: "instead of ingesting new blocks, add the traces (internal transfers) of stored blocks ingested without them"},
				),
				Action: ingestETH,
			},
		},
	}
}

// beginIngest checks the common flags and sets up progress and metrics.
func beginIngest(c *cli.Context, chainName string) (*ingestRun, pipeline.Options, error) {
	if err := checkProgressFlag(c); err != nil {
		return nil, pipeline.Options{}, err
	}
	run, err := newIngestRun(c, chainName)
	if err != nil {
		return nil, pipeline.Options{}, err
	}
	opts, err := pipelineOptions(c, run)
	return run, opts, err
}

// openMigrated opens the store, creating the database and applying
// migrations. Callers dial the node first: a wrong URL should fail before
// anything is written.
func openMigrated(c *cli.Context) (*store.Store, error) {
	st, err := openStore(c, true)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(c.Context); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func ingestBTC(c *cli.Context) error {
	run, opts, err := beginIngest(c, chain.Bitcoin)
	if err != nil {
		return err
	}
	node, err := dialBTC(c)
	if err != nil {
		return err
	}
	defer node.Close()
	st, err := openMigrated(c)
	if err != nil {
		return err
	}
	defer st.Close()
	slog.Info("ingest starting", "chain", chain.Bitcoin, "network", node.Chain(), "clickhouse", st.DSN().String())
	sink := btc.NewSink(st, node, btc.Config{
		CacheEntries: c.Int("prevout-cache"), PrevoutsFromNode: c.Bool("prevouts-from-node"), Logger: slog.Default(),
	})
	err = pipeline.Run[btc.Block](c.Context, btc.Source{Client: node}, sink, opts)
	run.finish(err)
	s := sink.Stats
	slog.Info("spent outputs resolved", "from_batch", s.Batch, "from_cache", s.Cache, "from_lookup", s.Lookup, "inferred", s.Inferred, "unknown", s.Unknown)
	return err
}

func ingestETH(c *cli.Context) error {
	switch m := c.String("traces"); m {
	case ethereum.TracesAuto, ethereum.TracesDebug, ethereum.TracesParity, ethereum.TracesOff:
	default:
		return usagef("--traces %q: use auto, debug, parity or off", m)
	}
	run, opts, err := beginIngest(c, chain.Ethereum)
	if err != nil {
		return err
	}
	node, err := dialEth(c, c.String("traces"))
	if err != nil {
		return err
	}
	defer node.Close()
	st, err := openMigrated(c)
	if err != nil {
		return err
	}
	defer st.Close()
	slog.Info("ingest starting", "chain", chain.Ethereum, "chain_id", node.ChainID(), "traces", node.TracesMode(), "clickhouse", st.DSN().String())
	sink := eth.NewSink(st, node, eth.Config{Logger: slog.Default()})
	if c.Bool("backfill-traces") {
		if c.String("traces") == ethereum.TracesOff {
			return usagef("--backfill-traces needs traces: use --traces auto, debug or parity")
		}
		n, err := sink.Backfill(c.Context, eth.Source{Client: node}, c.Int("batch-blocks"), func(p eth.BackfillProgress) {
			slog.Info("traces backfilled", "chain", chain.Ethereum, "blocks", p.Done, "of", p.Total)
		})
		run.finish(err)
		if err == nil {
			slog.Info("backfill done", "chain", chain.Ethereum, "blocks", n)
		}
		return err
	}
	err = pipeline.Run[eth.Block](c.Context, eth.Source{Client: node}, sink, opts)
	run.finish(err)
	return err
}
