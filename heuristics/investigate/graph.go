package investigate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// NodeLabel is how a graph names a cluster: its id, then its company, actor
// or detected kind when it has one.
func NodeLabel(n *Node) string {
	label := fmt.Sprintf("%s cluster %d", n.Chain, n.ClusterID)
	switch {
	case len(n.Companies) > 0:
		label += ": " + firstNonEmpty(n.Companies[0].Name, n.Companies[0].CompanyID)
	case n.Actor != nil:
		label += ": " + firstNonEmpty(n.Actor.Label, n.Actor.ID)
	case n.Score != nil && n.Score.Company != "":
		label += ": " + n.Score.Company
	}
	if n.Score != nil && n.Score.Kind != "" {
		label += " (" + n.Score.Kind + ")"
	}
	return label
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// FormatValue prints whole units without float noise: at most 8 decimals,
// trailing zeros dropped.
func FormatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', 8, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func nodeScore(n *Node) float64 {
	if n.Score == nil {
		return 0
	}
	return n.Score.Score
}

// WriteDOT writes a flow as a Graphviz digraph: one node per cluster (the
// root doubled), one edge per cluster pair and asset, labelled with the
// amount and the number of transfers.
func WriteDOT(w io.Writer, f *Flow) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", strconv.Quote(fmt.Sprintf("chainsleuth %s cluster %d", f.Chain, f.Root)))
	for _, n := range f.Nodes {
		attrs := fmt.Sprintf("label=%s, cluster_size=%d, score=%s", strconv.Quote(NodeLabel(n)), n.Size, FormatValue(nodeScore(n)))
		if n.ClusterID == f.Root {
			attrs += ", peripheries=2"
		}
		fmt.Fprintf(&b, "  c%d [%s];\n", n.ClusterID, attrs)
	}
	for _, e := range f.Edges {
		label := fmt.Sprintf("%s %s (%d)", FormatValue(e.Value), e.Unit, e.Transfers)
		fmt.Fprintf(&b, "  c%d -> c%d [label=%s, hop=%d, txids=%s];\n", e.From, e.To, strconv.Quote(label), e.Hop, strconv.Quote(strings.Join(e.TxIDs, " ")))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// GEXF 1.3 (Gephi's format): the elements written.
type gexf struct {
	XMLName xml.Name  `xml:"gexf"`
	XMLNS   string    `xml:"xmlns,attr"`
	Version string    `xml:"version,attr"`
	Graph   gexfGraph `xml:"graph"`
}

type gexfGraph struct {
	DefaultEdgeType string      `xml:"defaultedgetype,attr"`
	Mode            string      `xml:"mode,attr"`
	Attributes      []gexfAttrs `xml:"attributes"`
	Nodes           []gexfNode  `xml:"nodes>node"`
	Edges           []gexfEdge  `xml:"edges>edge"`
}

type gexfAttrs struct {
	Class string         `xml:"class,attr"`
	Attrs []gexfAttrDecl `xml:"attribute"`
}

type gexfAttrDecl struct {
	ID    string `xml:"id,attr"`
	Title string `xml:"title,attr"`
	Type  string `xml:"type,attr"`
}

type gexfNode struct {
	ID     string      `xml:"id,attr"`
	Label  string      `xml:"label,attr"`
	Values []gexfValue `xml:"attvalues>attvalue"`
}

type gexfEdge struct {
	ID     string      `xml:"id,attr"`
	Source string      `xml:"source,attr"`
	Target string      `xml:"target,attr"`
	Weight string      `xml:"weight,attr"`
	Label  string      `xml:"label,attr"`
	Values []gexfValue `xml:"attvalues>attvalue"`
}

type gexfValue struct {
	For   string `xml:"for,attr"`
	Value string `xml:"value,attr"`
}

// WriteGEXF writes a flow as a GEXF 1.3 directed graph for Gephi, with the
// clusters' size, score, kind and company and the edges' asset, amount,
// transfers, hop and transaction ids as attributes. An edge's weight is its
// number of transfers (amounts of different assets do not add up).
func WriteGEXF(w io.Writer, f *Flow) error {
	g := gexf{XMLNS: "http://gexf.net/1.3", Version: "1.3", Graph: gexfGraph{DefaultEdgeType: "directed", Mode: "static"}}
	g.Graph.Attributes = []gexfAttrs{
		{Class: "node", Attrs: []gexfAttrDecl{{"size", "size", "long"}, {"score", "score", "double"}, {"kind", "kind", "string"}, {"company", "company", "string"}, {"root", "root", "boolean"}}},
		{Class: "edge", Attrs: []gexfAttrDecl{{"asset", "asset", "string"}, {"unit", "unit", "string"}, {"value", "value", "double"}, {"transfers", "transfers", "long"}, {"hop", "hop", "integer"}, {"txids", "txids", "string"}}},
	}
	for _, n := range f.Nodes {
		kind, company := "", ""
		if n.Score != nil {
			kind = n.Score.Kind
		}
		if len(n.Companies) > 0 {
			company = n.Companies[0].CompanyID
		} else if n.Score != nil {
			company = n.Score.Company
		}
		g.Graph.Nodes = append(g.Graph.Nodes, gexfNode{ID: strconv.FormatUint(uint64(n.ClusterID), 10), Label: NodeLabel(n), Values: []gexfValue{
			{"size", strconv.FormatUint(n.Size, 10)}, {"score", FormatValue(nodeScore(n))}, {"kind", kind}, {"company", company},
			{"root", strconv.FormatBool(n.ClusterID == f.Root)},
		}})
	}
	for i, e := range f.Edges {
		g.Graph.Edges = append(g.Graph.Edges, gexfEdge{
			ID: strconv.Itoa(i), Source: strconv.FormatUint(uint64(e.From), 10), Target: strconv.FormatUint(uint64(e.To), 10),
			Weight: strconv.FormatUint(e.Transfers, 10), Label: FormatValue(e.Value) + " " + e.Unit,
			Values: []gexfValue{{"asset", e.Asset}, {"unit", e.Unit}, {"value", FormatValue(e.Value)}, {"transfers", strconv.FormatUint(e.Transfers, 10)},
				{"hop", strconv.Itoa(e.Hop)}, {"txids", strings.Join(e.TxIDs, " ")}},
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(g); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
