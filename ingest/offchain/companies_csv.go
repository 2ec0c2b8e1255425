package offchain

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// CompanyColumns are the columns of a company registry CSV file, as
// `chainsleuth simulate` writes companies.csv. company_id and name are
// required; domains, aliases and addresses are lists separated by ";",
// addresses as chain:address (btc:bc1q…;eth:0x…).
var CompanyColumns = []string{"company_id", "name", "registration_no", "jurisdiction", "status", "domains", "aliases", "addresses"}

// ParseCompaniesCSV reads a company registry CSV file.
func ParseCompaniesCSV(r io.Reader, file string, a Addresser) (*Parsed, error) {
	p := &Parsed{Kind: KindCompanies, Format: FormatCompaniesCSV}
	reg := newRegistry(p, file, a)
	err := csvTable(r, file, []string{"company_id", "name"}, p, func(line int, get func(string) string) {
		reg.add(line, Company{
			CompanyID: get("company_id"), Name: get("name"), RegistrationNo: get("registration_no"),
			Jurisdiction: get("jurisdiction"), Status: get("status"),
			Domains: splitList(get("domains")), Aliases: splitList(get("aliases")),
		}, splitList(get("addresses")))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// registry checks company entries, whatever file format they come in, and
// collects the good ones.
type registry struct {
	p     *Parsed
	file  string
	a     Addresser
	first map[string]int // company_id → line
}

func newRegistry(p *Parsed, file string, a Addresser) *registry {
	return &registry{p: p, file: file, a: a, first: map[string]int{}}
}

// add checks one entry and its "chain:address" list; an entry with anything
// malformed is rejected whole.
func (g *registry) add(line int, c Company, addrs []string) {
	if c.CompanyID == "" {
		g.p.reject(g.file, line, "no company_id")
		return
	}
	if c.Name == "" {
		g.p.reject(g.file, line, "company %s has no name", c.CompanyID)
		return
	}
	if prev, dup := g.first[c.CompanyID]; dup {
		g.p.reject(g.file, line, "company_id %s repeats the one on line %d", c.CompanyID, prev)
		return
	}
	var out []CompanyAddress
	seen := map[[2]string]bool{}
	for _, s := range addrs {
		ca, err := g.address(s)
		if err != nil {
			g.p.reject(g.file, line, "company %s: addresses: %v", c.CompanyID, err)
			return
		}
		key := [2]string{ca.Chain, ca.Address}
		if seen[key] {
			continue
		}
		seen[key] = true
		ca.CompanyID, ca.Line = c.CompanyID, line
		out = append(out, ca)
	}
	var domains []string
	for _, d := range c.Domains {
		n := NormalizeDomain(d)
		if n == "" {
			g.p.reject(g.file, line, "company %s: domain %q has no host name", c.CompanyID, d)
			return
		}
		domains = append(domains, n)
	}
	c.Domains = domains
	c.Line = line
	g.first[c.CompanyID] = line
	g.p.Companies = append(g.p.Companies, c)
	g.p.Addresses = append(g.p.Addresses, out...)
}

// address reads "chain:address".
func (g *registry) address(s string) (CompanyAddress, error) {
	ch, addr, ok := strings.Cut(s, ":")
	if !ok {
		return CompanyAddress{}, fmt.Errorf("%q: want chain:address", s)
	}
	chainName, err := ChainOf(ch)
	if err != nil {
		return CompanyAddress{}, err
	}
	norm, err := g.a.Normalize(chainName, addr)
	if err != nil {
		return CompanyAddress{}, err
	}
	if norm == "" {
		return CompanyAddress{}, errors.New("empty address")
	}
	return CompanyAddress{Chain: chainName, Address: norm}, nil
}
