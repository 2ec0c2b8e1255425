//go:build !amd64

package prefetch

// ForWrite does nothing off amd64.
func ForWrite([]uintptr) {}

// ForRead does nothing off amd64.
func ForRead([]uintptr) {}
