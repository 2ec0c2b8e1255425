package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// A chain whose blocks can be swapped from a height up (a reorg on demand):
// the one thing no real regtest node here does on request. The Sink is an
// in-memory store with the same contract as the ClickHouse sinks.

type memBlock struct {
	h            int64
	hash, parent string
}

func (b memBlock) BlockHeight() int64 { return b.h }
func (b memBlock) BlockHash() string  { return b.hash }
func (b memBlock) ParentHash() string { return b.parent }
func (b memBlock) Rows() int          { return 10 }
func (b memBlock) TxCount() int       { return 1 }

type memChain struct {
	mu     sync.Mutex
	blocks []memBlock
	jitter bool
}

func newChain(n int, fork string) *memChain {
	c := &memChain{}
	c.extend(n, fork)
	return c
}

func (c *memChain) extend(n int, fork string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < n; i++ {
		h := int64(len(c.blocks))
		parent := ""
		if h > 0 {
			parent = c.blocks[h-1].hash
		}
		c.blocks = append(c.blocks, memBlock{h: h, hash: fmt.Sprintf("%s-%d", fork, h), parent: parent})
	}
}

// reorg replaces every block from height on with a fork of the same length plus extra.
func (c *memChain) reorg(height int64, extra int, fork string) {
	c.mu.Lock()
	n := len(c.blocks) - int(height) + extra
	c.blocks = c.blocks[:height]
	c.mu.Unlock()
	c.extend(n, fork)
}

func (c *memChain) TipHeight(context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.blocks) - 1), nil
}

func (c *memChain) HashAt(_ context.Context, h int64) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h < 0 || h >= int64(len(c.blocks)) {
		return "", fmt.Errorf("no block %d", h)
	}
	return c.blocks[h].hash, nil
}

func (c *memChain) Fetch(_ context.Context, h int64) (memBlock, error) {
	if c.jitter {
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if h >= int64(len(c.blocks)) {
		return memBlock{}, fmt.Errorf("no block %d", h)
	}
	return c.blocks[h], nil
}

type memSink struct {
	mu        sync.Mutex
	rows      map[int64]string
	next      int64
	last      string
	commits   int
	failAfter int // fail the Nth commit after writing its rows, before the checkpoint (a crash)
}

func (s *memSink) Checkpoint(context.Context) (int64, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next, s.last, nil
}
func (s *memSink) StoredHash(_ context.Context, h int64) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.rows[h]
	return v, ok, nil
}
func (s *memSink) Rollback(_ context.Context, from int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h := range s.rows {
		if h >= from {
			delete(s.rows, h)
		}
	}
	s.next = from
	s.last = s.rows[from-1]
	return nil
}
func (s *memSink) Commit(_ context.Context, bs []memBlock) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bs[0].h != s.next {
		return fmt.Errorf("commit starts at %d, checkpoint is %d", bs[0].h, s.next)
	}
	for _, b := range bs {
		s.rows[b.h] = b.hash
	}
	s.commits++
	if s.failAfter > 0 && s.commits == s.failAfter {
		return fmt.Errorf("crash after rows, before checkpoint")
	}
	s.next = bs[len(bs)-1].h + 1
	s.last = bs[len(bs)-1].hash
	return nil
}

func opts() Options {
	return Options{From: -1, To: -1, Workers: 3, BatchBlocks: 7, Linger: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond}
}

func assertMatches(t *testing.T, c *memChain, s *memSink, upTo int64) {
	t.Helper()
	if int64(len(s.rows)) != upTo+1 {
		t.Fatalf("stored %d blocks, want %d", len(s.rows), upTo+1)
	}
	for h := int64(0); h <= upTo; h++ {
		if s.rows[h] != c.blocks[h].hash {
			t.Fatalf("height %d: stored %s, chain has %s", h, s.rows[h], c.blocks[h].hash)
		}
	}
}

func TestRunIngestsEveryBlockInOrderWithManyWorkers(t *testing.T) {
	c := newChain(200, "a")
	c.jitter = true
	s := &memSink{rows: map[int64]string{}}
	var seen []int64
	o := opts()
	o.Progress = func(p Progress) { seen = append(seen, p.Height) }
	if err := Run[memBlock](context.Background(), c, s, o); err != nil {
		t.Fatal(err)
	}
	assertMatches(t, c, s, 199)
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("progress went backwards: %v", seen)
		}
	}
}

func TestRunStopsShortOfTheConfirmationDepth(t *testing.T) {
	c := newChain(50, "a")
	s := &memSink{rows: map[int64]string{}}
	o := opts()
	o.Confirmations = 6
	if err := Run[memBlock](context.Background(), c, s, o); err != nil {
		t.Fatal(err)
	}
	if s.next != 45 { // tip 49; 49-6+1 = 44 is the last block with 6 confirmations
		t.Fatalf("next = %d, want 45", s.next)
	}
}

func TestRunResumesAfterACrashBetweenRowsAndCheckpoint(t *testing.T) {
	c := newChain(100, "a")
	s := &memSink{rows: map[int64]string{}, failAfter: 3}
	if err := Run[memBlock](context.Background(), c, s, opts()); err == nil {
		t.Fatal("the crashing commit did not surface")
	}
	if len(s.rows) <= int(s.next) {
		t.Fatal("test setup: the crash left no rows above the checkpoint")
	}
	// Between the crash and the restart the node reorganises the rows the
	// crashed batch wrote: the restart must not keep them.
	c.reorg(s.next, 3, "b")
	s.failAfter = 0
	if err := Run[memBlock](context.Background(), c, s, opts()); err != nil {
		t.Fatal(err)
	}
	assertMatches(t, c, s, int64(len(c.blocks)-1))
}

func TestRunRollsBackAReorgBelowTheStoredTip(t *testing.T) {
	for _, depth := range []int64{1, 5, 30} {
		t.Run(fmt.Sprintf("depth %d", depth), func(t *testing.T) {
			c := newChain(100, "a")
			s := &memSink{rows: map[int64]string{}}
			if err := Run[memBlock](context.Background(), c, s, opts()); err != nil {
				t.Fatal(err)
			}
			c.reorg(100-depth, 2, "b")
			if err := Run[memBlock](context.Background(), c, s, opts()); err != nil {
				t.Fatal(err)
			}
			assertMatches(t, c, s, 101)
		})
	}
}

func TestRunGivesUpOnAReorgDeeperThanAllowed(t *testing.T) {
	c := newChain(60, "a")
	s := &memSink{rows: map[int64]string{}}
	if err := Run[memBlock](context.Background(), c, s, opts()); err != nil {
		t.Fatal(err)
	}
	c.reorg(10, 1, "b")
	o := opts()
	o.MaxReorgDepth = 20
	err := Run[memBlock](context.Background(), c, s, o)
	if err == nil || !errorsIs(err, ErrReorgTooDeep) {
		t.Fatalf("got %v, want ErrReorgTooDeep", err)
	}
}

func TestFollowPicksUpNewBlocksAndReorgsUntilCancelled(t *testing.T) {
	c := newChain(20, "a")
	s := &memSink{rows: map[int64]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	o := opts()
	o.Follow = true
	done := make(chan error, 1)
	go func() { done <- Run[memBlock](ctx, c, s, o) }()
	waitFor := func(next int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			s.mu.Lock()
			n := s.next
			s.mu.Unlock()
			if n == next {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("follow did not reach %d", next)
	}
	waitFor(20)
	c.extend(5, "a")
	waitFor(25)
	c.reorg(22, 1, "b")
	waitFor(26)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	assertMatches(t, c, s, 25)
}
