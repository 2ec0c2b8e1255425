package cluster

import (
	"cmp"
	"context"
	"slices"
)

// ethEvidence runs the enabled Ethereum heuristics on a range. Deposit and airdrop links rest on history
// before the range (and qualify at a position), so their candidates are read once per run up to the
// run's last block and each range takes the links positioned inside it.
func ethEvidence(ctx context.Context, j *job, lo, hi uint64, _ *chunk) ([]Evidence, []CoinJoin, error) {
	if j.ethHistory == nil {
		j.ethHistory = []Evidence{}
		last := j.res.To - 1
		if j.enabled[Deposit] {
			fw, err := readDepositForwards(ctx, j, last)
			if err != nil {
				return nil, nil, err
			}
			p := j.cfg.Deposit
			if p.HotWallets, err = hotWallets(ctx, j); err != nil {
				return nil, nil, err
			}
			j.ethHistory = append(j.ethHistory, p.DepositEvidence(fw)...)
		}
		if j.enabled[Airdrop] {
			fw, err := readAirdropForwards(ctx, j, last)
			if err != nil {
				return nil, nil, err
			}
			j.ethHistory = append(j.ethHistory, j.cfg.Airdrop.AirdropEvidence(fw)...)
		}
	}
	var ev []Evidence
	for _, e := range j.ethHistory {
		if e.Position >= Position(lo, 0) && e.Position < Position(hi+1, 0) {
			ev = append(ev, e)
		}
	}
	if j.enabled[SelfAuth] {
		pulls, approvals, err := readSelfAuth(ctx, j, lo, hi)
		if err != nil {
			return nil, nil, err
		}
		ev = append(ev, j.cfg.SelfAuth.SelfAuthEvidence(pulls, approvals)...)
	}
	slices.SortStableFunc(ev, func(a, b Evidence) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.Heuristic, b.Heuristic), cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B))
	})
	return ev, nil, nil
}
