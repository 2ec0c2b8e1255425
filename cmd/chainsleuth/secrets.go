package main

import (
	"fmt"
	"os"
	"strings"
)

// fileSettings are the settings that may hold credentials; each may instead
// be read from the file its _FILE variable names (Docker and Kubernetes
// secrets), so that the password is in neither the command line nor the
// environment of the process.
var fileSettings = []string{"CHAINSLEUTH_CLICKHOUSE", "CHAINSLEUTH_BTC_RPC", "CHAINSLEUTH_ETH_RPC"}

// loadFileSettings sets each of fileSettings from its _FILE file when the
// variable itself is not set. Errors name the variable, never the content.
func loadFileSettings() error {
	for _, name := range fileSettings {
		path := os.Getenv(name + "_FILE")
		if path == "" {
			continue
		}
		if os.Getenv(name) != "" {
			return usagef("both %s and %s_FILE are set: keep one", name, name)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s_FILE: %w", name, err)
		}
		value := strings.TrimSpace(string(data))
		if value == "" || strings.ContainsAny(value, "\n\r") {
			return usagef("%s_FILE %s: want one line holding the address", name, path)
		}
		if err := os.Setenv(name, value); err != nil {
			return fmt.Errorf("set %s from %s_FILE: %w", name, name, err)
		}
	}
	return nil
}
