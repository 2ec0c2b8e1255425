//go:build !amd64

package unionfind

// prefetchNodes does nothing off amd64: UnionPairs is then a plain loop of unions.
func prefetchNodes(*node, []uint32) {}
