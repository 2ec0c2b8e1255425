package investigate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Profile is what the store knows of one address (`chainsleuth address`).
type Profile struct {
	Chain          string         `json:"chain"`
	Address        string         `json:"address"`
	Cluster        *Node          `json:"cluster"` // nil: not clustered yet
	Tags           []Tag          `json:"tags"`
	Companies      []CompanyLink  `json:"companies"` // named for the address by a registry
	FirstSeen      *Seen          `json:"first_seen"`
	LastSeen       *Seen          `json:"last_seen"`
	Totals         []Total        `json:"totals"`
	Counterparties []Counterparty `json:"counterparties"`
}

// Node is a cluster with what the score and attribute jobs said of it.
type Node struct {
	Chain     string        `json:"chain"`
	ClusterID uint32        `json:"cluster_id"`
	Size      uint64        `json:"size"`
	Score     *Score        `json:"score"`     // nil: no current score
	Actor     *Actor        `json:"actor"`     // nil: no tag names an owner
	Companies []CompanyLink `json:"companies"` // attached by the latest attribute run
}

// Score is a cluster's current fundraising-flow score.
type Score struct {
	Score          float64  `json:"score"`
	Kind           string   `json:"kind"`
	KindConfidence float64  `json:"kind_confidence"`
	Payers         uint32   `json:"payers"`
	Reasons        []string `json:"reasons"`
	Company        string   `json:"company_id"` // a registry company with an address in the cluster ("": none)
}

// Actor is the owner a cluster's tags name best.
type Actor struct {
	ID         string  `json:"id"`
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// Tag is one tag of an address.
type Tag struct {
	Label           string `json:"label"`
	Category        string `json:"category"`
	Abuse           string `json:"abuse"`
	Actor           string `json:"actor"`
	Source          string `json:"source"`
	ConfidenceLevel uint8  `json:"confidence_level"`
}

// CompanyLink is a registry company tied to an address or cluster.
type CompanyLink struct {
	CompanyID  string  `json:"company_id"`
	Name       string  `json:"name"`
	Method     string  `json:"method"` // address (the registry names it) or what attribution matched on
	Confidence float64 `json:"confidence"`
}

// Seen is a height and its block time.
type Seen struct {
	Height uint64    `json:"height"`
	Time   time.Time `json:"time"`
}

// Total is an address's flow of one asset, in whole units.
type Total struct {
	Asset        string  `json:"asset"`
	Unit         string  `json:"unit"`
	TransfersIn  uint64  `json:"transfers_in"`
	Received     float64 `json:"received"`
	TransfersOut uint64  `json:"transfers_out"`
	Sent         float64 `json:"sent"`
}

// Counterparty is an address that paid or was paid by the profiled one, in
// one asset.
type Counterparty struct {
	Address   string  `json:"address"`
	ClusterID *uint32 `json:"cluster_id"` // nil: not clustered yet
	Total
}

// ProfileOptions bound a profile.
type ProfileOptions struct {
	Counterparties int // top counterparties listed (default 10)
}

func named(chainName string, kv ...any) []any {
	args := []any{ch.Named("chain", chainName)}
	for i := 0; i+1 < len(kv); i += 2 {
		args = append(args, ch.Named(kv[i].(string), kv[i+1]))
	}
	return args
}

// AddressProfile reads the profile of an address of a chain ("" for the
// chain of its form).
func AddressProfile(ctx context.Context, st *store.Store, chainName, addr string, o ProfileOptions) (*Profile, error) {
	chainName, addr, err := Normalize(chainName, addr)
	if err != nil {
		return nil, err
	}
	if o.Counterparties <= 0 {
		o.Counterparties = 10
	}
	p := &Profile{Chain: chainName, Address: addr, Tags: []Tag{}, Companies: []CompanyLink{}, Totals: []Total{}, Counterparties: []Counterparty{}}
	args := named(chainName, "address", addr)
	if err := p.readSeen(ctx, st, args); err != nil {
		return nil, err
	}
	err = st.Query(ctx, "read an address's tags", tagsSQL, args, func() { p.Tags = p.Tags[:0] }, func(r driver.Rows) error {
		var t Tag
		err := r.Scan(&t.Label, &t.Category, &t.Abuse, &t.Actor, &t.Source, &t.ConfidenceLevel)
		p.Tags = append(p.Tags, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = st.Query(ctx, "read an address's registry companies", registrySQL, args, func() { p.Companies = p.Companies[:0] }, func(r driver.Rows) error {
		c := CompanyLink{Method: "address", Confidence: 1}
		err := r.Scan(&c.CompanyID, &c.Name)
		p.Companies = append(p.Companies, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	id, found, err := clusterOfAddress(ctx, st, chainName, addr)
	if err != nil {
		return nil, err
	}
	if found {
		nodes, err := Nodes(ctx, st, chainName, []uint32{id})
		if err != nil {
			return nil, err
		}
		p.Cluster = nodes[id]
	}
	if p.FirstSeen == nil && len(p.Tags) == 0 && len(p.Companies) == 0 && !found {
		if err := checkNetwork(ctx, st, chainName, addr); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s address %s: %w: no transfers, tags or registry entries in this store (ingested up to where? see `chainsleuth stats %s`)", chainName, addr, ErrNotFound, chainName)
	}
	if p.FirstSeen != nil {
		if err := p.readCounterparties(ctx, st, args, o.Counterparties); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Profile) readSeen(ctx context.Context, st *store.Store, args []any) error {
	reset := func() { p.Totals, p.FirstSeen, p.LastSeen = p.Totals[:0], nil, nil }
	err := st.Query(ctx, "read an address's activity", seenSQL, args, reset, func(r driver.Rows) error {
		var t Total
		var first, last Seen
		if err := r.Scan(&t.Asset, &t.TransfersIn, &t.Received, &t.TransfersOut, &t.Sent, &first.Height, &last.Height, &first.Time, &last.Time); err != nil {
			return err
		}
		if p.FirstSeen == nil || first.Height < p.FirstSeen.Height {
			p.FirstSeen = &first
		}
		if p.LastSeen == nil || last.Height > p.LastSeen.Height {
			p.LastSeen = &last
		}
		p.Totals = append(p.Totals, t)
		return nil
	})
	if err != nil {
		return err
	}
	return fillUnits(ctx, st, p.Chain, func(yield func(*Total)) {
		for i := range p.Totals {
			yield(&p.Totals[i])
		}
	})
}

func (p *Profile) readCounterparties(ctx context.Context, st *store.Store, args []any, limit int) error {
	args = append(slices.Clone(args), ch.Named("limit", uint64(limit)))
	err := st.Query(ctx, "read an address's counterparties", counterpartiesSQL, args, func() { p.Counterparties = p.Counterparties[:0] },
		func(r driver.Rows) error {
			var c Counterparty
			var id uint32
			var clustered uint8
			if err := r.Scan(&c.Address, &c.Asset, &c.TransfersIn, &c.Received, &c.TransfersOut, &c.Sent, &id, &clustered); err != nil {
				return err
			}
			if clustered == 1 {
				c.ClusterID = &id
			}
			p.Counterparties = append(p.Counterparties, c)
			return nil
		})
	if err != nil {
		return err
	}
	return fillUnits(ctx, st, p.Chain, func(yield func(*Total)) {
		for i := range p.Counterparties {
			yield(&p.Counterparties[i].Total)
		}
	})
}

// clusterOfAddress is the current cluster of an address; found is false when
// the cluster job has not seen it.
func clusterOfAddress(ctx context.Context, st *store.Store, chainName, addr string) (uint32, bool, error) {
	var id uint32
	found := false
	err := st.Query(ctx, "read an address id", addressIDSQL, named(chainName, "address", addr), nil, func(r driver.Rows) error {
		found = true
		return r.Scan(&id)
	})
	if err != nil || !found {
		return 0, false, err
	}
	cluster := id // an id without a row is its own cluster
	err = st.Query(ctx, "read the cluster of an address", clusterOfIDSQL, named(chainName, "id", id), nil, func(r driver.Rows) error {
		return r.Scan(&cluster)
	})
	return cluster, true, err
}

// checkNetwork reports a Bitcoin address of another network than the one
// the store holds (ErrWrongNetwork).
func checkNetwork(ctx context.Context, st *store.Store, chainName, addr string) error {
	if chainName != chain.Bitcoin {
		return nil
	}
	var sample string
	err := st.Query(ctx, "read a sample address", sampleAddressSQL, named(chainName), nil, func(r driver.Rows) error {
		return r.Scan(&sample)
	})
	if err != nil || sample == "" || sameNetwork(addr, sample) {
		return err
	}
	return fmt.Errorf("btc address %s is a %s address: %w: this store holds %s addresses (e.g. %s)", addr,
		strings.Join(btcNetworks(addr), "/"), ErrWrongNetwork, strings.Join(btcNetworks(sample), "/"), sample)
}

// fillUnits sets the unit of every total each yields: BTC, ETH, or a token's
// symbol (its contract address when the token is not resolved).
func fillUnits(ctx context.Context, st *store.Store, chainName string, each func(yield func(*Total))) error {
	var tokens []any
	each(func(t *Total) {
		if strings.HasPrefix(t.Asset, "0x") {
			tokens = append(tokens, t.Asset)
		}
	})
	symbols := map[string]string{}
	if len(tokens) > 0 {
		err := st.Query(ctx, "read token symbols", tokensSQL, []any{ch.Named("assets", ch.GroupSet{Value: tokens})}, nil, func(r driver.Rows) error {
			var a, sym, name string
			if err := r.Scan(&a, &sym, &name); err != nil {
				return err
			}
			if sym != "" {
				symbols[a] = sym
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	each(func(t *Total) {
		t.Unit = t.Asset
		if s, ok := symbols[t.Asset]; ok {
			t.Unit = s
		}
	})
	return nil
}

// Nodes reads clusters of a chain with their size, current score, actor and
// companies. A cluster the clusters table does not hold has size 1 (an
// address id without a row is its own cluster).
func Nodes(ctx context.Context, st *store.Store, chainName string, ids []uint32) (map[uint32]*Node, error) {
	out := map[uint32]*Node{}
	set := make([]any, 0, len(ids))
	for _, id := range ids {
		if out[id] == nil {
			out[id] = &Node{Chain: chainName, ClusterID: id, Size: 1, Companies: []CompanyLink{}}
			set = append(set, id)
		}
	}
	if len(set) == 0 {
		return out, nil
	}
	args := named(chainName, "clusters", ch.GroupSet{Value: set})
	reads := []struct {
		what, sql string
		reset     func()
		each      func(driver.Rows) error
	}{
		{"read cluster sizes", clusterSizesSQL, nil, func(r driver.Rows) error {
			var id uint32
			var size uint64
			if err := r.Scan(&id, &size); err != nil {
				return err
			}
			out[id].Size = size
			return nil
		}},
		{"read cluster scores", clusterScoresQuery, nil, func(r driver.Rows) error {
			var id uint32
			s := &Score{}
			if err := r.Scan(&id, &s.Score, &s.Kind, &s.KindConfidence, &s.Payers, &s.Reasons, &s.Company); err != nil {
				return err
			}
			if s.Reasons == nil {
				s.Reasons = []string{}
			}
			out[id].Score = s
			return nil
		}},
		{"read cluster actors", clusterActorsQuery, nil, func(r driver.Rows) error {
			var id uint32
			a := &Actor{}
			if err := r.Scan(&id, &a.ID, &a.Label, &a.Confidence); err != nil {
				return err
			}
			out[id].Actor = a
			return nil
		}},
		{"read cluster companies", clusterCompaniesQuery, func() {
			for _, n := range out {
				n.Companies = n.Companies[:0]
			}
		}, func(r driver.Rows) error {
			var id uint32
			var c CompanyLink
			if err := r.Scan(&id, &c.CompanyID, &c.Name, &c.Confidence, &c.Method); err != nil {
				return err
			}
			out[id].Companies = append(out[id].Companies, c)
			return nil
		}},
	}
	for _, rd := range reads {
		if err := st.Query(ctx, rd.what, rd.sql, args, rd.reset, rd.each); err != nil {
			return nil, err
		}
	}
	return out, nil
}
