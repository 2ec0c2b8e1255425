// Package unionfind is the engine behind address clustering: a disjoint-set forest over dense address ids
// (0, 1, 2, … in order of first appearance), with union by size and path halving, so a stream of links
// (pairs of ids) merges clusters in nearly constant time per link.
//
// Memory is 8 bytes per address: one int32 per id (the parent, or for a root the negated size of its
// set) and one uint32 (for a root, the smallest id in its set). The smallest id is the cluster id: it does
// not change as a cluster grows, except when the cluster merges with one holding a smaller id, so ids
// stay stable across incremental runs. Ids are limited to 2^31-1 (about 2.1 billion addresses).
//
// The partition a stream of unions produces does not depend on their order, and neither do the cluster
// ids; only the shape of the trees does.
//
// Union takes one link; UnionPairs takes many and prefetches the nodes of later links while it joins the
// earlier ones, which is what keeps links in random order fast (docs/performance.md). The forest's array
// is advised into huge pages on Linux, for the same reason.
package unionfind
