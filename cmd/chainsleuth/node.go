package main

import (
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/chain/ethereum"
)

// rpcCAFileFlag is the CA of https nodes, for both chains.
func rpcCAFileFlag() cli.Flag {
	return &cli.StringFlag{Name: "rpc-ca-file", Usage: "PEM file of the CA that signed an https node's certificate (default: the system's CAs)", EnvVars: []string{ethereum.EnvCAFile}}
}

// btcNodeFlags are the flags of commands that read a Bitcoin node.
func btcNodeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "btc-rpc", Usage: "node JSON-RPC URL http(s)://user:pass@host:port", EnvVars: []string{bitcoin.EnvRPC}, Value: "http://127.0.0.1:8332"},
		rpcTimeoutFlag(),
		rpcCAFileFlag(),
	}
}

// dialBTC connects to the Bitcoin node the flags name.
func dialBTC(c *cli.Context) (*bitcoin.Client, error) {
	timeout, err := rpcTimeout(c)
	if err != nil {
		return nil, err
	}
	return bitcoin.DialOptions(c.Context, c.String("btc-rpc"), bitcoin.Options{CAFile: c.String("rpc-ca-file"), Timeout: timeout})
}

// ethNodeFlags are the flags of commands that read an Ethereum node.
func ethNodeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "eth-rpc", Usage: "node JSON-RPC URL http(s)://host:port (user:pass@ for basic auth)", EnvVars: []string{ethereum.EnvRPC}, Value: "http://127.0.0.1:8545"},
		rpcTimeoutFlag(),
		rpcCAFileFlag(),
		&cli.BoolFlag{Name: "rpc-insecure", Usage: "accept any certificate from an https node (encrypted, not authenticated: tests and private networks only)", EnvVars: []string{"CHAINSLEUTH_RPC_INSECURE"}},
	}
}

// dialEth connects to the Ethereum node the flags name, with the trace mode given.
func dialEth(c *cli.Context, traces string) (*ethereum.Client, error) {
	timeout, err := rpcTimeout(c)
	if err != nil {
		return nil, err
	}
	if c.Bool("rpc-insecure") {
		slog.Warn("--rpc-insecure: the node's certificate is not verified", "chain", "eth")
	}
	return ethereum.Dial(c.Context, c.String("eth-rpc"), ethereum.Options{
		Traces: traces, Timeout: timeout, Logger: slog.Default(),
		CAFile: c.String("rpc-ca-file"), InsecureSkipVerify: c.Bool("rpc-insecure"),
	})
}

// rpcTimeout is --rpc-timeout, which must be positive.
func rpcTimeout(c *cli.Context) (time.Duration, error) {
	d := c.Duration("rpc-timeout")
	if d <= 0 {
		return 0, usagef("--rpc-timeout %s: give a positive duration such as 30s", d)
	}
	return d, nil
}

// rpcTimeoutFlag bounds each request to a node (both chains).
func rpcTimeoutFlag() cli.Flag {
	return &cli.DurationFlag{Name: "rpc-timeout", Usage: "how long one request to the node may take (Ethereum: its retries of a node that does not answer included) before the command fails", EnvVars: []string{"CHAINSLEUTH_RPC_TIMEOUT"}, Value: 60 * time.Second}
}
