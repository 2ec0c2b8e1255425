package offchain

import (
	"fmt"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Kinds of import, as offchain_imports records them.
const (
	KindCompanies = "companies"
	KindTags      = "tags"
	KindActors    = "actors"
	KindSanctions = "sanctions"
)

// Formats a file can be read as.
const (
	FormatCompaniesCSV  = "companies-csv"
	FormatCompaniesJSON = "companies-json"
	FormatTagPack       = "tagpack"
	FormatActorPack     = "actorpack"
	FormatTagsCSV       = "tags-csv"
	FormatOFACText      = "ofac-txt"
	FormatOFACJSON      = "ofac-json"
)

// ListOFAC names the OFAC SDN digital-currency address list in sanctions.list.
const ListOFAC = "ofac_sdn"

// SourceRegistry is company_addresses.source for addresses a company
// registry file names.
const SourceRegistry = "company_registry"

// Tag is one address tag: a TagPack tag with its header's fields inherited,
// or a row of a plain CSV tag file.
type Tag struct {
	Chain, Address, Label, Category, Abuse, Actor, Source string
	// Confidence is GraphSense's confidence id; ConfidenceLevel its 0–100
	// level (0 when none was given or the id is not GraphSense's).
	Confidence       string
	ConfidenceLevel  uint8
	IsClusterDefiner bool
	Currency         string
	TagpackTitle     string
	Creator          string
	Lastmod          string
	Context          string
	Line             int
}

// Actor is one actor of an ActorPack.
type Actor struct {
	ID, Label     string
	Categories    []string
	Jurisdictions []string
	URI           string
	Domains       []string
	Aliases       []string
	TwitterHandle string
	Context       string // the actor's context mapping as JSON
	Line          int
}

// Company is one company registry entry.
type Company struct {
	CompanyID, Name, RegistrationNo, Jurisdiction, Status string
	Domains, Aliases                                      []string
	Line                                                  int
}

// CompanyAddress is an address a registry names for a company.
type CompanyAddress struct {
	Chain, Address, CompanyID string
	Line                      int
}

// Sanction is one sanctioned address.
type Sanction struct {
	Chain, Address, List, Currency, Entity, Program string
	Line                                            int
}

// Parsed is what one file holds: its good rows (each key once), the rows
// rejected (malformed) and skipped (not for chainsleuth), with their lines.
type Parsed struct {
	Kind       string
	Format     string
	Tags       []Tag
	Actors     []Actor
	Companies  []Company
	Addresses  []CompanyAddress
	Sanctions  []Sanction
	Rejected   []Problem
	Skipped    []Problem
	Duplicates int
}

// Rows is the number of good rows (companies count once, whatever their
// addresses).
func (p *Parsed) Rows() int {
	return len(p.Tags) + len(p.Actors) + len(p.Companies) + len(p.Sanctions)
}

func (p *Parsed) reject(file string, line int, format string, args ...any) {
	p.Rejected = append(p.Rejected, Problem{File: file, Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (p *Parsed) skip(file string, line int, reason string) {
	p.Skipped = append(p.Skipped, Problem{File: file, Line: line, Reason: reason})
}

// stamp is what every row of one file's import carries.
type stamp struct {
	file    string
	version uint64
	at      time.Time
}

func (s stamp) columns(n int) ([]string, []uint64, []time.Time) {
	files := make([]string, n)
	versions := make([]uint64, n)
	ats := make([]time.Time, n)
	for i := range n {
		files[i], versions[i], ats[i] = s.file, s.version, s.at
	}
	return files, versions, ats
}

var stampColumns = []string{"file", "line", "version", "imported_at"}

// batches are the rows of p as the tables take them.
func (p *Parsed) batches(s stamp) []store.Batch {
	var out []store.Batch
	if len(p.Tags) > 0 {
		out = append(out, tagBatch(p.Tags, s))
	}
	if len(p.Actors) > 0 {
		out = append(out, actorBatch(p.Actors, s))
	}
	if len(p.Companies) > 0 {
		out = append(out, companyBatch(p.Companies, s))
	}
	if len(p.Addresses) > 0 {
		out = append(out, companyAddressBatch(p.Addresses, s))
	}
	if len(p.Sanctions) > 0 {
		out = append(out, sanctionBatch(p.Sanctions, s))
	}
	return out
}

func tagBatch(rows []Tag, s stamp) store.Batch {
	n := len(rows)
	var (
		chains, addrs, labels, cats, abuses, actors, sources, confs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		currencies, titles, creators, lastmods, contexts            = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		levels, definers                                            = make([]uint8, n), make([]uint8, n)
		lines                                                       = make([]uint32, n)
	)
	for i, t := range rows {
		chains[i], addrs[i], labels[i], cats[i], abuses[i], actors[i], sources[i] = t.Chain, t.Address, t.Label, t.Category, t.Abuse, t.Actor, t.Source
		confs[i], levels[i], definers[i] = t.Confidence, t.ConfidenceLevel, b2u(t.IsClusterDefiner)
		currencies[i], titles[i], creators[i], lastmods[i], contexts[i] = t.Currency, t.TagpackTitle, t.Creator, t.Lastmod, t.Context
		lines[i] = uint32(t.Line)
	}
	files, versions, ats := s.columns(n)
	return store.Batch{
		Table: "tags",
		Columns: append([]string{"chain", "address", "label", "category", "abuse", "actor", "source", "confidence",
			"confidence_level", "is_cluster_definer", "currency", "tagpack_title", "creator", "lastmod", "context"}, stampColumns...),
		Data: []any{chains, addrs, labels, cats, abuses, actors, sources, confs, levels, definers, currencies, titles,
			creators, lastmods, contexts, files, lines, versions, ats},
	}
}

func actorBatch(rows []Actor, s stamp) store.Batch {
	n := len(rows)
	ids, labels, norms, uris, twitters, contexts := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	cats, jurs, domains, aliases := make([][]string, n), make([][]string, n), make([][]string, n), make([][]string, n)
	lines := make([]uint32, n)
	for i, a := range rows {
		ids[i], labels[i], norms[i], uris[i], twitters[i], contexts[i] = a.ID, a.Label, NormalizeName(a.Label), a.URI, a.TwitterHandle, a.Context
		cats[i], jurs[i], domains[i], aliases[i] = nonNil(a.Categories), nonNil(a.Jurisdictions), nonNil(a.Domains), nonNil(a.Aliases)
		lines[i] = uint32(a.Line)
	}
	files, versions, ats := s.columns(n)
	return store.Batch{
		Table: "actors",
		Columns: append([]string{"id", "label", "label_normalized", "categories", "jurisdictions", "uri", "domains",
			"aliases", "twitter_handle", "context"}, stampColumns...),
		Data: []any{ids, labels, norms, cats, jurs, uris, domains, aliases, twitters, contexts, files, lines, versions, ats},
	}
}

func companyBatch(rows []Company, s stamp) store.Batch {
	n := len(rows)
	ids, names, norms, regs, jurs, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	domains, aliases := make([][]string, n), make([][]string, n)
	lines := make([]uint32, n)
	for i, c := range rows {
		ids[i], names[i], norms[i], regs[i], jurs[i], statuses[i] = c.CompanyID, c.Name, NormalizeName(c.Name), c.RegistrationNo, c.Jurisdiction, c.Status
		domains[i], aliases[i] = nonNil(c.Domains), nonNil(c.Aliases)
		lines[i] = uint32(c.Line)
	}
	files, versions, ats := s.columns(n)
	return store.Batch{
		Table: "companies",
		Columns: append([]string{"company_id", "name", "name_normalized", "registration_no", "jurisdiction", "status",
			"domains", "aliases"}, stampColumns...),
		Data: []any{ids, names, norms, regs, jurs, statuses, domains, aliases, files, lines, versions, ats},
	}
}

func companyAddressBatch(rows []CompanyAddress, s stamp) store.Batch {
	n := len(rows)
	chains, addrs, ids, sources := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	lines := make([]uint32, n)
	for i, a := range rows {
		chains[i], addrs[i], ids[i], sources[i], lines[i] = a.Chain, a.Address, a.CompanyID, SourceRegistry, uint32(a.Line)
	}
	files, versions, ats := s.columns(n)
	return store.Batch{
		Table:   "company_addresses",
		Columns: append([]string{"chain", "address", "company_id", "source"}, stampColumns...),
		Data:    []any{chains, addrs, ids, sources, files, lines, versions, ats},
	}
}

func sanctionBatch(rows []Sanction, s stamp) store.Batch {
	n := len(rows)
	chains, addrs, lists, currencies, entities, programs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	lines := make([]uint32, n)
	for i, r := range rows {
		chains[i], addrs[i], lists[i], currencies[i], entities[i], programs[i] = r.Chain, r.Address, r.List, r.Currency, r.Entity, r.Program
		lines[i] = uint32(r.Line)
	}
	files, versions, ats := s.columns(n)
	return store.Batch{
		Table:   "sanctions",
		Columns: append([]string{"chain", "address", "list", "currency", "entity", "program"}, stampColumns...),
		Data:    []any{chains, addrs, lists, currencies, entities, programs, files, lines, versions, ats},
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
