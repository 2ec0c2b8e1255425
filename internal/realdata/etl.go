package realdata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// ETLRows reads one of ethereum-etl's expected exports (CSV, or JSON lines
// for .json files) as rows keyed by column name, every value formatted as
// its CSV export writes it: null as "", numbers exactly, lists joined with
// commas, booleans as True/False.
func ETLRows(t testing.TB, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	if filepath.Ext(path) == ".csv" {
		rows, err = csvRows(data)
	} else {
		rows, err = jsonLineRows(data)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func csvRows(data []byte) ([]map[string]string, error) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out = append(out, row)
	}
	return out, nil
}

func jsonLineRows(data []byte) ([]map[string]string, error) {
	var out []map[string]string
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		row := map[string]string{}
		for k, v := range obj {
			row[k] = csvValue(v)
		}
		out = append(out, row)
	}
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = csvValue(e)
		}
		return strings.Join(parts, ",")
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}

// CompareETLRows checks that got has the expected rows, column by column for
// the given columns, in order.
func CompareETLRows(t testing.TB, what string, got, want []map[string]string, cols []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, ethereum-etl has %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		for _, c := range cols {
			if _, ok := want[i][c]; !ok {
				t.Fatalf("%s: ethereum-etl's row %d has no column %s", what, i, c)
			}
			if got[i][c] != want[i][c] {
				t.Errorf("%s row %d %s = %q, ethereum-etl has %q", what, i, c, got[i][c], want[i][c])
			}
		}
	}
}

// SortRows orders rows by the given columns (as numbers when they are).
func SortRows(rows []map[string]string, cols ...string) {
	sort.SliceStable(rows, func(i, j int) bool {
		for _, c := range cols {
			a, b := rows[i][c], rows[j][c]
			if a == b {
				continue
			}
			x, e1 := strconv.ParseFloat(a, 64)
			y, e2 := strconv.ParseFloat(b, 64)
			if e1 == nil && e2 == nil {
				return x < y
			}
			return a < b
		}
		return false
	})
}
