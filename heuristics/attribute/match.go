package attribute

import (
	"cmp"
	"slices"
	"strings"

	"github.com/chainsleuth/chainsleuth/ingest/offchain"
)

// Methods of attaching a company to a cluster, strongest first.
const (
	MethodAddress = "address"
	MethodActorID = "actor_id"
	MethodDomain  = "domain"
	MethodName    = "name"
)

// Params weigh the methods. DefaultParams has the documented defaults.
type Params struct {
	// ActorID, Domain and Name multiply the owner's confidence for a company matched that way.
	// Defaults 0.9, 0.85 and 0.8; an address match is always 1.
	ActorID float64 `json:"actor_id"`
	Domain  float64 `json:"domain"`
	Name    float64 `json:"name"`
	// UnratedTag is the confidence of a tag without a GraphSense confidence level. Default 0.5.
	UnratedTag float64 `json:"unrated_tag"`
	// MinNameLen is the shortest normalised name that matches a company. Default 4.
	MinNameLen int `json:"min_name_len"`
	// MaxEvidence bounds the evidence items kept per cluster and company. Default 20.
	MaxEvidence int `json:"max_evidence"`
}

// DefaultParams are the documented defaults.
func DefaultParams() Params {
	return Params{ActorID: 0.9, Domain: 0.85, Name: 0.8, UnratedTag: 0.5, MinNameLen: 4, MaxEvidence: 20}
}

var methodRank = map[string]int{MethodAddress: 0, MethodActorID: 1, MethodDomain: 2, MethodName: 3}

// TagHit is one committed tag on an address of a cluster.
type TagHit struct {
	Address  string
	Cluster  uint32
	Label    string
	Category string
	Abuse    string
	Actor    string
	Level    uint8 // GraphSense confidence level, 0–100 (0: none)
	File     string
}

// RegistryHit is one registry address of a company on an address of a cluster.
type RegistryHit struct {
	Address   string
	Cluster   uint32
	CompanyID string
	File      string
}

// Actor is an ActorPack actor as matching needs it.
type Actor struct {
	ID, Label, LabelNormalized string
	Domains, Aliases           []string
}

// Company is a registry company as matching needs it.
type Company struct {
	ID, Name, NameNormalized string
	Domains, Aliases         []string
}

// Owner is someone a cluster's tags name: an actor, or (Actor "") a label.
type Owner struct {
	Actor           string
	Label           string
	Categories      []string
	Abuses          []string
	Confidence      float64
	TaggedAddresses int
	Tags            int
	Files           []string
	Rank            int

	addresses map[string]bool
}

func (o *Owner) key() string {
	if o.Actor != "" {
		return o.Actor
	}
	return "label:" + offchain.NormalizeName(o.Label)
}

// Name is how conflicts and reports name the owner: its actor id, else its label.
func (o *Owner) Name() string {
	if o.Actor != "" {
		return o.Actor
	}
	return o.Label
}

// Evidence is one reason a company is attached to a cluster.
type Evidence struct {
	Method     string  `json:"method"`
	Address    string  `json:"address,omitempty"`
	Actor      string  `json:"actor,omitempty"`
	Value      string  `json:"value,omitempty"` // the id, name or domain that matched; the registry file for an address
	Confidence float64 `json:"confidence"`
}

// Attachment is a company attached to a cluster.
type Attachment struct {
	CompanyID  string
	Confidence float64
	Method     string
	Methods    []string
	Addresses  int // registry addresses of the company in the cluster
	Evidence   []Evidence
}

// Conflict kinds.
const (
	ConflictOwner        = "owner"
	ConflictCompany      = "company"
	ConflictCompanyActor = "company_actor"
)

// Conflict is a disagreement between sources about one cluster.
type Conflict struct {
	Kind    string
	Items   []string
	Sources []string
	Detail  map[string]any
}

// Attribution is what a run found for one cluster.
type Attribution struct {
	Cluster   uint32
	Owners    []*Owner // best first
	Companies []*Attachment
	Conflicts []Conflict
}

// matcher holds the actors and companies, indexed for matching.
type matcher struct {
	p        Params
	actors   map[string]*Actor
	folds    map[string]string // normalised label, alias or id → actor id (labels of tags without an actor)
	byID     map[string][]string
	byName   map[string][]string
	byDomain map[string][]string
}

func addTo(m map[string][]string, key, id string) {
	if key != "" && !slices.Contains(m[key], id) {
		m[key] = append(m[key], id)
	}
}

func newMatcher(p Params, actors []Actor, companies []Company) *matcher {
	m := &matcher{p: p, actors: map[string]*Actor{}, folds: map[string]string{},
		byID: map[string][]string{}, byName: map[string][]string{}, byDomain: map[string][]string{}}
	for i := range actors {
		a := &actors[i]
		if _, dup := m.actors[a.ID]; dup {
			continue
		}
		m.actors[a.ID] = a
		for _, k := range append([]string{a.ID, a.LabelNormalized}, normalizeAll(a.Aliases)...) {
			if _, taken := m.folds[k]; k != "" && !taken {
				m.folds[k] = a.ID
			}
		}
	}
	for _, c := range companies {
		addTo(m.byID, strings.ToLower(c.ID), c.ID)
		for _, a := range normalizeAll(c.Aliases) {
			addTo(m.byID, a, c.ID)
			addTo(m.byID, strings.ReplaceAll(a, " ", ""), c.ID)
		}
		for _, n := range append([]string{c.NameNormalized}, normalizeAll(c.Aliases)...) {
			if len([]rune(n)) >= p.MinNameLen {
				addTo(m.byName, n, c.ID)
			}
		}
		for _, d := range c.Domains {
			addTo(m.byDomain, offchain.NormalizeDomain(d), c.ID)
		}
	}
	return m
}

func normalizeAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if f := offchain.NormalizeName(n); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (m *matcher) tagConfidence(level uint8) float64 {
	if level == 0 {
		return m.p.UnratedTag
	}
	return float64(level) / 100
}

// owners groups a cluster's tags by owner, best first.
func (m *matcher) owners(tags []TagHit) []*Owner {
	byKey := map[string]*Owner{}
	var out []*Owner
	for _, t := range tags {
		o := &Owner{Actor: t.Actor, Label: t.Label}
		if o.Actor == "" {
			o.Actor = m.folds[offchain.NormalizeName(t.Label)]
		}
		if a := m.actors[o.Actor]; a != nil && a.Label != "" {
			o.Label = a.Label
		}
		if prev := byKey[o.key()]; prev != nil {
			o = prev
		} else {
			o.addresses = map[string]bool{}
			byKey[o.key()] = o
			out = append(out, o)
		}
		o.Confidence = max(o.Confidence, m.tagConfidence(t.Level))
		o.addresses[t.Address] = true
		o.TaggedAddresses = len(o.addresses)
		o.Tags++
		o.Categories = appendNew(o.Categories, t.Category)
		o.Abuses = appendNew(o.Abuses, t.Abuse)
		o.Files = appendNew(o.Files, t.File)
	}
	slices.SortFunc(out, func(a, b *Owner) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(b.TaggedAddresses, a.TaggedAddresses),
			cmp.Compare(b.Tags, a.Tags), cmp.Compare(a.key(), b.key()))
	})
	for i, o := range out {
		o.Rank = i + 1
		slices.Sort(o.Categories)
		slices.Sort(o.Abuses)
		slices.Sort(o.Files)
	}
	return out
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// companiesOf lists the evidence that leads from an owner to companies.
func (m *matcher) companiesOf(o *Owner) map[string][]Evidence {
	out := map[string][]Evidence{}
	add := func(ids []string, method, value string, factor float64) {
		for _, id := range ids {
			out[id] = append(out[id], Evidence{Method: method, Actor: o.Actor, Value: value, Confidence: o.Confidence * factor})
		}
	}
	names := []string{offchain.NormalizeName(o.Label)}
	if a := m.actors[o.Actor]; a != nil {
		add(m.byID[a.ID], MethodActorID, a.ID, m.p.ActorID)
		for _, d := range a.Domains {
			d = offchain.NormalizeDomain(d)
			add(m.byDomain[d], MethodDomain, d, m.p.Domain)
		}
		names = append(names, a.LabelNormalized)
		names = append(names, normalizeAll(a.Aliases)...)
	} else if o.Actor != "" {
		add(m.byID[strings.ToLower(o.Actor)], MethodActorID, o.Actor, m.p.ActorID) // an actor id without an ActorPack entry
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			add(m.byName[n], MethodName, n, m.p.Name)
		}
	}
	return out
}

// attribute puts together one cluster's owners, companies and conflicts.
func (m *matcher) attribute(cluster uint32, tags []TagHit, registry []RegistryHit) *Attribution {
	at := &Attribution{Cluster: cluster, Owners: m.owners(tags)}
	byCompany := map[string]*Attachment{}
	attach := func(id string, e Evidence, address string) {
		a := byCompany[id]
		if a == nil {
			a = &Attachment{CompanyID: id}
			byCompany[id] = a
			at.Companies = append(at.Companies, a)
		}
		if e.Method == MethodAddress {
			a.Addresses++
		}
		a.Confidence = max(a.Confidence, e.Confidence)
		a.Methods = appendNew(a.Methods, e.Method)
		if len(a.Evidence) < m.p.MaxEvidence {
			e.Address = address
			a.Evidence = append(a.Evidence, e)
		}
	}
	registered := map[string]bool{}
	for _, r := range registry {
		attach(r.CompanyID, Evidence{Method: MethodAddress, Value: r.File, Confidence: 1}, r.Address)
		registered[r.CompanyID] = true
	}
	ownerCompanies := make([]map[string][]Evidence, len(at.Owners))
	for i, o := range at.Owners {
		ownerCompanies[i] = m.companiesOf(o)
		ids := make([]string, 0, len(ownerCompanies[i]))
		for id := range ownerCompanies[i] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			for _, e := range ownerCompanies[i][id] {
				attach(id, e, "")
			}
		}
	}
	for _, a := range at.Companies {
		slices.SortFunc(a.Methods, func(x, y string) int { return cmp.Compare(methodRank[x], methodRank[y]) })
		a.Method = a.Methods[0]
	}
	slices.SortFunc(at.Companies, func(a, b *Attachment) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(a.CompanyID, b.CompanyID))
	})
	at.Conflicts = m.conflicts(at, ownerCompanies, registered)
	return at
}

func (m *matcher) conflicts(at *Attribution, ownerCompanies []map[string][]Evidence, registered map[string]bool) []Conflict {
	var out []Conflict
	if len(at.Owners) > 1 {
		c := Conflict{Kind: ConflictOwner, Detail: map[string]any{}}
		for _, o := range at.Owners {
			c.Items = append(c.Items, o.Name())
			c.Sources = append(c.Sources, strings.Join(o.Files, ";"))
			c.Detail[o.Name()] = map[string]any{"confidence": o.Confidence, "tagged_addresses": o.TaggedAddresses, "categories": o.Categories}
		}
		out = append(out, c)
	}
	if len(at.Companies) > 1 {
		c := Conflict{Kind: ConflictCompany, Detail: map[string]any{}}
		for _, a := range at.Companies {
			c.Items = append(c.Items, a.CompanyID)
			c.Sources = append(c.Sources, strings.Join(a.Methods, ";"))
			c.Detail[a.CompanyID] = map[string]any{"confidence": a.Confidence, "methods": a.Methods}
		}
		out = append(out, c)
	}
	if len(registered) > 0 {
		c := Conflict{Kind: ConflictCompanyActor, Detail: map[string]any{}}
		for i, o := range at.Owners {
			if o.Actor == "" {
				continue
			}
			agrees := false
			for id := range ownerCompanies[i] {
				agrees = agrees || registered[id]
			}
			if !agrees {
				c.Items = append(c.Items, "actor:"+o.Actor)
				c.Sources = append(c.Sources, strings.Join(o.Files, ";"))
			}
		}
		if len(c.Items) > 0 {
			ids := make([]string, 0, len(registered))
			for id := range registered {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				c.Items = append(c.Items, "company:"+id)
				c.Sources = append(c.Sources, MethodAddress)
			}
			c.Detail["registered_companies"] = len(ids)
			out = append(out, c)
		}
	}
	return out
}
