package runs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestARunIsRecordedFromStartToEndAndTheLastFinishedOneIsFound(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	rc := runs.NewRecorder(st)
	if last, err := rc.Last(ctx, "cluster", "btc"); err != nil || last != nil {
		t.Fatalf("no run yet: got %+v, %v", last, err)
	}
	first, err := rc.Start(ctx, "cluster", "btc", map[string]any{"heuristics": []string{"co-spend"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Finish(ctx, map[string]int{"addresses": 7}, 120); err != nil {
		t.Fatal(err)
	}
	second, err := rc.Start(ctx, "cluster", "btc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID <= first.ID {
		t.Fatalf("run ids must grow: %d then %d", first.ID, second.ID)
	}
	if err := second.Fail(ctx, errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	third, err := rc.Start(ctx, "cluster", "btc", nil) // still running: never the last finished
	if err != nil {
		t.Fatal(err)
	}
	last, err := rc.Last(ctx, "cluster", "btc")
	if err != nil {
		t.Fatal(err)
	}
	if last == nil || last.ID != first.ID || last.Watermark != 120 || last.Counts != `{"addresses":7}` ||
		last.Parameters != `{"heuristics":["co-spend"]}` || last.Status != runs.StatusDone || last.CodeVersion == "" {
		t.Fatalf("last finished run: %+v", last)
	}
	if other, err := rc.Last(ctx, "cluster", "eth"); err != nil || other != nil {
		t.Fatalf("another chain has no run: %+v, %v", other, err)
	}
	list, err := rc.List(ctx, "cluster", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id     uint64
		status string
	}{{third.ID, runs.StatusRunning}, {second.ID, runs.StatusFailed}, {first.ID, runs.StatusDone}}
	if len(list) != len(want) {
		t.Fatalf("list: %+v", list)
	}
	for i, w := range want {
		if list[i].ID != w.id || list[i].Status != w.status {
			t.Errorf("run %d: %d %s, want %d %s", i, list[i].ID, list[i].Status, w.id, w.status)
		}
	}
	if list[1].Error != "boom" {
		t.Errorf("failed run's error: %q", list[1].Error)
	}
}
