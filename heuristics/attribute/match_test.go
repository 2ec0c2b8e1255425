package attribute

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatching(t *testing.T) {
	actors := []Actor{
		{ID: "bitmex", Label: "BitMEX", LabelNormalized: "bitmex", Domains: []string{"bitmex.com"}, Aliases: []string{"HDR Global Trading"}},
		{ID: "btcguildcom", Label: "BTC Guild", LabelNormalized: "btc guild"},
		{ID: "luckybit", Label: "LuckyB.it", LabelNormalized: "luckybit", Domains: []string{"luckyb.it"}},
	}
	companies := []Company{
		{ID: "C001", Name: "HDR Global Trading Limited", NameNormalized: "hdr global trading"},
		{ID: "C002", Name: "Lucky Games OÜ", NameNormalized: "lucky games", Domains: []string{"luckyb.it"}},
		{ID: "C003", Name: "Guild Holdings Ltd", NameNormalized: "guild holdings", Aliases: []string{"btcguildcom"}},
		{ID: "C004", Name: "BD Ltd", NameNormalized: "bd"},
	}
	m := newMatcher(DefaultParams(), actors, companies)
	type company struct {
		ID, Method string
		Confidence float64
	}
	tests := []struct {
		name      string
		tags      []TagHit
		registry  []RegistryHit
		owners    []string
		companies []company
		conflicts []string
	}{
		{
			name:      "an actor's alias is a company's normalised name",
			tags:      []TagHit{{Address: "a", Actor: "bitmex", Label: "bitmex cold wallet", Level: 50, File: "bitmex.yaml"}},
			owners:    []string{"bitmex"},
			companies: []company{{"C001", MethodName, 0.4}},
		},
		{
			name:      "an actor's domain is a company's domain",
			tags:      []TagHit{{Address: "a", Actor: "luckybit", Label: "LuckyB.it", Level: 100}},
			owners:    []string{"luckybit"},
			companies: []company{{"C002", MethodDomain, 0.85}},
		},
		{
			name:      "a label without an actor folds onto the actor of that name, whose id is a company alias",
			tags:      []TagHit{{Address: "a", Label: "Btcguild.com"}, {Address: "b", Actor: "btcguildcom", Label: "BTC Guild", Level: 60}},
			owners:    []string{"btcguildcom"},
			companies: []company{{"C003", MethodActorID, 0.54}},
		},
		{
			name:   "a name shorter than four characters matches no company",
			tags:   []TagHit{{Address: "a", Label: "BD"}},
			owners: []string{"BD"},
		},
		{
			name:      "a registry address attaches its company with confidence 1, and a tag of another actor is a conflict",
			tags:      []TagHit{{Address: "a", Actor: "bitmex", Label: "bitmex", Level: 50}, {Address: "b", Label: "Some Casino", Level: 20}},
			registry:  []RegistryHit{{Address: "c", CompanyID: "C004", File: "companies.csv"}},
			owners:    []string{"bitmex", "Some Casino"},
			companies: []company{{"C004", MethodAddress, 1}, {"C001", MethodName, 0.4}},
			conflicts: []string{ConflictOwner, ConflictCompany, ConflictCompanyActor},
		},
		{
			name:      "the registry and the tags agreeing is no conflict",
			tags:      []TagHit{{Address: "a", Actor: "luckybit", Label: "LuckyB.it", Level: 100}},
			registry:  []RegistryHit{{Address: "a", CompanyID: "C002"}, {Address: "b", CompanyID: "C002"}},
			owners:    []string{"luckybit"},
			companies: []company{{"C002", MethodAddress, 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := m.attribute(1, tc.tags, tc.registry)
			var owners []string
			for _, o := range at.Owners {
				owners = append(owners, o.Name())
			}
			if !reflect.DeepEqual(owners, tc.owners) {
				t.Errorf("owners %v, want %v", owners, tc.owners)
			}
			var got []company
			for _, c := range at.Companies {
				got = append(got, company{c.CompanyID, c.Method, float64(int(c.Confidence*1000+0.5)) / 1000})
			}
			if !reflect.DeepEqual(got, tc.companies) {
				t.Errorf("companies %v, want %v", got, tc.companies)
			}
			var kinds []string
			for _, x := range at.Conflicts {
				kinds = append(kinds, x.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.conflicts) {
				t.Errorf("conflicts %v, want %v (%+v)", kinds, tc.conflicts, at.Conflicts)
			}
			if len(tc.registry) == 2 && at.Companies[0].Addresses != 2 {
				t.Errorf("company C002 counts %d registry addresses, want 2", at.Companies[0].Addresses)
			}
		})
	}
}

func TestRowsOfAnAttributionFillEveryColumn(t *testing.T) {
	m := newMatcher(DefaultParams(), nil, []Company{{ID: "C1", NameNormalized: "acme"}})
	at := m.attribute(9, []TagHit{{Address: "a", Label: "Acme", File: "f.csv"}}, nil)
	for _, b := range rows("eth", 5, []*Attribution{at}) {
		want := map[string]int{"cluster_actors": 1, "cluster_companies": 1, "attribution_conflicts": 0}[b.Table]
		if b.Len() != want {
			t.Errorf("%s: %d rows, want %d", b.Table, b.Len(), want)
		}
		if len(b.Columns) != len(b.Data) {
			t.Errorf("%s: %d columns, %d data", b.Table, len(b.Columns), len(b.Data))
		}
		if b.Table == "cluster_companies" && !strings.Contains(b.Data[8].([]string)[0], `"method":"name"`) {
			t.Errorf("evidence %s", b.Data[8])
		}
	}
}
