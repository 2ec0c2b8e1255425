package btc

import (
	"reflect"
	"testing"
)

func TestApportionSplitsOutputsByInputValue(t *testing.T) {
	got := apportion(
		[]side{{"a", 3_000}, {"b", 1_000}},
		[]side{{"x", 2_000}, {"a", 1_500}, {"", 100}},
	)
	want := []edge{{"a", "x", 1_500}, {"b", "x", 500}, {"b", "a", 375}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestApportionIsExactForMainnetSizedAmounts(t *testing.T) {
	// 21M BTC in satoshi times itself overflows 64 bits: the split must not.
	const all = 2_100_000_000_000_000
	got := apportion([]side{{"a", all - 1}, {"b", 1}}, []side{{"x", all - 10}})
	if got[0].amount != all-11 || len(got) != 1 { // b's share floors to 0 and is dropped
		t.Fatalf("got %v", got)
	}
}

func TestApportionLeavesUnknownInputsSharesOut(t *testing.T) {
	got := apportion([]side{{"", 1}, {"a", 1}}, []side{{"x", 10}})
	if len(got) != 1 || got[0].amount != 5 {
		t.Fatalf("got %v", got)
	}
}

func TestApportionCapsEdgesOfHugeTransactions(t *testing.T) {
	var ins, outs []side
	for i := 0; i < 500; i++ {
		ins = append(ins, side{string(rune('A'+i%26)) + string(rune(i)), 1000})
		outs = append(outs, side{"o" + string(rune(i)), uint64(1000 + i)})
	}
	got := apportion(ins, outs)
	if len(got) > MaxEdgesPerTx || len(got) == 0 {
		t.Fatalf("%d edges", len(got))
	}
}

func TestSumByAddressMergesRepeats(t *testing.T) {
	got := sumByAddress([]string{"a", "b", "a"}, []uint64{1, 2, 3})
	if !reflect.DeepEqual(got, []side{{"a", 4}, {"b", 2}}) {
		t.Fatalf("got %v", got)
	}
}
