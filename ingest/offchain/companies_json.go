package offchain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// companyJSON is one entry of a company registry JSON file: an array of
// objects with the CSV file's fields. domains, aliases and addresses may be
// arrays or ";"-separated strings; an address may be "chain:address" or
// {"chain": …, "address": …}.
type companyJSON struct {
	CompanyID      string          `json:"company_id"`
	Name           string          `json:"name"`
	RegistrationNo string          `json:"registration_no"`
	Jurisdiction   string          `json:"jurisdiction"`
	Status         string          `json:"status"`
	Domains        json.RawMessage `json:"domains"`
	Aliases        json.RawMessage `json:"aliases"`
	Addresses      json.RawMessage `json:"addresses"`
}

// ParseCompaniesJSON reads a company registry JSON file. An entry of the
// wrong shape is rejected with its line; JSON that does not parse fails the
// whole file (there is no telling where the next entry starts).
func ParseCompaniesJSON(data []byte, file string, a Addresser) (*Parsed, error) {
	p := &Parsed{Kind: KindCompanies, Format: FormatCompaniesJSON}
	reg := newRegistry(p, file, a)
	err := jsonArray(data, "company objects", func(line int, raw json.RawMessage) {
		var c companyJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			p.reject(file, line, "entry: %v", jsonReason(err))
			return
		}
		domains, err1 := jsonList("domains", c.Domains)
		aliases, err2 := jsonList("aliases", c.Aliases)
		addrs, err3 := jsonAddresses(c.Addresses)
		if err := errors.Join(err1, err2, err3); err != nil {
			p.reject(file, line, "company %s: %v", c.CompanyID, err)
			return
		}
		reg.add(line, Company{
			CompanyID: strings.TrimSpace(c.CompanyID), Name: strings.TrimSpace(c.Name),
			RegistrationNo: strings.TrimSpace(c.RegistrationNo), Jurisdiction: strings.TrimSpace(c.Jurisdiction),
			Status: strings.TrimSpace(c.Status), Domains: domains, Aliases: aliases,
		}, addrs)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// jsonArray hands each element of a JSON array to each, with the line it
// starts on. JSON that does not parse is an error: there is no telling where
// the next element starts.
func jsonArray(data []byte, what string, each func(line int, raw json.RawMessage)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want a JSON array of %s", what)
	}
	for dec.More() {
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("line %d: not valid JSON: %w", line, err)
		}
		each(line, raw)
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("not valid JSON at the end of the array: %w", err)
	}
	return nil
}

// lineAt is the line of the first byte at or after off that is not white
// space or a comma: where the next array element starts.
func lineAt(data []byte, off int64) int {
	i := int(off)
	for i < len(data) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
		i++
	}
	return 1 + bytes.Count(data[:min(i, len(data))], []byte{'\n'})
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return fmt.Sprintf("a JSON %s, want an object", te.Value)
	}
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s, want a %s", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

// jsonList reads a list field: an array of strings, a ";"-separated string,
// or nothing.
func jsonList(name string, raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return splitList(s), nil
	}
	var items []string
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: want an array of strings or a ;-separated string", name)
	}
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, nil
}

// jsonAddresses reads addresses as jsonList does, also taking objects
// {"chain", "address"}; it returns them as "chain:address".
func jsonAddresses(raw json.RawMessage) ([]string, error) {
	if list, err := jsonList("addresses", raw); err == nil {
		return list, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("addresses: want an array")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, strings.TrimSpace(s))
			continue
		}
		var ca struct{ Chain, Address string }
		if err := json.Unmarshal(it, &ca); err != nil {
			return nil, fmt.Errorf("addresses: %s: want \"chain:address\" or {\"chain\", \"address\"}", it)
		}
		out = append(out, strings.TrimSpace(ca.Chain)+":"+strings.TrimSpace(ca.Address))
	}
	return out, nil
}
