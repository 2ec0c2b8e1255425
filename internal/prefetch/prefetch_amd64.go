package prefetch

// ForWrite issues PREFETCHW for each address (in prefetch_amd64.s): the
// lines are asked for as writable, as a table's insert or update needs
// them. One call takes a group of addresses, since an assembly function is
// never inlined.
//
//go:noescape
func ForWrite(addrs []uintptr)

// ForRead issues PREFETCHT0 for each address (in prefetch_amd64.s): the
// lines are asked for to be read, shared, as the lookups of a table that no
// longer changes need them, and as several goroutines may read it at once.
//
//go:noescape
func ForRead(addrs []uintptr)
