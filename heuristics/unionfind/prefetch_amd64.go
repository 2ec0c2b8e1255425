package unionfind

// prefetchNodes asks the CPU to start loading the nodes of ids into cache without waiting for them (the
// PREFETCHT0 instruction, in prefetch_amd64.s). Plain loads would hold the core until they arrive; a
// prefetch retires at once, so the loads of the next pairs overlap the unions of these.
//
//go:noescape
func prefetchNodes(nodes *node, ids []uint32)
