package offchain

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
)

// ofacName is how the OFAC SDN digital-currency address lists are named
// (0xB10C/ofac-sanctioned-digital-currency-addresses): one file per asset,
// sanctioned_addresses_XBT.txt (one address a line) or .json (an array).
var ofacName = regexp.MustCompile(`^sanctioned_addresses_([A-Za-z0-9]+)\.(txt|json)$`)

// OFACCurrency is the asset of an OFAC list file, read from its name; "" when
// the name does not follow the lists' naming.
func OFACCurrency(path string) string {
	m := ofacName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

// ParseOFAC reads an OFAC sanctioned-address list for one asset (currency:
// XBT, ETH, USDT …): a text file with one address a line (blank lines and
// lines starting with # are passed over) or, when the data starts with '[', a
// JSON array of strings. Addresses on chains chainsleuth does not ingest are
// skipped with the reason.
func ParseOFAC(data []byte, file, currency string, a Addresser) (*Parsed, error) {
	if currency == "" {
		return nil, errors.New("cannot tell the list's asset: name the file sanctioned_addresses_<ASSET>.txt or .json, or give the currency")
	}
	currency = strings.ToUpper(currency)
	p := &Parsed{Kind: KindSanctions, Format: FormatOFACText}
	type entry struct {
		line int
		addr string
	}
	var entries []entry
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		p.Format = FormatOFACJSON
		err := jsonArray(data, "addresses", func(line int, raw json.RawMessage) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.reject(file, line, "entry %s: want a string", raw)
				return
			}
			entries = append(entries, entry{line, s})
		})
		if err != nil {
			return nil, err
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			s := strings.TrimSpace(sc.Text())
			if s == "" || strings.HasPrefix(s, "#") {
				continue
			}
			entries = append(entries, entry{line, s})
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	seen := map[[2]string]struct{}{}
	for _, e := range entries {
		chainName, err := ChainForCurrency(currency, e.addr)
		if errors.Is(err, ErrSkip) {
			p.skip(file, e.line, strings.TrimPrefix(err.Error(), ErrSkip.Error()+": "))
			continue
		}
		if err == nil {
			e.addr, err = a.Normalize(chainName, e.addr)
		}
		if err != nil {
			p.reject(file, e.line, "%v", err)
			continue
		}
		key := [2]string{chainName, e.addr}
		if _, dup := seen[key]; dup {
			p.Duplicates++
			continue
		}
		seen[key] = struct{}{}
		p.Sanctions = append(p.Sanctions, Sanction{Chain: chainName, Address: e.addr, List: ListOFAC, Currency: currency, Line: e.line})
	}
	return p, nil
}
