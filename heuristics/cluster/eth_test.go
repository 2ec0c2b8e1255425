package cluster

import (
	"fmt"
	"testing"
)

func links(ev []Evidence) []string {
	var out []string
	for _, e := range ev {
		out = append(out, fmt.Sprintf("%s:%s-%s@%d", e.Heuristic, e.A, e.B, e.Position))
	}
	return out
}

func sameLinks(t *testing.T, got []Evidence, want ...string) {
	t.Helper()
	g := links(got)
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("links %v, want %v", g, want)
	}
}

func TestDepositReuse(t *testing.T) {
	fw := func(pos uint64, dep, hot, payer string) depositForward {
		return depositForward{Tx: fmt.Sprint("t", pos), Pos: pos, PayerPos: pos - 1, Deposit: dep, Hot: hot, Payer: payer}
	}
	p := DefaultDepositParams()
	cases := []struct {
		name string
		p    DepositParams
		fw   []depositForward
		want []string
	}{
		{"three deposit addresses make a hot wallet; the earlier ones link when it qualifies", p,
			[]depositForward{fw(10, "d1", "H", "u1"), fw(20, "d2", "H", "u2"), fw(30, "d3", "H", "u3")},
			[]string{"deposit:H-d1@30", "deposit:H-d2@30", "deposit:H-d3@30"}},
		{"two deposit addresses are not enough", p,
			[]depositForward{fw(10, "d1", "H", "u1"), fw(20, "d2", "H", "u2")}, nil},
		{"a listed hot wallet needs no count", DepositParams{HotWallets: []string{"H"}, MinDeposits: 3, Confidence: 0.8},
			[]depositForward{fw(10, "d1", "H", "u1")}, []string{"deposit:H-d1@10"}},
		{"payers into one deposit address are one user", DepositParams{HotWallets: []string{"H"}, MinDeposits: 3, Confidence: 0.8},
			[]depositForward{fw(10, "d1", "H", "u1"), fw(20, "d1", "H", "u1b"), fw(30, "d1", "H", "u1")},
			[]string{"deposit:H-d1@10", "deposit:u1-u1b@20"}},
		{"forwards in any order give the same links", p,
			[]depositForward{fw(30, "d3", "H", "u3"), fw(10, "d1", "H", "u1"), fw(20, "d2", "H", "u2")},
			[]string{"deposit:H-d1@30", "deposit:H-d2@30", "deposit:H-d3@30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := c.p.DepositEvidence(c.fw)
			sameLinks(t, ev, c.want...)
			for _, e := range ev {
				if e.Confidence != 0.8 || e.Height != e.Position/PositionScale {
					t.Errorf("evidence %+v", e)
				}
			}
		})
	}
}

func TestAirdropMultiParticipation(t *testing.T) {
	fw := func(pos uint64, r, c string) airdropForward {
		return airdropForward{Tx: fmt.Sprint("t", pos), Pos: pos, Recipient: r, Collector: c, Token: "T"}
	}
	cases := []struct {
		name string
		fw   []airdropForward
		want []string
	}{
		{"recipients forwarding to one collector join it from the second one on",
			[]airdropForward{fw(5, "r1", "C"), fw(9, "r2", "C"), fw(12, "r3", "C")},
			[]string{"airdrop:C-r1@9", "airdrop:C-r2@9", "airdrop:C-r3@12"}},
		{"one recipient selling to an address is no farm", []airdropForward{fw(5, "r1", "DEX")}, nil},
		{"a recipient forwarding twice links once", []airdropForward{fw(5, "r1", "C"), fw(6, "r1", "C"), fw(7, "r2", "C")},
			[]string{"airdrop:C-r1@7", "airdrop:C-r2@7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { sameLinks(t, DefaultAirdropParams().AirdropEvidence(c.fw), c.want...) })
	}
}

func TestSelfAuthorization(t *testing.T) {
	pulls := []pull{{Tx: "a", Pos: 50, Token: "T", Owner: "o1", Spender: "s1"}, {Tx: "b", Pos: 60, Token: "T", Owner: "o2", Spender: "s2"},
		{Tx: "c", Pos: 70, Token: "U", Owner: "o3", Spender: "s3"}}
	approvals := map[[3]string]uint64{
		{"T", "o1", "s1"}: 40, // approved before the pull: linked
		{"T", "o2", "s2"}: 65, // approved after it: not this pull
		{"T", "o3", "s3"}: 10, // another token's approval
	}
	sameLinks(t, DefaultSelfAuthParams().SelfAuthEvidence(pulls, approvals), "self-auth:o1-s1@50")
}
