package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/urfave/cli/v2"
)

// Profiling flags: any command can write a CPU profile and a heap profile for
// `go tool pprof` (docs/performance.md says which hot paths they showed).
var profileFlags = []cli.Flag{
	&cli.StringFlag{Name: "cpu-profile", Usage: "write a CPU profile of the command to `FILE` (go tool pprof)", EnvVars: []string{"CHAINSLEUTH_CPU_PROFILE"}},
	&cli.StringFlag{Name: "mem-profile", Usage: "write a heap profile at the end of the command to `FILE` (go tool pprof)", EnvVars: []string{"CHAINSLEUTH_MEM_PROFILE"}},
}

// startProfiles starts the CPU profile when asked; the returned function
// stops it and writes the heap profile.
func startProfiles(c *cli.Context) (stop func() error, err error) {
	var cpu *os.File
	if path := c.String("cpu-profile"); path != "" {
		if cpu, err = os.Create(path); err != nil {
			return nil, fmt.Errorf("--cpu-profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("--cpu-profile: %w", err)
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("--cpu-profile: %w", err)
			}
		}
		path := c.String("mem-profile")
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--mem-profile: %w", err)
		}
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return fmt.Errorf("--mem-profile: %w", err)
		}
		return f.Close()
	}, nil
}
