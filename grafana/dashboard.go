package grafana

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

//go:embed dashboards/chainsleuth.json
var files embed.FS

// Panel is one panel of the dashboard with its query.
type Panel struct {
	ID     int
	Title  string
	RawSQL string // as the dashboard holds it, with macros
}

// Panels reads the dashboard's panels.
func Panels() ([]Panel, error) {
	raw, err := files.ReadFile("dashboards/chainsleuth.json")
	if err != nil {
		return nil, err
	}
	var d struct {
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Targets []struct {
				RawSQL string `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("read dashboards/chainsleuth.json: %w", err)
	}
	var out []Panel
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, Panel{ID: p.ID, Title: p.Title, RawSQL: t.RawSQL})
		}
	}
	return out, nil
}

var (
	timeFilterRe = regexp.MustCompile(`\$__timeFilter\((\w+)\)`)
	dateFilterRe = regexp.MustCompile(`\$__dateFilter\((\w+)\)`)
	leftoverRe   = regexp.MustCompile(`\$\{?\w+`)
)

// Expand replaces the plugin's macros and the dashboard's variables as the
// plugin does for a time range, chains and an interval: $__timeFilter(c),
// $__dateFilter(c), $__interval_s and ${chain:singlequote}.
func Expand(sql string, from, to time.Time, chains []string, interval time.Duration) (string, error) {
	quoted := make([]string, len(chains))
	for i, c := range chains {
		quoted[i] = "'" + strings.ReplaceAll(c, "'", `\'`) + "'"
	}
	sql = strings.ReplaceAll(sql, "${chain:singlequote}", strings.Join(quoted, ","))
	sql = strings.ReplaceAll(sql, "$__interval_s", fmt.Sprint(int64(interval/time.Second)))
	sql = timeFilterRe.ReplaceAllString(sql, fmt.Sprintf("$1 >= toDateTime(%d) AND $1 <= toDateTime(%d)", from.Unix(), to.Unix()))
	sql = dateFilterRe.ReplaceAllString(sql, fmt.Sprintf("$1 >= toDate('%s') AND $1 <= toDate('%s')", from.UTC().Format("2006-01-02"), to.UTC().Format("2006-01-02")))
	if m := leftoverRe.FindString(sql); m != "" {
		return "", fmt.Errorf("unexpanded macro or variable %s in %q", m, sql)
	}
	return sql, nil
}

// Every panel's query, for `chainsleuth sql dump` and the dialect test.
func init() {
	panels, err := Panels()
	if err != nil {
		panic(err) // the embedded file is part of the build
	}
	for _, p := range panels {
		sql, err := Expand(p.RawSQL, time.Unix(1_700_000_000, 0), time.Unix(1_900_000_000, 0), []string{"btc", "eth"}, time.Minute)
		if err != nil {
			panic(fmt.Sprintf("grafana panel %d %q: %v", p.ID, p.Title, err))
		}
		store.Register(store.Statement{Name: fmt.Sprintf("grafana.panel%d", p.ID), SQL: sql})
	}
}
