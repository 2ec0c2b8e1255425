package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// version is set with -ldflags "-X main.version=…" by release builds.
var version = "dev"

// usageError marks errors that are the caller's: wrong flags or arguments.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args))
}

func run(ctx context.Context, args []string) int {
	app := newApp()
	err := loadFileSettings()
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		return 0
	}
	if name, ok := strings.CutPrefix(err.Error(), "No help topic for '"); ok {
		// urfave/cli's words for an unknown subcommand, such as a chain.
		err = usagef("unknown command or chain %q: the chains are btc and eth; see `chainsleuth --help`", strings.TrimSuffix(name, "'"))
	}
	fmt.Fprintln(os.Stderr, "chainsleuth:", err)
	var ue usageError
	if errors.As(err, &ue) || isFlagError(err) {
		return 2
	}
	return 1
}

func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined", "invalid value", "Required flag", "No help topic", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newApp() *cli.App {
	var stopProfiles func() error
	return &cli.App{
		Name:    "chainsleuth",
		Usage:   "on-chain analytics for finding illegal fundraising on Bitcoin and Ethereum",
		Version: version,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "clickhouse", Usage: "ClickHouse address clickhouse://user:pass@host:9000/database", EnvVars: []string{"CHAINSLEUTH_CLICKHOUSE"}, Value: store.DefaultDSN},
			&cli.StringFlag{Name: "cluster", Usage: "a ClickHouse cluster (remote_servers name) holding the schema as replicated local tables behind Distributed tables; empty for a single server", EnvVars: []string{"CHAINSLEUTH_CLUSTER"}},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"CHAINSLEUTH_LOG_LEVEL"}, Value: "info"},
			&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"CHAINSLEUTH_LOG_FORMAT"}, Value: "text"},
			profileFlags[0], profileFlags[1],
		},
		Before: func(c *cli.Context) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
				return usagef("--log-level %q: use debug, info, warn or error", c.String("log-level"))
			}
			opts := &slog.HandlerOptions{Level: level}
			switch c.String("log-format") {
			case "text":
				slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, opts)))
			case "json":
				slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, opts)))
			default:
				return usagef("--log-format %q: use text or json", c.String("log-format"))
			}
			var err error
			stopProfiles, err = startProfiles(c)
			return err
		},
		After: func(*cli.Context) error {
			if stopProfiles == nil {
				return nil
			}
			return stopProfiles()
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return usageError{err.Error()} },
		Commands: []*cli.Command{
			migrateCommand(),
			ingestCommand(),
			statsCommand(),
			verifyCommand(),
			sqlCommand(),
			simulateCommand(),
			clusterCommand(),
			importCommand(),
			attributeCommand(),
			companyCommand(),
			scoreCommand(),
			topCommand(),
			alertsCommand(),
			addressCommand(),
			traceCommand(),
			exportCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // run() maps errors to exit codes
	}
}

// openStore connects to the configured ClickHouse; write commands create the
// database, and every command but migrate checks the schema is current.
func openStore(c *cli.Context, create bool) (*store.Store, error) {
	st, err := store.Open(c.Context, c.String("clickhouse"), store.Options{CreateDatabase: create, Cluster: c.String("cluster")})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "create or update the ClickHouse schema (idempotent)",
		Action: func(c *cli.Context) error {
			st, err := openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			applied, err := st.Migrate(c.Context)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "schema of %s is current (server %s, %d migrations applied now)\n", st.DSN(), st.Version(), len(applied))
			return nil
		},
	}
}
