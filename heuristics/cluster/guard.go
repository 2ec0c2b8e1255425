package cluster

import "github.com/chainsleuth/chainsleuth/heuristics/unionfind"

// GuardParams configure the super-cluster guard. One wrong link between two large clusters (a
// misread change output, an exchange's deposit address shared by accident) merges them into a
// "super-cluster" that swallows unrelated entities — the failure mode of naive change heuristics
// (Meiklejohn et al. 2013 kept the change heuristic conservative for this reason; Harrigan & Fretter,
// "The Unreasonable Effectiveness of Address Clustering", 2016, show how few links it takes).
//
// The rule: a link whose two clusters both hold at least MinSize addresses and whose confidence is
// below StrongConfidence is held back: it is recorded in held_merges (and its evidence with merged = 0)
// instead of being applied. Co-spend links (confidence 1) always pass.
type GuardParams struct {
	// MinSize is the cluster size from which a cluster counts as large. Default 1,000; 0 disables the guard.
	MinSize int `json:"min_size"`
	// StrongConfidence is the confidence from which a single link may join two large clusters. Default 0.9.
	StrongConfidence float64 `json:"strong_confidence"`
}

// DefaultGuardParams are the documented defaults.
func DefaultGuardParams() GuardParams { return GuardParams{MinSize: 1000, StrongConfidence: 0.9} }

// HeldMerge is a link the guard refused.
type HeldMerge struct {
	Evidence
	AClusterID, BClusterID uint32
	ASize, BSize           int
}

// Hold reports whether the link between ids a and b, with evidence e, must be held back.
func (p GuardParams) Hold(f *unionfind.Forest, a, b uint32, e *Evidence) (*HeldMerge, bool) {
	if p.MinSize <= 0 || e.Confidence >= p.StrongConfidence || f.Same(a, b) {
		return nil, false
	}
	sa, sb := f.Size(a), f.Size(b)
	if sa < p.MinSize || sb < p.MinSize {
		return nil, false
	}
	return &HeldMerge{Evidence: *e, AClusterID: f.Cluster(a), BClusterID: f.Cluster(b), ASize: sa, BSize: sb}, true
}
