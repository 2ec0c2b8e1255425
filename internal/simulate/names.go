package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word lists for the names of the simulated companies and brands. Domains use the reserved .example
// top-level domain (RFC 2606), so no name points at a real site.
var (
	exchangeHeads = []string{"Coin", "Bit", "Block", "Crypto", "Chain", "Hash", "Satoshi", "Ledger", "Nova", "Kite", "Ember", "Tidal"}
	exchangeTails = []string{"Harbor", "Vault", "Bridge", "Port", "Market", "Trade", "Hub", "Gate", "Yard", "Deck", "Bay", "Line"}
	projectHeads  = []string{"Moon", "Nebula", "Orbit", "Quantum", "Aurora", "Helix", "Zenith", "Apex", "Lumen", "Vertex", "Solace", "Arbor"}
	projectTails  = []string{"Chain", "Protocol", "Network", "Finance", "Labs", "Swap", "Verse", "Pay"}
	ponziHeads    = []string{"Golden", "Prime", "Royal", "Infinity", "Global", "Eternal", "Smart", "Summit", "Crown", "Unity"}
	ponziTails    = []string{"Yield", "Wealth", "Capital", "Profit", "Fortune", "Growth", "Harvest", "Returns"}
)

// A jurisdiction: its code, the suffix its companies carry and how its registration numbers look.
type jurisdiction struct {
	code, suffix string
	regNo        func(r *rand.Rand) string
}

var jurisdictions = []jurisdiction{
	{"SC", "Ltd", func(r *rand.Rand) string { return fmt.Sprintf("%06d", 100000+r.IntN(900000)) }},
	{"VG", "Limited", func(r *rand.Rand) string { return fmt.Sprintf("%07d", 1000000+r.IntN(9000000)) }},
	{"KY", "Ltd.", func(r *rand.Rand) string { return fmt.Sprintf("MC-%06d", 100000+r.IntN(900000)) }},
	{"MT", "Ltd", func(r *rand.Rand) string { return fmt.Sprintf("C %05d", 10000+r.IntN(90000)) }},
	{"EE", "OÜ", func(r *rand.Rand) string { return fmt.Sprintf("1%07d", r.IntN(10000000)) }},
	{"SG", "Pte. Ltd.", func(r *rand.Rand) string {
		return fmt.Sprintf("20%d%05d%c", 15+r.IntN(10), r.IntN(100000), 'A'+rune(r.IntN(26)))
	}},
	{"HK", "Limited", func(r *rand.Rand) string { return fmt.Sprintf("%07d", 1000000+r.IntN(9000000)) }},
	{"GB", "Ltd", func(r *rand.Rand) string { return fmt.Sprintf("1%07d", r.IntN(10000000)) }},
	{"CY", "Ltd", func(r *rand.Rand) string { return fmt.Sprintf("HE %06d", 100000+r.IntN(900000)) }},
	{"LT", "UAB", func(r *rand.Rand) string { return fmt.Sprintf("30%07d", r.IntN(10000000)) }},
}

// namer hands out brand names without repeats.
type namer struct {
	r    *rand.Rand
	used map[string]bool
}

func newNamer(r *rand.Rand) *namer { return &namer{r: r, used: map[string]bool{}} }

// brand picks an unused head+tail pair; after many tries it numbers the name.
func (n *namer) brand(heads, tails []string) string {
	for try := 0; ; try++ {
		b := heads[n.r.IntN(len(heads))] + tails[n.r.IntN(len(tails))]
		if try > 50 {
			b = fmt.Sprintf("%s%d", b, try)
		}
		if !n.used[b] {
			n.used[b] = true
			return b
		}
	}
}

// company makes a registry entry for a brand: name = brand + what + the jurisdiction's suffix.
func (n *namer) company(id, brand, what string) *Company {
	j := jurisdictions[n.r.IntN(len(jurisdictions))]
	name := strings.TrimSpace(splitCamel(brand) + " " + what + " " + j.suffix)
	domain := strings.ToLower(brand) + ".example"
	aliases := []string{splitCamel(brand)}
	if what != "" {
		aliases = append(aliases, splitCamel(brand)+" "+what)
	}
	if initials := initialsOf(brand); len(initials) >= 2 {
		aliases = append(aliases, initials)
	}
	domains := []string{domain}
	if n.r.IntN(2) == 0 {
		domains = append(domains, strings.ToLower(brand)+"-"+strings.ToLower(strings.ReplaceAll(what, " ", ""))+".example")
	}
	return &Company{
		TruthCompany: TruthCompany{CompanyID: id, Name: name, RegistrationNo: j.regNo(n.r), Jurisdiction: j.code},
		Status:       "active", Domains: domains, Aliases: aliases,
	}
}

// splitCamel turns "CoinHarbor" into "Coin Harbor".
func splitCamel(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c >= 'A' && c <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func initialsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// symbolOf makes a token symbol from a brand: its first letters, upper case.
func symbolOf(brand string) string {
	s := strings.ToUpper(brand)
	if len(s) > 4 {
		s = s[:4]
	}
	return s
}
