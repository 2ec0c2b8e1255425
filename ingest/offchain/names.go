package offchain

import (
	"net/url"
	"strings"
	"unicode"
)

// legalForms are company-form words dropped from the end of a normalised
// name, so "Block Deck Digital Assets Limited" and an actor labelled "Block
// Deck Digital Assets" meet. Multi-word forms are listed as their words.
var legalForms = map[string]bool{
	"ltd": true, "limited": true, "llc": true, "llp": true, "lp": true, "inc": true, "incorporated": true,
	"corp": true, "corporation": true, "co": true, "company": true, "plc": true, "gmbh": true, "ag": true,
	"sa": true, "sas": true, "sarl": true, "srl": true, "spa": true, "bv": true, "nv": true, "ab": true,
	"as": true, "asa": true, "oy": true, "oü": true, "ou": true, "uab": true, "sia": true, "kft": true,
	"pte": true, "pty": true, "bhd": true, "sdn": true, "kk": true, "sro": true,
}

// NormalizeName folds a company or actor name for matching: lower case,
// dots and apostrophes dropped (so "S.A." is "sa" and "Pte. Ltd." is "pte
// ltd"), every other run of characters that are not letters or digits
// becomes one space, and legal-form words at the end are dropped ("ltd",
// "limited", "pte ltd", "oü", "uab", "gmbh" …). A name made only of such
// words is kept as it folds.
func NormalizeName(name string) string {
	name = strings.NewReplacer(".", "", "'", "", "’", "").Replace(strings.ToLower(name))
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	n := len(words)
	for n > 1 && legalForms[words[n-1]] {
		n--
	}
	return strings.Join(words[:n], " ")
}

// NormalizeDomain reduces a domain or URL to its host in lower case, without
// a leading "www.", a port or a trailing dot: "https://WWW.Example.com/x" is
// "example.com". It returns "" when there is no host.
func NormalizeDomain(s string) string {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	host = strings.TrimPrefix(host, "www.")
	if !strings.Contains(host, ".") {
		return ""
	}
	return host
}

// splitList splits a list field ("a;b;c") into trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
