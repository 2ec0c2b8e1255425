package cluster

import (
	"testing"

	"github.com/chainsleuth/chainsleuth/heuristics/unionfind"
)

func ins(addrs ...string) []BTCInput {
	out := make([]BTCInput, len(addrs))
	for i, a := range addrs {
		out[i] = BTCInput{Address: a, ScriptType: "p2wpkh", Value: 1_000_000, ValueKnown: true}
	}
	return out
}

func outs(values ...uint64) []BTCOutput {
	out := make([]BTCOutput, len(values))
	for i, v := range values {
		out[i] = BTCOutput{Address: "out" + string(rune('a'+i)), ScriptType: "p2wpkh", Value: v}
	}
	return out
}

func TestCoinJoinPatterns(t *testing.T) {
	p := DefaultCoinJoinParams()
	wasabiOuts := outs(10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000,
		10_000_000, 10_000_000, 10_000_000, 2_345, 77_777)
	many := func(n int, prefix string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = prefix + string(rune('A'+i%26)) + string(rune('a'+i/26))
		}
		return out
	}
	w2 := make([]uint64, 60)
	for i := range w2 {
		w2[i] = uint64(5_000 * (1 + i/3))
	}
	cases := []struct {
		name    string
		tx      BTCTx
		pattern string
	}{
		{"a Whirlpool mix has five inputs and five outputs of a pool value", BTCTx{Inputs: ins("a", "b", "c", "d", "e"),
			Outputs: outs(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000)}, "whirlpool"},
		{"a Wasabi round has ten or more outputs of about 0.1 BTC", BTCTx{Inputs: ins(many(12, "w")...), Outputs: wasabiOuts}, "wasabi"},
		{"a WabiSabi round has many inputs and mostly repeated output values", BTCTx{Inputs: ins(many(60, "s")...), Outputs: outs(w2...)}, "wasabi2"},
		{"a JoinMarket round has p equal outputs of a random amount and p-1 changes", BTCTx{Inputs: ins("a", "b", "c", "d"),
			Outputs: outs(3_141_593, 3_141_593, 3_141_593, 120_000, 450_000)}, "joinmarket"},
		{"the simulator's rounds (p equal round outputs, p changes) match BlockSci's rule", BTCTx{Inputs: ins("a", "b", "c"),
			Outputs: outs(5_000_000, 5_000_000, 5_000_000, 1, 2, 3)}, "blocksci"},
		{"three equal outputs need three input addresses", BTCTx{Inputs: ins("a", "b", "b", "a"),
			Outputs: outs(700_000, 700_000, 700_000, 13, 14)}, ""},
		{"the equal value must occur exactly p times", BTCTx{Inputs: ins("a", "b", "c", "d"),
			Outputs: outs(700_000, 700_000, 700_000, 4, 13, 14, 15)}, ""},
		{"two equal outputs (BlockSci's p = 2) are a payment here", BTCTx{Inputs: ins("a", "b"),
			Outputs: outs(700_000, 700_000, 13)}, ""},
		{"an ordinary payment with change is no CoinJoin", BTCTx{Inputs: ins("a", "b"), Outputs: outs(500_000, 1_234_567)}, ""},
		{"a batch payout of distinct amounts is no CoinJoin", BTCTx{Inputs: ins("a", "b", "c"), Outputs: outs(1, 2, 3, 4, 5)}, ""},
		{"equal outputs from one input address are no CoinJoin", BTCTx{Inputs: ins("a", "a", "a"),
			Outputs: outs(700_000, 700_000, 700_000, 5, 6)}, ""},
		{"546-satoshi markers are not a denomination", BTCTx{Inputs: ins("a", "b"), Outputs: outs(546, 546, 9_999)}, ""},
		{"one input cannot be a CoinJoin", BTCTx{Inputs: ins("a"), Outputs: outs(700_000, 700_000, 13)}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.DetectCoinJoin(&c.tx)
			switch {
			case c.pattern == "" && got != nil:
				t.Fatalf("detected %+v", got)
			case c.pattern != "" && got == nil:
				t.Fatalf("not detected, want %s", c.pattern)
			case got != nil && got.Pattern != c.pattern:
				t.Fatalf("pattern %s, want %s", got.Pattern, c.pattern)
			}
		})
	}
}

func TestCoSpendLinksDistinctInputAddressesToTheFirst(t *testing.T) {
	cases := []struct {
		name   string
		inputs []string
		p      CoSpendParams
		want   [][2]string
	}{
		{"three addresses give two links", []string{"a", "b", "a", "c"}, DefaultCoSpendParams(), [][2]string{{"a", "b"}, {"a", "c"}}},
		{"one address spent twice gives none", []string{"a", "a"}, DefaultCoSpendParams(), nil},
		{"inputs of unknown address are skipped", []string{"", "b", "c"}, DefaultCoSpendParams(), [][2]string{{"b", "c"}}},
		{"too many addresses for the limit give none", []string{"a", "b", "c"}, CoSpendParams{Confidence: 1, MaxInputs: 2}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := BTCTx{TxID: "t", Height: 7, Index: 3, Inputs: ins(c.inputs...)}
			ev := c.p.CoSpendEvidence(&tx)
			if len(ev) != len(c.want) {
				t.Fatalf("evidence %+v, want %v", ev, c.want)
			}
			for i, w := range c.want {
				if ev[i].A != w[0] || ev[i].B != w[1] || ev[i].Heuristic != CoSpend || ev[i].Confidence != 1 || ev[i].Position != 7_000_003 {
					t.Errorf("link %d: %+v, want %v", i, ev[i], w)
				}
			}
		})
	}
}

func TestOneTimeChange(t *testing.T) {
	base := func() BTCTx {
		return BTCTx{TxID: "t", Inputs: ins("a", "b"), Outputs: []BTCOutput{
			{Address: "pay", ScriptType: "p2pkh", Value: 500_000},
			{Address: "chg", ScriptType: "p2wpkh", Value: 412_345, New: true},
		}}
	}
	cases := []struct {
		name   string
		change func(*BTCTx)
		want   string
	}{
		{"a fresh output of the inputs' type below the smallest input is change", func(*BTCTx) {}, "chg"},
		{"two fresh outputs leave it open", func(tx *BTCTx) { tx.Outputs[0].New = true }, ""},
		{"another script type is not change", func(tx *BTCTx) { tx.Outputs[1].ScriptType = "p2sh" }, ""},
		{"a round amount is a payment", func(tx *BTCTx) { tx.Outputs[1].Value = 400_000 }, ""},
		{"more than the smallest input is not change", func(tx *BTCTx) { tx.Outputs[1].Value = 1_000_001 }, ""},
		{"an unknown input value leaves it open", func(tx *BTCTx) { tx.Inputs[1].ValueKnown = false }, ""},
		{"inputs of mixed types leave it open", func(tx *BTCTx) { tx.Inputs[1].ScriptType = "p2pkh" }, ""},
		{"a single output is no payment with change", func(tx *BTCTx) { tx.Outputs = tx.Outputs[1:] }, ""},
		{"an output back to an input address is not fresh change", func(tx *BTCTx) { tx.Outputs[1].Address = "a" }, ""},
		{"change back to an input address makes the fresh output a payment", func(tx *BTCTx) {
			tx.Outputs = append(tx.Outputs, BTCOutput{Address: "b", ScriptType: "p2wpkh", Value: 3})
		}, ""},
		{"more than ten outputs is a batch", func(tx *BTCTx) {
			for range 9 {
				tx.Outputs = append(tx.Outputs, BTCOutput{Address: "x", ScriptType: "p2pkh", Value: 1})
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := base()
			c.change(&tx)
			ev := DefaultChangeParams().ChangeEvidence(&tx)
			switch {
			case c.want == "" && ev != nil:
				t.Fatalf("change %+v", ev)
			case c.want != "" && (ev == nil || ev.B != c.want || ev.A != "a" || ev.Confidence != 0.5):
				t.Fatalf("change %+v, want %s", ev, c.want)
			}
		})
	}
}

func TestGuardHoldsWeakLinksBetweenTwoLargeClusters(t *testing.T) {
	f := unionfind.New(10)
	for _, e := range [][2]uint32{{0, 1}, {1, 2}, {3, 4}, {4, 5}, {6, 7}} {
		f.Union(e[0], e[1])
	}
	g := GuardParams{MinSize: 3, StrongConfidence: 0.9}
	cases := []struct {
		name       string
		a, b       uint32
		confidence float64
		held       bool
	}{
		{"a weak link between two clusters of three is held", 2, 5, 0.5, true},
		{"a strong link between them passes", 2, 5, 1, false},
		{"a weak link to a small cluster passes", 2, 7, 0.5, false},
		{"a weak link inside one cluster passes", 0, 2, 0.5, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, held := g.Hold(f, c.a, c.b, &Evidence{Confidence: c.confidence})
			if held != c.held {
				t.Fatalf("held %v, want %v", held, c.held)
			}
			if held && (h.AClusterID != 0 || h.BClusterID != 3 || h.ASize != 3 || h.BSize != 3) {
				t.Fatalf("held merge %+v", h)
			}
		})
	}
	if _, held := (GuardParams{}).Hold(f, 2, 5, &Evidence{}); held {
		t.Error("a guard of size 0 is off")
	}
}
