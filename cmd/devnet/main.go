package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/internal/devnet"
)

// usageError marks errors that are the caller's: wrong flags or arguments.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return 0
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "devnet:") { // library errors already say where they come from
		msg = "devnet: " + msg
	}
	fmt.Fprintln(stderr, msg)
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

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "devnet",
		Usage:     "development chains for chainsleuth's tests, demo and simulator",
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are printed once, by run.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{
			Name:  "eth",
			Usage: "run an in-process Ethereum dev chain (go-ethereum, chain id 1337) until SIGINT/SIGTERM",
			Description: "Serves JSON-RPC (eth, net, web3, debug, txpool, dev) over HTTP. Blocks are sealed by\n" +
				"dev_mine / dev_mineMany(n), or as soon as transactions arrive with --auto-seal.\n" +
				"Prints \"devnet eth ready: URL chain_id=1337\" on stdout when it answers.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "http", Value: "127.0.0.1:8545", EnvVars: []string{"CHAINSLEUTH_DEVNET_HTTP"},
					Usage: "host:port for JSON-RPC over HTTP; port 0 picks a free one"},
				&cli.StringFlag{Name: "datadir", EnvVars: []string{"CHAINSLEUTH_DEVNET_DATADIR"},
					Usage: "keep the chain in `DIR` and reopen it next time (default: in memory, gone on exit)"},
				&cli.IntFlag{Name: "accounts", Value: devnet.DefaultAccounts, EnvVars: []string{"CHAINSLEUTH_DEVNET_ACCOUNTS"},
					Usage: "number of prefunded accounts (1,000,000 ETH each)"},
				&cli.BoolFlag{Name: "auto-seal", EnvVars: []string{"CHAINSLEUTH_DEVNET_AUTO_SEAL"},
					Usage: "seal a block as soon as transactions arrive (otherwise only dev_mine seals)"},
				&cli.StringFlag{Name: "verbosity", Value: "error", EnvVars: []string{"CHAINSLEUTH_DEVNET_VERBOSITY"},
					Usage: "go-ethereum's log level on stderr: off, error, warn, info, debug"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usageError{fmt.Sprintf("eth takes no arguments, got %q", c.Args().Slice())}
				}
				if c.Int("accounts") < 1 {
					return usageError{fmt.Sprintf("--accounts must be at least 1, got %d", c.Int("accounts"))}
				}
				if err := setGethLogLevel(c.String("verbosity"), stderr); err != nil {
					return err
				}
				return runEth(c.Context, devnet.Config{
					HTTPAddr: c.String("http"),
					DataDir:  c.String("datadir"),
					Accounts: c.Int("accounts"),
					AutoSeal: c.Bool("auto-seal"),
				}, stdout, stderr)
			},
		}},
	}
}

// setGethLogLevel sends go-ethereum's own log (silent by default in a library) to stderr.
func setGethLogLevel(level string, stderr io.Writer) error {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "off":
		return nil
	case "error":
		lvl = log.LevelError
	case "warn":
		lvl = log.LevelWarn
	case "info":
		lvl = log.LevelInfo
	case "debug":
		lvl = log.LevelDebug
	default:
		return usageError{fmt.Sprintf("--verbosity must be off, error, warn, info or debug, got %q", level)}
	}
	log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(stderr, lvl, false)))
	return nil
}

func runEth(ctx context.Context, cfg devnet.Config, stdout, stderr io.Writer) error {
	chain, err := devnet.Start(ctx, cfg)
	switch {
	case errors.Is(err, devnet.ErrAddrInUse):
		return fmt.Errorf("%w\n  another devnet or geth is probably listening there: stop it, or pass --http 127.0.0.1:0 to pick a free port", err)
	case errors.Is(err, devnet.ErrDataDirInUse):
		return fmt.Errorf("%w\n  another devnet is running on that --datadir: stop it, or choose another directory", err)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "devnet eth ready: %s chain_id=%d\n", chain.URL(), devnet.ChainID)
	fmt.Fprintf(stderr, "devnet eth: %d prefunded accounts, 1,000,000 ETH each. DEV-ONLY KEYS: they are public, never use them on a real network.\n", len(chain.Accounts()))
	for i, a := range chain.Accounts() {
		fmt.Fprintf(stderr, "  account %-3d %s  key 0x%x\n", i, a.Address, crypto.FromECDSA(a.Key))
	}
	sealing := "only on dev_mine / dev_mineMany"
	if cfg.AutoSeal {
		sealing = "as soon as transactions arrive, and on dev_mine / dev_mineMany"
	}
	fmt.Fprintf(stderr, "devnet eth: blocks are sealed %s; SIGINT or SIGTERM stops the chain\n", sealing)

	<-ctx.Done()
	fmt.Fprintln(stderr, "devnet eth: stopping")
	if err := chain.Close(); err != nil {
		return fmt.Errorf("stop the chain: %w", err)
	}
	fmt.Fprintf(stderr, "devnet eth: stopped at block %d\n", chain.Head())
	return nil
}
