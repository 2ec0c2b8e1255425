//go:build !linux

package unionfind

// adviseHugePages does nothing off Linux.
func adviseHugePages([]node) {}
