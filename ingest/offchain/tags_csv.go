package offchain

import (
	"io"
)

// TagColumns are the columns of a plain CSV tag file. chain, address and
// label are required; actor, confidence (a GraphSense id or 0–100) and abuse
// are read when present.
var TagColumns = []string{"chain", "address", "label", "category", "source"}

// ParseTagsCSV reads a plain CSV tag file.
func ParseTagsCSV(r io.Reader, file string, a Addresser) (*Parsed, error) {
	p := &Parsed{Kind: KindTags, Format: FormatTagsCSV}
	seen := map[[3]string]struct{}{}
	err := csvTable(r, file, []string{"chain", "address", "label"}, p, func(line int, get func(string) string) {
		chainName, err := ChainOf(get("chain"))
		if err != nil {
			p.reject(file, line, "%v", err)
			return
		}
		if get("label") == "" {
			p.reject(file, line, "no label")
			return
		}
		addr, err := a.Normalize(chainName, get("address"))
		if err != nil {
			p.reject(file, line, "%v", err)
			return
		}
		conf, level, err := confidence(get("confidence"))
		if err != nil {
			p.reject(file, line, "%v", err)
			return
		}
		t := Tag{Chain: chainName, Address: addr, Label: get("label"), Category: get("category"), Source: get("source"),
			Actor: get("actor"), Abuse: get("abuse"), Confidence: conf, ConfidenceLevel: level, Line: line}
		key := [3]string{t.Chain, t.Address, t.Label}
		if _, dup := seen[key]; dup {
			p.Duplicates++
			return
		}
		seen[key] = struct{}{}
		p.Tags = append(p.Tags, t)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
