package attribute

import (
	"encoding/json"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Row builders of the tables a run writes; the statement registry uses them too.

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // only maps, slices, strings and numbers reach here
		return "{}"
	}
	return string(b)
}

// rows are the batches of one run.
func rows(chain string, runID uint64, ats []*Attribution) []store.Batch {
	var (
		aCluster, cCluster, xCluster      []uint32
		aActor, aLabel, cCompany, cMethod []string
		aCats, aAbuses, aFiles, cMethods  [][]string
		aConf, cConf                      []float64
		aTagged, aTags, cAddrs            []uint32
		aRank                             []uint16
		cEvidence, xKind, xDetail         []string
		xItems, xSources                  [][]string
	)
	for _, at := range ats {
		for _, o := range at.Owners {
			aCluster, aActor, aLabel = append(aCluster, at.Cluster), append(aActor, o.Actor), append(aLabel, o.Label)
			aCats, aAbuses, aFiles = append(aCats, nonNil(o.Categories)), append(aAbuses, nonNil(o.Abuses)), append(aFiles, nonNil(o.Files))
			aConf, aTagged, aTags = append(aConf, o.Confidence), append(aTagged, uint32(o.TaggedAddresses)), append(aTags, uint32(o.Tags))
			aRank = append(aRank, uint16(min(o.Rank, 65535)))
		}
		for _, c := range at.Companies {
			cCluster, cCompany, cConf = append(cCluster, at.Cluster), append(cCompany, c.CompanyID), append(cConf, c.Confidence)
			cMethod, cMethods, cAddrs = append(cMethod, c.Method), append(cMethods, c.Methods), append(cAddrs, uint32(c.Addresses))
			cEvidence = append(cEvidence, mustJSON(c.Evidence))
		}
		for _, x := range at.Conflicts {
			xCluster, xKind, xItems = append(xCluster, at.Cluster), append(xKind, x.Kind), append(xItems, x.Items)
			xSources, xDetail = append(xSources, x.Sources), append(xDetail, mustJSON(x.Detail))
		}
	}
	na, nc, nx := len(aCluster), len(cCluster), len(xCluster)
	return []store.Batch{
		{Table: "cluster_actors", Columns: []string{"chain", "cluster_id", "run_id", "actor", "label", "categories", "abuses",
			"confidence", "tagged_addresses", "tags", "files", "rank"},
			Data: []any{repeat(chain, na), aCluster, repeat(runID, na), aActor, aLabel, aCats,
				aAbuses, aConf, aTagged, aTags, aFiles, aRank}},
		{Table: "cluster_companies", Columns: []string{"chain", "cluster_id", "run_id", "company_id", "confidence", "method",
			"methods", "addresses", "evidence"},
			Data: []any{repeat(chain, nc), cCluster, repeat(runID, nc), cCompany, cConf, cMethod,
				cMethods, cAddrs, cEvidence}},
		{Table: "attribution_conflicts", Columns: []string{"chain", "cluster_id", "run_id", "kind", "items", "sources", "detail"},
			Data: []any{repeat(chain, nx), xCluster, repeat(runID, nx), xKind, xItems, xSources,
				xDetail}},
	}
}

// nonNil makes an empty list of nil (an Array(String) value).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
