package offchain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvTable reads a CSV file with a header row, handing each record to row
// with its line and a field getter by column name. A record the CSV reader
// cannot parse (a stray or unterminated quote) is rejected with its line and
// reading goes on with the next; a record with another number of fields than
// the header is rejected too.
func csvTable(r io.Reader, file string, required []string, p *Parsed, row func(line int, get func(string) string)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so the row can be reported and skipped
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return errors.New("empty file: want a header row")
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[h] = i
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			return fmt.Errorf("header %q has no %s column (want %s)", strings.Join(header, ","), c, strings.Join(required, ", "))
		}
	}
	width := len(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			p.reject(file, pe.StartLine, "CSV: %v", pe.Err)
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != width {
			p.reject(file, line, "%d fields, the header has %d", len(rec), width)
			continue
		}
		row(line, func(name string) string {
			if i, ok := cols[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		})
	}
}
