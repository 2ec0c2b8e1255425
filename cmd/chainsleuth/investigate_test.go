package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/grafana"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/investigate"
	"github.com/chainsleuth/chainsleuth/heuristics/score"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares v, as indented JSON, with testdata/name (rewritten with -update).
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/chainsleuth -run TestInvestigatorCommands -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file: review and regenerate with -update\ngot:\n%s", path, got)
	}
}

// cliJSON runs a command that must succeed and decodes its JSON output into v.
func cliJSON(t *testing.T, env []string, v any, args ...string) {
	t.Helper()
	out, errOut, code := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// canonicalIDs numbers the clusters of each chain by their smallest address: 0 for the cluster holding
// the chain's smallest address, 1 for the next, and so on. A cluster's own id is the smallest address id
// in it, and address ids follow the order of first appearance, which moves between builds of the same
// seed: btcd orders the transactions of a block that pay the same fee rate at random, and now and then the
// dev chain seals an Ethereum transaction one block later. What a cluster holds does not move with them,
// and neither does this numbering, so the golden files hold canonical ids.
type canonicalIDs map[string]map[uint32]uint32

func newCanonicalIDs(t *testing.T, w *testworld.World) canonicalIDs {
	t.Helper()
	out := canonicalIDs{}
	for _, chainName := range []string{"btc", "eth"} {
		smallest := map[uint32]string{}
		err := cluster.Export(context.Background(), w.Store, chainName, func(a string, c uint32) error {
			if s, ok := smallest[c]; !ok || a < s {
				smallest[c] = a
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := slices.Collect(maps.Keys(smallest))
		slices.SortFunc(ids, func(a, b uint32) int { return strings.Compare(smallest[a], smallest[b]) })
		out[chainName] = map[uint32]uint32{}
		for i, c := range ids {
			out[chainName][c] = uint32(i)
		}
	}
	return out
}

// of is the canonical id of a cluster.
func (cn canonicalIDs) of(t *testing.T, chainName string, c uint32) uint32 {
	t.Helper()
	id, ok := cn[chainName][c]
	if !ok {
		t.Fatalf("cluster %d is not among the clusters of %s", c, chainName)
	}
	return id
}

// goldenNode is what of a cluster is the same in every build of a seed's world: block heights and times
// vary by a block or two between builds, and with them the score's hold times, reasons and score; cluster
// ids are canonical (canonicalIDs).
type goldenNode struct {
	Chain     string   `json:"chain"`
	ClusterID uint32   `json:"cluster_id"`
	Size      uint64   `json:"size"`
	Kind      string   `json:"kind"`
	Payers    uint32   `json:"payers"`
	Companies []string `json:"companies"`
}

func stableNode(t *testing.T, cn canonicalIDs, n *investigate.Node) *goldenNode {
	t.Helper()
	if n == nil {
		return nil
	}
	g := &goldenNode{Chain: n.Chain, ClusterID: cn.of(t, n.Chain, n.ClusterID), Size: n.Size, Companies: []string{}}
	if n.Score != nil {
		g.Kind, g.Payers = n.Score.Kind, n.Score.Payers
	}
	for _, c := range n.Companies {
		g.Companies = append(g.Companies, c.CompanyID)
	}
	return g
}

// stableProfile is a profile without heights and times, amounts rounded, cluster ids canonical.
func stableProfile(t *testing.T, cn canonicalIDs, p investigate.Profile) any {
	t.Helper()
	p.Totals, p.Counterparties = slices.Clone(p.Totals), slices.Clone(p.Counterparties)
	for i := range p.Totals {
		p.Totals[i].Received, p.Totals[i].Sent = round6(p.Totals[i].Received), round6(p.Totals[i].Sent)
	}
	for i := range p.Counterparties {
		c := &p.Counterparties[i].Total
		c.Received, c.Sent = round6(c.Received), round6(c.Sent)
		if id := p.Counterparties[i].ClusterID; id != nil {
			canonical := cn.of(t, p.Chain, *id)
			p.Counterparties[i].ClusterID = &canonical
		}
	}
	return struct {
		Chain          string                     `json:"chain"`
		Address        string                     `json:"address"`
		Cluster        *goldenNode                `json:"cluster"`
		Tags           []investigate.Tag          `json:"tags"`
		Companies      []investigate.CompanyLink  `json:"companies"`
		Totals         []investigate.Total        `json:"totals"`
		Counterparties []investigate.Counterparty `json:"counterparties"`
	}{p.Chain, p.Address, stableNode(t, cn, p.Cluster), p.Tags, p.Companies, p.Totals, p.Counterparties}
}

// stableFlow is a flow without times, amounts rounded, cluster ids canonical, its nodes and edges in
// the order of those ids (the command orders ties by its own ids).
func stableFlow(t *testing.T, cn canonicalIDs, f investigate.Flow) any {
	t.Helper()
	f.Edges = slices.Clone(f.Edges)
	nodes := []*goldenNode{}
	for _, n := range f.Nodes {
		nodes = append(nodes, stableNode(t, cn, n))
	}
	slices.SortFunc(nodes, func(a, b *goldenNode) int {
		return cmp.Or(strings.Compare(a.Chain, b.Chain), cmp.Compare(a.ClusterID, b.ClusterID))
	})
	for i := range f.Edges {
		e := &f.Edges[i]
		e.FirstTime, e.LastTime = time.Time{}, time.Time{}
		e.Value = round6(e.Value)
		e.From, e.To = cn.of(t, f.Chain, e.From), cn.of(t, f.Chain, e.To)
	}
	slices.SortFunc(f.Edges, func(a, b investigate.Edge) int {
		return cmp.Or(cmp.Compare(a.Hop, b.Hop), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), strings.Compare(a.Asset, b.Asset))
	})
	f.Root = cn.of(t, f.Chain, f.Root)
	return struct {
		Chain     string             `json:"chain"`
		Root      uint32             `json:"root"`
		Direction string             `json:"direction"`
		Hops      int                `json:"hops"`
		Nodes     []*goldenNode      `json:"nodes"`
		Edges     []investigate.Edge `json:"edges"`
	}{f.Chain, f.Root, f.Direction, f.Hops, nodes, f.Edges}
}

// stableTop is the set of the four highest clusters (the simulated world's fundraising entities), each
// named by the entity of the world whose address or contract it holds (owner) and by its canonical id,
// ordered by chain and owner: their order, scores and reasons move with block timing between builds.
func stableTop(t *testing.T, w *testworld.World, cn canonicalIDs, env []string, top []score.TopRow) any {
	t.Helper()
	owner := map[string]string{}
	for _, e := range w.Truth.Entities {
		for _, a := range append(slices.Clone(e.Addresses), e.Contracts...) {
			owner[a.Chain+" "+a.Address] = e.ID
		}
	}
	type row struct {
		Chain     string `json:"chain"`
		ClusterID uint32 `json:"cluster_id"`
		Owner     string `json:"owner"`
		Kind      string `json:"kind"`
		Payers    uint32 `json:"payers"`
		CompanyID string `json:"company_id"`
	}
	out := []row{}
	for _, r := range top[:min(4, len(top))] {
		var v cluster.View
		cliJSON(t, env, &v, "cluster", "show", strconv.FormatUint(uint64(r.ClusterID), 10), "--chain", r.Chain, "--format", "json")
		if len(v.Addresses) == 0 {
			t.Fatalf("cluster %d on %s has no addresses", r.ClusterID, r.Chain)
		}
		out = append(out, row{Chain: r.Chain, ClusterID: cn.of(t, r.Chain, r.ClusterID), Owner: owner[r.Chain+" "+v.Addresses[0]],
			Kind: r.Kind, Payers: r.Payers, CompanyID: r.CompanyID})
	}
	slices.SortFunc(out, func(a, b row) int {
		return cmp.Or(strings.Compare(a.Chain, b.Chain), strings.Compare(a.Owner, b.Owner))
	})
	return out
}

// Every investigator command against a simulated world on real servers (regtest btcd, the dev chain,
// ClickHouse), after the batch jobs: top, address, trace, export graph, their errors and injection
// attempts, the dashboard views and panels (also as the read-only investigator user), and golden JSON of
// the stable outputs.
func TestInvestigatorCommandsOnASimulatedWorld(t *testing.T) {
	w := testworld.Build(t, 33)
	ctx := context.Background()
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + w.DSN}
	csv := filepath.Join(t.TempDir(), "companies.csv")
	if err := w.Result.WriteFiles("", csv); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "companies", "--btc-network", "regtest", csv},
		{"score", "--period-blocks", "10"}, // the simulator's rounds are blocks
		{"attribute"},
	} {
		if out, errOut, code := runCLI(t, env, args...); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}

	// top: the highest score first, and the view the dashboard reads says the same.
	var top []score.TopRow
	cliJSON(t, env, &top, "top", "--limit", "10", "--format", "json")
	if len(top) == 0 || top[0].Score <= 0 {
		t.Fatalf("top: %+v", top)
	}
	cn := newCanonicalIDs(t, w)
	checkGolden(t, "investigate/top.json", stableTop(t, w, cn, env, top))
	// The cluster investigated: of the four highest (the same four in every build), the Ethereum one with
	// the smallest canonical id; the address profiled and traced: its smallest address (both the same in
	// every build, unlike ids).
	four := slices.Clone(top[:min(4, len(top))])
	slices.SortFunc(four, func(a, b score.TopRow) int {
		return cmp.Or(strings.Compare(b.Chain, a.Chain), cmp.Compare(cn.of(t, a.Chain, a.ClusterID), cn.of(t, b.Chain, b.ClusterID)))
	})
	root := four[0]
	if root.Chain != "eth" {
		t.Fatalf("no Ethereum cluster among the four highest: %+v", four)
	}
	var shown cluster.View
	cliJSON(t, env, &shown, "cluster", "show", strconv.FormatUint(uint64(root.ClusterID), 10), "--chain", root.Chain,
		"--limit", "1000000", "--format", "json")
	if len(shown.Addresses) == 0 || uint64(len(shown.Addresses)) != shown.Size {
		t.Fatalf("cluster show %d: %d addresses of %d", root.ClusterID, len(shown.Addresses), shown.Size)
	}
	addr := slices.Min(shown.Addresses)

	t.Run("address profiles the top cluster's first address", func(t *testing.T) {
		var p investigate.Profile
		cliJSON(t, env, &p, "address", addr, "--format", "json")
		if p.Chain != root.Chain || p.Address != addr || p.Cluster == nil || p.Cluster.ClusterID != root.ClusterID ||
			p.Cluster.Size != shown.Size || p.Cluster.Score == nil || p.Cluster.Score.Score != root.Score || p.Cluster.Score.Kind != root.Kind {
			t.Fatalf("address %s: cluster %+v, want top's %+v", addr, p.Cluster, root)
		}
		if p.FirstSeen == nil || p.LastSeen == nil || p.FirstSeen.Height > p.LastSeen.Height || len(p.Totals) == 0 {
			t.Fatalf("address %s: seen %+v..%+v totals %+v", addr, p.FirstSeen, p.LastSeen, p.Totals)
		}
		// The totals agree with the address's rows read back directly.
		in, out := map[string]float64{}, map[string]float64{}
		err := w.Store.Query(ctx, "test: an address's transfers", `SELECT asset, direction, sum(value) FROM transfers_by_address FINAL
WHERE chain = ? AND address = ? GROUP BY asset, direction`, []any{p.Chain, addr}, nil, func(r driver.Rows) error {
			var asset string
			var dir int8
			var v float64
			err := r.Scan(&asset, &dir, &v)
			if dir == 1 {
				in[asset] = v
			} else {
				out[asset] = v
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tot := range p.Totals {
			if math.Abs(tot.Received-in[tot.Asset]) > 1e-9 || math.Abs(tot.Sent-out[tot.Asset]) > 1e-9 || tot.Unit == "" {
				t.Errorf("total %+v, want received %v sent %v", tot, in[tot.Asset], out[tot.Asset])
			}
		}
		for _, c := range p.Counterparties {
			if c.Address == addr || c.TransfersIn+c.TransfersOut == 0 {
				t.Errorf("counterparty %+v", c)
			}
		}
		checkGolden(t, "investigate/address.json", stableProfile(t, cn, p))

		table, _, code := runCLI(t, env, "address", addr)
		unit := p.Totals[0].Unit
		if code != 0 || !strings.Contains(table, "cluster "+strconv.FormatUint(uint64(root.ClusterID), 10)) ||
			!strings.Contains(table, investigate.FormatValue(p.Totals[0].Received)+" "+unit) || !strings.Contains(table, "top counterparties") {
			t.Errorf("address table: exit %d\n%s", code, table)
		}
		wide, _, _ := runCLI(t, env, "address", addr, "--wide")
		if len(p.Counterparties) > 0 && len(p.Counterparties[0].Address) > 20 &&
			(strings.Contains(wide, "…") || !strings.Contains(wide, p.Counterparties[0].Address) || !strings.Contains(table, "…")) {
			t.Errorf("--wide should show whole addresses, the table shortened ones:\n%s\n%s", table, wide)
		}
	})

	t.Run("address names the registry company of a company's address", func(t *testing.T) {
		for _, co := range w.Result.Companies {
			if len(co.Addresses) == 0 {
				continue
			}
			a := co.Addresses[0]
			var p investigate.Profile
			cliJSON(t, env, &p, "address", a.Address, "--chain", a.Chain, "--format", "json")
			found := slices.ContainsFunc(p.Companies, func(c investigate.CompanyLink) bool {
				return c.CompanyID == co.CompanyID && c.Name == co.Name && c.Method == "address"
			})
			if !found {
				t.Errorf("address %s of %s: companies %+v", a.Address, co.CompanyID, p.Companies)
			}
			if p.Cluster != nil && !slices.ContainsFunc(p.Cluster.Companies, func(c investigate.CompanyLink) bool { return c.CompanyID == co.CompanyID }) {
				t.Errorf("attribution did not attach %s to the cluster of its address %s: %+v", co.CompanyID, a.Address, p.Cluster.Companies)
			}
		}
	})

	var payers []uint32 // the clusters paying into the top cluster, from the trace
	t.Run("trace in lists every paying cluster with amounts and transaction ids", func(t *testing.T) {
		var f investigate.Flow
		cliJSON(t, env, &f, "trace", addr, "--direction", "in", "--hops", "1", "--limit", "100000", "--format", "json")
		if f.Root != root.ClusterID || f.Chain != root.Chain || len(f.Edges) == 0 || f.Truncated || f.Nodes[0].ClusterID != root.ClusterID {
			t.Fatalf("trace in: root %d edges %d truncated %v", f.Root, len(f.Edges), f.Truncated)
		}
		for _, e := range f.Edges {
			if e.To != root.ClusterID || e.From == root.ClusterID || e.Hop != 1 || e.Transfers == 0 || len(e.TxIDs) == 0 ||
				len(e.TxIDs) > 3 || uint64(len(e.TxIDs)) > e.Transfers || e.Unit == "" || e.FirstTime.After(e.LastTime) {
				t.Errorf("edge %+v", e)
			}
			if !slices.Contains(payers, e.From) {
				payers = append(payers, e.From)
			}
		}
		if len(payers) < int(root.Payers) {
			t.Errorf("trace in: %d paying clusters, the score counted %d", len(payers), root.Payers)
		}
		checkGolden(t, "investigate/trace_in.json", stableFlow(t, cn, f))

		csvOut, _, code := runCLI(t, env, "trace", addr, "--direction", "in", "--hops", "1", "--limit", "100000", "--format", "csv")
		if lines := strings.Split(strings.TrimSpace(csvOut), "\n"); code != 0 || len(lines) != len(f.Edges)+1 || !strings.HasPrefix(lines[0], "chain,hop,from_cluster") {
			t.Errorf("trace csv: exit %d, %d lines for %d edges", code, len(lines), len(f.Edges))
		}
		var cut investigate.Flow
		cliJSON(t, env, &cut, "trace", addr, "--direction", "in", "--hops", "2", "--limit", "2", "--format", "json")
		perHop := map[int]int{}
		for _, e := range cut.Edges {
			perHop[e.Hop]++
		}
		if len(f.Edges) > 2 && (!cut.Truncated || perHop[1] != 2 || perHop[2] > 2) {
			t.Errorf("--limit 2: truncated %v, edges per hop %v", cut.Truncated, perHop)
		}
		var none investigate.Flow
		cliJSON(t, env, &none, "trace", addr, "--direction", "in", "--min-value", "1e15", "--format", "json")
		if len(none.Edges) != 0 {
			t.Errorf("--min-value 1e15 kept %d edges", len(none.Edges))
		}
	})

	t.Run("trace out follows the money two hops from a cluster id", func(t *testing.T) {
		var f investigate.Flow
		cliJSON(t, env, &f, "trace", strconv.FormatUint(uint64(root.ClusterID), 10), "--chain", root.Chain, "--hops", "2", "--format", "json")
		reached := map[uint32]bool{root.ClusterID: true}
		for _, e := range f.Edges {
			if !reached[e.From] || e.From == e.To {
				t.Errorf("edge %+v does not start at a cluster reached before it", e)
			}
			if e.Hop == 1 && e.From != root.ClusterID {
				t.Errorf("hop 1 edge %+v", e)
			}
			reached[e.To] = true
		}
		if len(f.Nodes) != len(reached) {
			t.Errorf("%d nodes for %d clusters reached", len(f.Nodes), len(reached))
		}
		table, _, code := runCLI(t, env, "trace", addr, "--hops", "2")
		if code != 0 || !strings.Contains(table, "trace out from") || (len(f.Edges) > 0 && !strings.Contains(table, f.Edges[0].Unit)) {
			t.Errorf("trace table: exit %d\n%s", code, table)
		}
	})

	t.Run("export graph writes dot, gexf and json of the same flow", func(t *testing.T) {
		var f investigate.Flow
		cliJSON(t, env, &f, "export", "graph", addr, "--hops", "1", "--format", "json")
		if f.Direction != investigate.Both || len(f.Edges) == 0 {
			t.Fatalf("export graph json: %+v", f)
		}
		dot, _, code := runCLI(t, env, "export", "graph", addr, "--hops", "1", "--format", "dot")
		rootNode := "c" + strconv.FormatUint(uint64(root.ClusterID), 10) + " ["
		if code != 0 || !strings.HasPrefix(dot, "digraph ") || strings.Count(dot, " -> ") != len(f.Edges) ||
			!strings.Contains(dot, rootNode) || !strings.Contains(dot, "peripheries=2") {
			t.Errorf("dot: exit %d\n%s", code, dot)
		}
		gexfOut, _, code := runCLI(t, env, "export", "graph", addr, "--hops", "1", "--format", "gexf")
		var g struct {
			Nodes []struct {
				ID string `xml:"id,attr"`
			} `xml:"graph>nodes>node"`
			Edges []struct {
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
			} `xml:"graph>edges>edge"`
		}
		if err := xml.Unmarshal([]byte(gexfOut), &g); err != nil || code != 0 || len(g.Nodes) != len(f.Nodes) || len(g.Edges) != len(f.Edges) {
			t.Errorf("gexf: exit %d, %v: %d nodes, %d edges; want %d, %d", code, err, len(g.Nodes), len(g.Edges), len(f.Nodes), len(f.Edges))
		}
		checkGolden(t, "investigate/graph.json", stableFlow(t, cn, f))
	})

	t.Run("errors are usage errors or not found, with what to do", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string
			code int
			says string
		}{
			{"a malformed eth address", []string{"address", "0x1234"}, 2, "40 hex digits"},
			{"a bitcoin address with a bad checksum", []string{"address", "mjNGLRYDyCHAGgfuhSSbz3MJUY2y267XFM"}, 2, "checksum"},
			{"a mainnet address on a regtest store", []string{"address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}, 2, "wrong network"},
			{"an eth address never seen", []string{"address", "0x00000000000000000000000000000000000000ff"}, 1, "not found"},
			{"two addresses", []string{"address", addr, addr}, 2, "give one address"},
			{"an unknown format", []string{"address", addr, "--format", "xml"}, 2, "--format"},
			{"a cluster id without its chain", []string{"trace", "7"}, 2, "--chain"},
			{"a cluster that does not exist", []string{"trace", "4000000000", "--chain", "eth"}, 1, "not found"},
			{"an unknown direction", []string{"trace", addr, "--direction", "sideways"}, 2, "--direction"},
			{"no hops", []string{"trace", addr, "--hops", "0"}, 2, "--hops"},
			{"a trace format graph tools read", []string{"trace", addr, "--format", "dot"}, 2, "--format"},
			{"export graph as csv", []string{"export", "graph", addr, "--format", "csv"}, 2, "--format"},
			{"an unknown chain", []string{"address", addr, "--chain", "doge"}, 2, "use btc or eth"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, errOut, code := runCLI(t, env, tc.args...)
				if code != tc.code || !strings.Contains(errOut, tc.says) {
					t.Errorf("%v: exit %d, want %d; stderr %q should say %q", tc.args, code, tc.code, errOut, tc.says)
				}
			})
		}
	})

	t.Run("injection attempts through arguments are data", func(t *testing.T) {
		before := tableCounts(t, w.Store)
		for _, args := range [][]string{
			{"address", "0x' OR '1'='1"},
			{"address", "1'); DROP TABLE transfers; --"},
			{"address", addr + "' OR 1=1 --"},
			{"address", addr, "--chain", "btc' OR '1'='1"},
			{"trace", "1 OR 1=1", "--chain", "btc"},
			{"trace", "7; DROP TABLE clusters", "--chain", "eth"},
			{"export", "graph", `\' UNION SELECT name FROM system.tables --`},
			{"cluster", "show", "x' OR '1'='1", "--chain", "btc"},
		} {
			out, errOut, code := runCLI(t, env, args...)
			if code == 0 || strings.Contains(errOut, "code: 62") || strings.Contains(errOut, "Syntax error") {
				t.Errorf("%q: exit %d (want a refusal, never SQL)\n%s%s", args, code, out, errOut)
			}
		}
		if after := tableCounts(t, w.Store); !maps2Equal(before, after) {
			t.Errorf("tables changed: %v → %v", before, after)
		}
	})

	t.Run("the dashboard views and panels answer on the world", func(t *testing.T) {
		checkViews(t, w, top, root, payers)
		u, err := url.Parse(w.DSN)
		if err != nil {
			t.Fatal(err)
		}
		if u.User != nil {
			t.Skip("the test server has its own users: the read-only investigator user is the project server's")
		}
		u.User = url.UserPassword("investigator", "investigator")
		ro := []string{"CHAINSLEUTH_CLICKHOUSE=" + u.String()}
		var p investigate.Profile
		cliJSON(t, ro, &p, "address", addr, "--format", "json")
		if _, errOut, code := runCLI(t, ro, "score"); code == 0 || !strings.Contains(errOut, "readonly") {
			t.Errorf("score as the investigator user: exit %d: %s", code, errOut)
		}
		st, err := store.Open(ctx, u.String(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		runPanels(t, st)
	})
}

// tableCounts are the row counts of the tables the investigator commands read.
func tableCounts(t *testing.T, st *store.Store) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, tb := range []string{"transfers", "transfers_by_address", "address_ids", "address_clusters", "clusters", "cluster_scores", "companies"} {
		n, err := st.CountWhere(context.Background(), tb, false, "")
		if err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

func maps2Equal(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkViews compares the views with what the CLI said.
func checkViews(t *testing.T, w *testworld.World, top []score.TopRow, root score.TopRow, payers []uint32) {
	t.Helper()
	ctx := context.Background()
	var viewTop []score.TopRow
	err := w.Store.Query(ctx, "test: v_top_clusters", "SELECT chain, cluster_id, score FROM v_top_clusters ORDER BY score DESC, chain, cluster_id LIMIT ?",
		[]any{uint64(len(top))}, nil, func(r driver.Rows) error {
			var row score.TopRow
			err := r.Scan(&row.Chain, &row.ClusterID, &row.Score)
			viewTop = append(viewTop, row)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	for i := range top {
		if i >= len(viewTop) || viewTop[i].Chain != top[i].Chain || viewTop[i].ClusterID != top[i].ClusterID || viewTop[i].Score != top[i].Score {
			t.Fatalf("v_top_clusters %+v, top %+v", viewTop, top)
		}
	}
	alerts, err := score.Alerts(ctx, w.Store, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) uint64 {
		var n uint64
		if err := w.Store.QueryRow(ctx, "test: count", q, args, &n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count("SELECT count() FROM v_new_alerts"); n != uint64(len(alerts)) {
		t.Errorf("v_new_alerts: %d rows, alerts: %d", n, len(alerts))
	}
	// The payers the view counts are the clusters the trace saw paying in.
	if n := count("SELECT sum(new_payers) FROM v_payer_growth WHERE chain = ? AND cluster_id = ?", root.Chain, root.ClusterID); n != uint64(len(payers)) {
		t.Errorf("v_payer_growth: %d new payers of %s cluster %d, the trace saw %d", n, root.Chain, root.ClusterID, len(payers))
	}
	attached := count("SELECT uniqExact(chain, company_id) FROM cluster_companies WHERE (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'attribute')")
	if n := count("SELECT count() FROM v_company_exposure WHERE clusters > 0 AND company != ''"); attached == 0 || n != attached {
		t.Errorf("v_company_exposure: %d companies with clusters and names, attribution attached %d", n, attached)
	}
	if n := count(`SELECT count() FROM v_exchange_flows WHERE (chain, exchange_cluster) NOT IN (SELECT chain, cluster_id FROM v_exchange_clusters)`); n != 0 {
		t.Errorf("v_exchange_flows: %d rows into clusters that are not exchanges", n)
	}
	if n := count("SELECT count() FROM v_exchange_flows"); n == 0 {
		t.Error("v_exchange_flows: no flows to exchanges in a world with exchanges")
	}
}

// runPanels runs every panel of the Grafana dashboard as the plugin would send it.
func runPanels(t *testing.T, st *store.Store) {
	t.Helper()
	panels, err := grafana.Panels()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range panels {
		sql, err := grafana.Expand(p.RawSQL, time.Unix(0, 0), time.Now().Add(24*time.Hour), []string{"btc", "eth"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		if err := st.Query(context.Background(), "test: panel", sql, nil, nil, func(driver.Rows) error { rows++; return nil }); err != nil {
			t.Errorf("panel %d %q: %v", p.ID, p.Title, err)
		}
		if rows == 0 {
			t.Errorf("panel %d %q: no rows on a simulated world", p.ID, p.Title)
		}
	}
}
