package score

// SetClusterMapChunk makes the cluster map fill n address ids per insert
// until the returned function restores the size.
func SetClusterMapChunk(n uint64) (restore func()) {
	old := clusterMapChunk
	clusterMapChunk = n
	return func() { clusterMapChunk = old }
}
