package main

import (
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
)

// ethNodeFlags are the flags of commands that read an Ethereum node.
func ethNodeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "eth-rpc", Usage: "node JSON-RPC URL http(s)://host:port (user:pass@ for basic auth)", EnvVars: []string{ethereum.EnvRPC}, Value: "http://127.0.0.1:8545"},
		&cli.DurationFlag{Name: "rpc-timeout", Usage: "how long one request to the node may take, retries of a node that does not answer included, before the command fails", EnvVars: []string{"CHAINSLEUTH_RPC_TIMEOUT"}, Value: 60 * time.Second},
	}
}

// dialEth connects to the Ethereum node the flags name, with the trace mode given.
func dialEth(c *cli.Context, traces string) (*ethereum.Client, error) {
	if d := c.Duration("rpc-timeout"); d <= 0 {
		return nil, usagef("--rpc-timeout %s: give a positive duration such as 30s", d)
	}
	return ethereum.Dial(c.Context, c.String("eth-rpc"), ethereum.Options{
		Traces: traces, Timeout: c.Duration("rpc-timeout"), Logger: slog.Default(),
	})
}
