package score

import (
	"context"
	"errors"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// flowBatch is up to flowBatchSize flows of one pass in order, with how
// many of them have a side the cluster job has not seen; or the error that
// ended the read.
type flowBatch struct {
	flows       []Flow
	unclustered int
	err         error
	sides       []flowSides // between the reader's two goroutines
}

// errFlowOrder is the error of flows that did not come in (height,
// transaction) order.
var errFlowOrder = errors.New("the flows must come ordered by height and transaction")

// flowBatchSize is how many flows a batch holds.
const flowBatchSize = 4096

// flowBatchesAhead is how many batches may wait for the scorer; then the
// reader, and behind it the server, waits on the socket.
const flowBatchesAhead = 4

// readFlows runs a query of flows (bound: args; the run's sorted flows,
// runFlowsRead, each flow's asset by the hash that names it in assets:
// readAssets) in a goroutine of its own and hands its flows over in
// batches, closing the channel after the last one, with the clusters of
// their sides looked up in the map clusters (clusterMap.resolve) by a second
// goroutine. Scanning the driver's columns and the lookups then run beside
// each other and the scorer's work, and a pass can be started before the
// scorer needs it. Flows out of (height, transaction) order end the read
// with errFlowOrder.
// Memory is bounded by flowBatchesAhead batches; nothing else is kept.
// Batches come back through free for reuse. Cancel ctx to stop early.
func readFlows(ctx context.Context, st *store.Store, query string, args []any, assets map[uint64]string, clusters *clusterMap, free chan []Flow) <-chan flowBatch {
	out := make(chan flowBatch, flowBatchesAhead)
	scanned := make(chan flowBatch, 1)
	sidesFree := make(chan []flowSides, 2)
	go func() {
		defer close(out)
		for b := range scanned {
			if b.err == nil {
				b.unclustered = clusters.resolve(b.flows, b.sides)
				select {
				case sidesFree <- b.sides[:0]:
				default:
				}
				b.sides = nil
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer close(scanned)
		send := func(b flowBatch) bool {
			select {
			case scanned <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		newSides := func() []flowSides {
			select {
			case s := <-sidesFree:
				return s
			default:
				return make([]flowSides, 0, flowBatchSize)
			}
		}
		newBatch := func() []Flow {
			select {
			case b := <-free:
				return b[:0]
			default:
				return make([]Flow, 0, flowBatchSize)
			}
		}
		cur := flowBatch{flows: newBatch(), sides: newSides()}
		sent, attempts := 0, 0
		// Every row is scanned into the same variables through the same
		// destinations, then copied into the batch: scanning into fresh
		// ones would allocate each of them, and the slice, once per row.
		var row Flow
		var last struct{ height, tx uint64 }
		var unix uint32
		var flags uint8
		var assetHash, fromHash, toHash uint64
		// Every flow of an asset points to the one string of its name: the
		// scorer compares a flow's asset with a cluster's sums several
		// times per flow, and equal pointers end the comparison before the
		// bytes, which are seldom in cache (about 9% of a run's CPU,
		// docs/performance.md).
		lastHash, lastAsset := uint64(0), ""
		dest := []any{&row.Height, &unix, &row.Tx, &flags, &assetHash, &row.Value, &fromHash, &toHash}
		err := st.Query(ctx, "read flows", query, args, func() { attempts++ }, func(r driver.Rows) error {
			if attempts > 1 && sent+len(cur.flows) > 0 {
				// A retried query would give the flows read so far a second time.
				return fmt.Errorf("the connection was lost while reading flows: %w; run the score again", store.ErrShortWrite)
			}
			if err := r.Scan(dest...); err != nil {
				return err
			}
			// The scorer's counts by period and its first payments need block
			// order, and pass 2 the flows of a transaction together: a server
			// that gave rows out of order must not go unnoticed.
			if row.Height < last.height || row.Height == last.height && row.Tx < last.tx {
				return fmt.Errorf("flows out of order: height %d transaction %x after height %d transaction %x: %w",
					row.Height, row.Tx, last.height, last.tx, errFlowOrder)
			}
			last.height, last.tx = row.Height, row.Tx
			if row.Height >= paidBackMark {
				return fmt.Errorf("flow at height %d: the scorer holds heights below %d (pass 1 marks paybacks in the top bit of a first payment's height)", row.Height, uint64(paidBackMark))
			}
			if assetHash != lastHash || lastAsset == "" {
				a, ok := assets[assetHash]
				if !ok {
					return fmt.Errorf("a flow at height %d names an asset (hash %x) its list of assets lacks; run the score again", row.Height, assetHash)
				}
				lastHash, lastAsset = assetHash, a
			}
			row.Asset = lastAsset
			row.Unix = int64(unix)
			cur.flows = append(cur.flows, row)
			f := &cur.flows[len(cur.flows)-1]
			f.Token = flags&flagToken != 0
			f.Mint = f.Token && flags&flagZeroSender != 0
			// A flow with no sender (a coinbase) or minted has no paying cluster.
			cur.sides = append(cur.sides, flowSides{from: fromHash, to: toHash, fromPays: flags&flagNoSender == 0 && !f.Mint})
			if len(cur.flows) == flowBatchSize {
				sent += len(cur.flows)
				if !send(cur) {
					return ctx.Err()
				}
				cur = flowBatch{flows: newBatch(), sides: newSides()}
			}
			return nil
		})
		if err != nil {
			send(flowBatch{err: err})
			return
		}
		if len(cur.flows) > 0 {
			send(cur)
		}
	}()
	return out
}

// readAssets reads the names of the assets of a run's flows by their hash
// (query: rows of name and cityHash64 of the name, runFlowsAssets).
func readAssets(ctx context.Context, st *store.Store, query string) (map[uint64]string, error) {
	out := map[uint64]string{}
	err := st.Query(ctx, "read the assets of the flows", query, nil, func() { clear(out) }, func(r driver.Rows) error {
		var name string
		var hash uint64
		if err := r.Scan(&name, &hash); err != nil {
			return err
		}
		out[hash] = name
		return nil
	})
	return out, err
}
