package investigate

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Directions of a trace: where the money went (out), where it came from
// (in), or both.
const (
	Out  = "out"
	In   = "in"
	Both = "both"
)

// TraceOptions say where a trace starts and how far it goes.
type TraceOptions struct {
	Chain     string  // btc or eth ("" : the chain of Address's form)
	Address   string  // start at this address's cluster, or
	Cluster   *uint32 // at this cluster
	Direction string  // out, in or both (default out)
	Hops      int     // clusters away from the start (default 2)
	MinValue  float64 // edges with less than this in whole units of their asset are left out
	Limit     int     // edges per hop and direction (default 20)
	TxIDs     int     // transaction ids per edge (default 3)
}

// Flow is a trace: the clusters reached and the edges between them.
type Flow struct {
	Chain     string  `json:"chain"`
	Root      uint32  `json:"root"`
	Address   string  `json:"address,omitempty"`
	Direction string  `json:"direction"`
	Hops      int     `json:"hops"`
	MinValue  float64 `json:"min_value"`
	Limit     int     `json:"limit"`
	Nodes     []*Node `json:"nodes"`     // the root first, then by cluster id
	Edges     []Edge  `json:"edges"`     // by hop, then as each hop ranked them
	Truncated bool    `json:"truncated"` // some hop had more edges than Limit
}

// Edge is money moved from one cluster to another in one asset: the sum of
// the transfers between their addresses.
type Edge struct {
	Hop       int       `json:"hop"`
	From      uint32    `json:"from"`
	To        uint32    `json:"to"`
	Asset     string    `json:"asset"`
	Unit      string    `json:"unit"`
	Transfers uint64    `json:"transfers"`
	Value     float64   `json:"value"` // whole units
	TxIDs     []string  `json:"txids"` // the first TxIDs ids in sort order
	FirstTime time.Time `json:"first_time"`
	LastTime  time.Time `json:"last_time"`
}

// Trace follows the money from (or to) a cluster hop by hop: each hop reads
// the transfers between the frontier clusters' addresses and other
// clusters' addresses, keeps the Limit strongest edges and makes their far
// ends the next frontier (clusters already reached are not expanded again).
func Trace(ctx context.Context, st *store.Store, o TraceOptions) (*Flow, error) {
	if o.Direction == "" {
		o.Direction = Out
	}
	if !slices.Contains([]string{In, Out, Both}, o.Direction) {
		return nil, fmt.Errorf("direction %q: %w: use in, out or both", o.Direction, ErrMalformed)
	}
	o.Hops, o.Limit, o.TxIDs = positive(o.Hops, 2), positive(o.Limit, 20), positive(o.TxIDs, 3)
	f := &Flow{Direction: o.Direction, Hops: o.Hops, MinValue: o.MinValue, Limit: o.Limit, Edges: []Edge{}}
	if err := f.start(ctx, st, o); err != nil {
		return nil, err
	}
	dirs := []string{o.Direction}
	if o.Direction == Both {
		dirs = []string{Out, In}
	}
	reached := map[uint32]bool{f.Root: true}
	for _, d := range dirs {
		expanded := map[uint32]bool{f.Root: true} // per direction: a cluster reached going out is followed in too
		frontier := []uint32{f.Root}
		for hop := 1; hop <= o.Hops && len(frontier) > 0; hop++ {
			edges, truncated, err := hopEdges(ctx, st, f.Chain, d, frontier, hop, o)
			if err != nil {
				return nil, err
			}
			f.Truncated = f.Truncated || truncated
			f.Edges = append(f.Edges, edges...)
			var next []uint32
			for _, e := range edges {
				far := e.To
				if d == In {
					far = e.From
				}
				reached[far] = true
				if !expanded[far] {
					expanded[far] = true
					next = append(next, far)
				}
			}
			frontier = next
		}
	}
	ids := make([]uint32, 0, len(reached))
	for id := range reached {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	nodes, err := Nodes(ctx, st, f.Chain, ids)
	if err != nil {
		return nil, err
	}
	f.Nodes = append(f.Nodes, nodes[f.Root])
	for _, id := range ids {
		if id != f.Root {
			f.Nodes = append(f.Nodes, nodes[id])
		}
	}
	return f, fillUnits(ctx, st, f.Chain, func(yield func(*Total)) {
		for i := range f.Edges {
			t := Total{Asset: f.Edges[i].Asset}
			yield(&t)
			f.Edges[i].Unit = t.Unit
		}
	})
}

func positive(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// start finds the root cluster: the cluster of the address, or the cluster
// given, which must exist.
func (f *Flow) start(ctx context.Context, st *store.Store, o TraceOptions) error {
	if o.Cluster != nil {
		if o.Chain == "" {
			return fmt.Errorf("cluster %d: %w: give the chain of a cluster id", *o.Cluster, ErrMalformed)
		}
		if !slices.Contains(Chains, o.Chain) {
			return fmt.Errorf("chain %q: %w: use btc or eth", o.Chain, ErrMalformed)
		}
		f.Chain, f.Root = o.Chain, *o.Cluster
		var size uint64
		found := false
		err := st.Query(ctx, "read a cluster's size", clusterSizesSQL, named(f.Chain, "clusters", ch.GroupSet{Value: []any{f.Root}}), nil,
			func(r driver.Rows) error {
				var id uint32
				found = true
				return r.Scan(&id, &size)
			})
		if err != nil {
			return err
		}
		if !found || size == 0 {
			return fmt.Errorf("cluster %d on %s: %w (absorbed into another, or not clustered yet)", f.Root, f.Chain, ErrNotFound)
		}
		return nil
	}
	chainName, addr, err := Normalize(o.Chain, o.Address)
	if err != nil {
		return err
	}
	f.Chain, f.Address = chainName, addr
	id, found, err := clusterOfAddress(ctx, st, chainName, addr)
	if err != nil {
		return err
	}
	if !found {
		if err := checkNetwork(ctx, st, chainName, addr); err != nil {
			return err
		}
		return fmt.Errorf("%s address %s: %w in the clusters (is it ingested and clustered? run `chainsleuth cluster --chain %s`)", chainName, addr, ErrNotFound, chainName)
	}
	f.Root = id
	return nil
}

// hopEdges reads one hop: the strongest edges between the frontier and other
// clusters in direction d.
func hopEdges(ctx context.Context, st *store.Store, chainName, d string, frontier []uint32, hop int, o TraceOptions) ([]Edge, bool, error) {
	set := make([]any, len(frontier))
	for i, id := range frontier {
		set[i] = id
	}
	dir := int8(-1)
	if d == In {
		dir = 1
	}
	args := named(chainName, "frontier", ch.GroupSet{Value: set}, "direction", dir, "txids", uint64(o.TxIDs),
		"min_value", o.MinValue, "limit", uint64(o.Limit+1))
	var edges []Edge
	err := st.Query(ctx, "read a trace hop", hopSQL, args, func() { edges = nil }, func(r driver.Rows) error {
		e := Edge{Hop: hop}
		var src, dst uint32
		if err := r.Scan(&src, &dst, &e.Asset, &e.Transfers, &e.Value, &e.TxIDs, &e.FirstTime, &e.LastTime); err != nil {
			return err
		}
		e.From, e.To = src, dst
		if d == In {
			e.From, e.To = dst, src
		}
		edges = append(edges, e)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if len(edges) > o.Limit {
		return edges[:o.Limit], true, nil
	}
	return edges, false, nil
}
