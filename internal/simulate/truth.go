package simulate

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Entity kinds in truth.json.
const (
	KindExchange      = "exchange"
	KindOTC           = "otc"
	KindTokenSale     = "token_sale"
	KindPonzi         = "ponzi"
	KindAirdropSource = "airdrop_source"
	KindAirdropFarmer = "airdrop_farmer"
	KindRetail        = "retail"
	KindCoinJoinRound = "coinjoin_round"
)

// Truth is truth.json: who controls what in the simulated world. Its shape is fixed, since tests and
// tools read it.
type Truth struct {
	Seed      uint64         `json:"seed"`
	Entities  []TruthEntity  `json:"entities"`
	Companies []TruthCompany `json:"companies"`
}

// TruthEntity is one actor: every address it controls (each address belongs to exactly one entity) and
// the contracts it deployed. Bitcoin addresses are in the node's encoding, Ethereum addresses lowercase
// 0x-hex. CoinJoin rounds control nothing: their participants are retail users.
type TruthEntity struct {
	ID          string      `json:"id"`
	Kind        string      `json:"kind"`
	Fundraising bool        `json:"fundraising"`
	CompanyID   *string     `json:"company_id"`
	Addresses   []ChainAddr `json:"addresses"`
	Contracts   []ChainAddr `json:"contracts"`
}

// ChainAddr is an address on a chain ("btc" or "eth").
type ChainAddr struct {
	Chain   string `json:"chain"`
	Address string `json:"address"`
}

// TruthCompany is a registry entry as truth.json names it; companies.csv has all of its fields.
type TruthCompany struct {
	CompanyID      string `json:"company_id"`
	Name           string `json:"name"`
	RegistrationNo string `json:"registration_no"`
	Jurisdiction   string `json:"jurisdiction"`
}

// Company is a registry entry with everything companies.csv holds.
type Company struct {
	TruthCompany
	Status  string
	Domains []string
	Aliases []string
	// Addresses are the company's publicly known addresses: some of its entity's, not all.
	Addresses []ChainAddr
}

// Entity returns the entity with id, or nil.
func (t *Truth) Entity(id string) *TruthEntity {
	for i := range t.Entities {
		if t.Entities[i].ID == id {
			return &t.Entities[i]
		}
	}
	return nil
}

// OfKind lists the entities of a kind, in truth order.
func (t *Truth) OfKind(kind string) []*TruthEntity {
	var out []*TruthEntity
	for i := range t.Entities {
		if t.Entities[i].Kind == kind {
			out = append(out, &t.Entities[i])
		}
	}
	return out
}

// Owners maps "chain:address" to the id of the entity controlling it (contracts included).
func (t *Truth) Owners() map[string]string {
	m := map[string]string{}
	for _, e := range t.Entities {
		for _, a := range e.Addresses {
			m[a.Chain+":"+a.Address] = e.ID
		}
		for _, a := range e.Contracts {
			m[a.Chain+":"+a.Address] = e.ID
		}
	}
	return m
}

// WriteTruth writes truth.json, indented, with a final newline.
func WriteTruth(w io.Writer, t *Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadTruth reads a truth.json file.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("read truth %s: %w", path, err)
	}
	return &t, nil
}

// CompaniesHeader is the header of companies.csv.
var CompaniesHeader = []string{"company_id", "name", "registration_no", "jurisdiction", "status", "domains", "aliases", "addresses"}

// WriteCompanies writes companies.csv: one company per row; domains, aliases and addresses are lists
// separated by ";", addresses as chain:address.
func WriteCompanies(w io.Writer, companies []Company) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CompaniesHeader); err != nil {
		return err
	}
	for _, c := range companies {
		addrs := make([]string, len(c.Addresses))
		for i, a := range c.Addresses {
			addrs[i] = a.Chain + ":" + a.Address
		}
		row := []string{c.CompanyID, c.Name, c.RegistrationNo, c.Jurisdiction, c.Status,
			strings.Join(c.Domains, ";"), strings.Join(c.Aliases, ";"), strings.Join(addrs, ";")}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeFile writes a file through fn, atomically (a temporary file renamed into place).
func writeFile(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".simulate-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fn(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		if i == 0 {
			return "/"
		}
		return path[:i]
	}
	return "."
}

// WriteFiles writes truth.json and companies.csv (either path may be empty).
func (r *Result) WriteFiles(truthPath, companiesPath string) error {
	if truthPath != "" {
		if err := writeFile(truthPath, func(w io.Writer) error { return WriteTruth(w, r.Truth) }); err != nil {
			return err
		}
	}
	if companiesPath != "" {
		if err := writeFile(companiesPath, func(w io.Writer) error { return WriteCompanies(w, r.Companies) }); err != nil {
			return err
		}
	}
	return nil
}
