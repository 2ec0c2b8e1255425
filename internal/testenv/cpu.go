package testenv

import (
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MachineBusy is the CPU time the machine's cores have spent busy since boot
// (user, nice, system, irq and softirq of /proc/stat's first line, which
// counts in hundredths of a second), and false where that cannot be read.
// Benchmarks take it before and after a step to tell how many cores the
// step kept busy: every process on the machine counts (the node, ClickHouse,
// the benchmark), and so do other tenants.
func MachineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system (idle iowait) irq softirq
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true
}

// ProfileCPU starts a CPU profile into the file CHAINSLEUTH_BENCH_PROFILE
// names, for one step of a benchmark, and returns what stops it (nothing
// when the variable is unset).
func ProfileCPU(t testing.TB) (stop func()) {
	t.Helper()
	path := os.Getenv("CHAINSLEUTH_BENCH_PROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}
