package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Block is what a Source fetches.
type Block interface {
	BlockHeight() int64
	BlockHash() string
	ParentHash() string
	// Rows estimates the rows the block writes, to size batches.
	Rows() int
	// TxCount is the block's transaction count, for progress.
	TxCount() int
}

// Source reads blocks from a node.
type Source[B Block] interface {
	TipHeight(ctx context.Context) (int64, error)
	HashAt(ctx context.Context, height int64) (string, error)
	// Fetch reads one block; its errors name the height and the node.
	Fetch(ctx context.Context, height int64) (B, error)
}

// Sink writes blocks to the store.
type Sink[B Block] interface {
	// Checkpoint is the next height to ingest and the hash of the block
	// before it ("" when nothing is stored).
	Checkpoint(ctx context.Context) (next int64, lastHash string, err error)
	// StoredHash is the hash stored at height, if any.
	StoredHash(ctx context.Context, height int64) (string, bool, error)
	// Rollback removes every row at height >= from and moves the checkpoint
	// to from. It is cheap when nothing is stored there.
	Rollback(ctx context.Context, from int64) error
	// Commit writes contiguous blocks that start at the checkpoint, verifies
	// they landed, and advances the checkpoint past them.
	Commit(ctx context.Context, blocks []B) error
}

// Options of one run. Heights are inclusive; -1 means unset.
type Options struct {
	From, To      int64
	Follow        bool
	Confirmations int64
	Workers       int
	// BatchBlocks and BatchRows close a batch when either is reached.
	BatchBlocks int
	BatchRows   int
	// Linger commits a non-empty batch when no further block arrives for
	// this long (keeps follow mode timely). Default 2s.
	Linger       time.Duration
	PollInterval time.Duration
	// MaxReorgDepth bounds the walk back to a fork point. Default 1000.
	MaxReorgDepth int64
	Logger        *slog.Logger
	// Progress, if set, is told about every committed batch.
	Progress func(Progress)
}

// Progress after a committed batch.
type Progress struct {
	Blocks, Txs int   // in this batch
	Height      int64 // last committed height
	Target      int64 // height the run is heading for
	Start       int64 // first height of this run
}

// ErrReorgTooDeep is returned when no common ancestor is found within
// MaxReorgDepth blocks.
var ErrReorgTooDeep = errors.New("reorg deeper than the allowed depth")

// errReorg signals, inside a range, that a fetched block does not link.
var errReorg = errors.New("fetched block does not link to the stored chain")

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.BatchBlocks <= 0 {
		o.BatchBlocks = 500
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 500_000
	}
	if o.Linger <= 0 {
		o.Linger = 2 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.MaxReorgDepth <= 0 {
		o.MaxReorgDepth = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Run ingests until the range is done (or, with Follow, until ctx ends).
func Run[B Block](ctx context.Context, src Source[B], sink Sink[B], o Options) error {
	o.defaults()
	log := o.Logger
	next, lastHash, err := sink.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	switch {
	case o.From >= 0 && o.From > next:
		if next > 0 {
			log.Warn("starting above the checkpoint leaves a gap", "checkpoint", next, "from", o.From)
		}
		next, lastHash = o.From, ""
	case o.From >= 0 && o.From < next:
		log.Info("already ingested below the checkpoint; resuming", "from", o.From, "resume", next)
	}
	// Rows above the checkpoint belong to a batch that crashed before its
	// checkpoint was written: remove them first.
	if err := sink.Rollback(ctx, next); err != nil {
		return fmt.Errorf("clear rows above checkpoint %d: %w", next, err)
	}
	startedAt := next
	for {
		if err := ctx.Err(); err != nil {
			if o.Follow {
				return nil
			}
			return err
		}
		if lastHash != "" {
			nodeHash, err := src.HashAt(ctx, next-1)
			if err != nil {
				return fmt.Errorf("check block %d for a reorg: %w", next-1, err)
			}
			if nodeHash != lastHash {
				if next, lastHash, err = rewind(ctx, src, sink, next-1, o); err != nil {
					return err
				}
				continue
			}
		}
		tip, err := src.TipHeight(ctx)
		if err != nil {
			return fmt.Errorf("read the node's tip: %w", err)
		}
		target := tip
		if o.Confirmations > 1 {
			target = tip - o.Confirmations + 1
		}
		if o.To >= 0 && o.To < target {
			target = o.To
		}
		if next > target {
			if o.To >= 0 && next > o.To || !o.Follow {
				if o.To >= 0 && next <= o.To {
					log.Info("stopping at the confirmed tip; rerun or use --follow for the rest", "next", next, "to", o.To, "tip", tip)
				}
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(o.PollInterval):
			}
			continue
		}
		n, h, err := ingestRange(ctx, src, sink, next, target, lastHash, startedAt, o)
		next, lastHash = n, h
		if errors.Is(err, errReorg) {
			log.Warn("a fetched block does not link to the stored chain: checking for a reorg", "height", next)
			if next, lastHash, err = rewind(ctx, src, sink, next-1, o); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil && o.Follow {
				return nil
			}
			return err
		}
	}
}

// rewind walks back from height until the stored and the node's hashes agree,
// rolls back everything above that fork point, and returns where to resume.
func rewind[B Block](ctx context.Context, src Source[B], sink Sink[B], height int64, o Options) (int64, string, error) {
	for h := height; h >= 0 && height-h <= o.MaxReorgDepth; h-- {
		stored, ok, err := sink.StoredHash(ctx, h)
		if err != nil {
			return 0, "", fmt.Errorf("read stored hash at %d: %w", h, err)
		}
		if !ok { // nothing stored below: restart from here
			o.Logger.Warn("reorg reaches below the stored range; re-ingesting from there", "height", h+1)
			if err := sink.Rollback(ctx, h+1); err != nil {
				return 0, "", err
			}
			return h + 1, "", nil
		}
		nodeHash, err := src.HashAt(ctx, h)
		if err != nil {
			return 0, "", fmt.Errorf("read node hash at %d: %w", h, err)
		}
		if nodeHash == stored {
			o.Logger.Warn("reorg: rolling back to the fork point", "fork", h, "depth", height-h)
			if err := sink.Rollback(ctx, h+1); err != nil {
				return 0, "", fmt.Errorf("roll back above fork point %d: %w", h, err)
			}
			return h + 1, stored, nil
		}
	}
	return 0, "", fmt.Errorf("%w: no common ancestor within %d blocks of %d", ErrReorgTooDeep, o.MaxReorgDepth, height)
}

type fetched[B Block] struct {
	height int64
	block  B
	err    error
}

// ingestRange fetches [from, to] with workers and commits in order. It
// returns the next height and the hash of the last committed block.
func ingestRange[B Block](ctx context.Context, src Source[B], sink Sink[B], from, to int64, lastHash string, startedAt int64, o Options) (int64, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := 2*o.BatchBlocks + o.Workers
	slots := make(chan struct{}, window)
	jobs := make(chan int64)
	results := make(chan fetched[B], window)
	var wg sync.WaitGroup
	go func() {
		defer close(jobs)
		for h := from; h <= to; h++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- h:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 0; i < o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range jobs {
				b, err := src.Fetch(ctx, h)
				select {
				case results <- fetched[B]{h, b, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()

	next := from
	pending := map[int64]B{}
	var batch []B
	rows := 0
	commit := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := sink.Commit(ctx, batch); err != nil {
			return fmt.Errorf("commit blocks %d-%d: %w", batch[0].BlockHeight(), batch[len(batch)-1].BlockHeight(), err)
		}
		txs := 0
		for _, b := range batch {
			txs += b.TxCount()
		}
		lastHash = batch[len(batch)-1].BlockHash()
		if o.Progress != nil {
			o.Progress(Progress{Blocks: len(batch), Txs: txs, Height: batch[len(batch)-1].BlockHeight(), Target: to, Start: startedAt})
		}
		batch, rows = batch[:0], 0
		return nil
	}
	committed := func() int64 { return next - int64(len(batch)) }
	linger := time.NewTimer(o.Linger)
	defer linger.Stop()
	for next <= to {
		select {
		case r := <-results:
			if r.err != nil {
				if err := commit(); err != nil {
					return committed(), lastHash, err
				}
				return next, lastHash, r.err // sources name the height and the node
			}
			pending[r.height] = r.block
		case <-linger.C:
			if err := commit(); err != nil {
				return committed(), lastHash, err
			}
			linger.Reset(o.Linger)
			continue
		case <-ctx.Done():
			return committed(), lastHash, ctx.Err()
		}
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			<-slots
			prev := lastHash
			if len(batch) > 0 {
				prev = batch[len(batch)-1].BlockHash()
			}
			if prev != "" && b.ParentHash() != prev {
				if err := commit(); err != nil {
					return committed(), lastHash, err
				}
				return next, lastHash, errReorg
			}
			batch = append(batch, b)
			rows += b.Rows()
			next++
			if len(batch) >= o.BatchBlocks || rows >= o.BatchRows || next > to {
				if err := commit(); err != nil {
					return committed(), lastHash, err
				}
				if !linger.Stop() {
					select {
					case <-linger.C:
					default:
					}
				}
				linger.Reset(o.Linger)
			}
		}
	}
	return next, lastHash, nil
}
