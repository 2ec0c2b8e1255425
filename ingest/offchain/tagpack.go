package offchain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfidenceLevels are GraphSense's confidence ids and their 0–100 levels
// (graphsense-tagpack-tool, confidence.csv): how much a tag's source is
// trusted, from the key holder's own word (ownership) down to a guess.
var ConfidenceLevels = map[string]uint8{
	"override":               100,
	"ownership":              100,
	"ledger_immanent":        100,
	"manual_transaction":     90,
	"service_api":            70,
	"forensic_investigation": 70,
	"authority_data":         60,
	"trusted_provider":       50,
	"service_data":           50,
	"forensic":               50,
	"untrusted_transaction":  40,
	"web_crawl":              20,
	"heuristic":              10,
	"unknown":                5,
}

// confidence reads a confidence field: a GraphSense id, or a number 0–100.
func confidence(s string) (string, uint8, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 100 {
			return "", 0, fmt.Errorf("confidence %d: want 0 to 100 or a GraphSense confidence id", n)
		}
		return "", uint8(n), nil
	}
	id := strings.ToLower(s)
	return id, ConfidenceLevels[id], nil // an id GraphSense does not know keeps level 0
}

// tagFields are the TagPack fields a tag has or inherits from its pack's
// header (a tag's own value wins).
type tagFields struct {
	address, label, category, abuse, actor, source, currency, confidence, lastmod, context string
	isClusterDefiner                                                                       string
	concept                                                                                string // first of concepts, for packs that use them instead of category
}

func (f *tagFields) set(key string, v *yaml.Node) error {
	if key == "concepts" {
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			f.concept = v.Content[0].Value
		}
		return nil
	}
	if key == "context" {
		s, err := contextString(v)
		f.context = s
		return err
	}
	var dst *string
	switch key {
	case "address":
		dst = &f.address
	case "label":
		dst = &f.label
	case "category":
		dst = &f.category
	case "abuse":
		dst = &f.abuse
	case "actor":
		dst = &f.actor
	case "source":
		dst = &f.source
	case "currency":
		dst = &f.currency
	case "confidence":
		dst = &f.confidence
	case "lastmod":
		dst = &f.lastmod
	case "is_cluster_definer":
		dst = &f.isClusterDefiner
	default:
		return nil // title, creator, description … are read by the header; unknown keys are ignored
	}
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s: want a single value, got a %s", key, kindName(v))
	}
	*dst = strings.TrimSpace(v.Value)
	return nil
}

func (f tagFields) inherit(h tagFields) tagFields {
	pick := func(own, hdr string) string {
		if own != "" {
			return own
		}
		return hdr
	}
	return tagFields{
		address: f.address, label: pick(f.label, h.label), category: pick(f.category, h.category),
		abuse: pick(f.abuse, h.abuse), actor: pick(f.actor, h.actor), source: pick(f.source, h.source),
		currency: pick(f.currency, h.currency), confidence: pick(f.confidence, h.confidence),
		lastmod: pick(f.lastmod, h.lastmod), context: pick(f.context, h.context),
		isClusterDefiner: pick(f.isClusterDefiner, h.isClusterDefiner), concept: pick(f.concept, h.concept),
	}
}

// ParseYAML reads a GraphSense TagPack (a header and `tags:`) or ActorPack
// (a header and `actors:`), telling them apart by their list.
func ParseYAML(data []byte, file string, a Addresser) (*Parsed, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a TagPack or ActorPack: the document is not a mapping")
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "tags":
			return parseTagPack(root, file, a)
		case "actors":
			return parseActorPack(root, file)
		}
	}
	return nil, errors.New("not a TagPack or ActorPack: no tags or actors list")
}

func parseTagPack(root *yaml.Node, file string, a Addresser) (*Parsed, error) {
	p := &Parsed{Kind: KindTags, Format: FormatTagPack}
	var hdr tagFields
	var title, creator string
	var tags *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		switch k {
		case "tags":
			tags = v
		case "title":
			title = v.Value
		case "creator":
			creator = v.Value
		case "address":
			return nil, fmt.Errorf("line %d: address in the TagPack header", root.Content[i].Line)
		default:
			if err := hdr.set(k, v); err != nil {
				return nil, fmt.Errorf("line %d: header %w", root.Content[i].Line, err)
			}
		}
	}
	if tags.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: tags is a %s, want a list", tags.Line, kindName(tags))
	}
	seen := make(map[[3]string]struct{}, len(tags.Content))
	p.Tags = make([]Tag, 0, len(tags.Content))
	for _, n := range tags.Content {
		t, err := tagFromNode(n, hdr, a)
		if errors.Is(err, ErrSkip) {
			p.skip(file, n.Line, strings.TrimPrefix(err.Error(), ErrSkip.Error()+": "))
			continue
		}
		if err != nil {
			p.reject(file, n.Line, "%v", err)
			continue
		}
		key := [3]string{t.Chain, t.Address, t.Label}
		if _, dup := seen[key]; dup {
			p.Duplicates++
			continue
		}
		seen[key] = struct{}{}
		t.TagpackTitle, t.Creator, t.Line = title, creator, n.Line
		p.Tags = append(p.Tags, t)
	}
	return p, nil
}

func tagFromNode(n *yaml.Node, hdr tagFields, a Addresser) (Tag, error) {
	if n.Kind != yaml.MappingNode {
		return Tag{}, fmt.Errorf("tag is a %s, want a mapping", kindName(n))
	}
	var own tagFields
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := own.set(n.Content[i].Value, n.Content[i+1]); err != nil {
			return Tag{}, err
		}
	}
	f := own.inherit(hdr)
	return buildTag(f, a)
}

// buildTag checks a tag's fields and makes its row.
func buildTag(f tagFields, a Addresser) (Tag, error) {
	if f.address == "" {
		return Tag{}, errors.New("no address")
	}
	if f.label == "" {
		return Tag{}, errors.New("no label (neither the tag nor its header has one)")
	}
	chainName, err := ChainForCurrency(f.currency, f.address)
	if err != nil {
		return Tag{}, err
	}
	addr, err := a.Normalize(chainName, f.address)
	if err != nil {
		return Tag{}, err
	}
	conf, level, err := confidence(f.confidence)
	if err != nil {
		return Tag{}, err
	}
	definer := false
	if f.isClusterDefiner != "" {
		if definer, err = strconv.ParseBool(f.isClusterDefiner); err != nil {
			return Tag{}, fmt.Errorf("is_cluster_definer %q: want true or false", f.isClusterDefiner)
		}
	}
	category := f.category
	if category == "" {
		category = f.concept
	}
	return Tag{
		Chain: chainName, Address: addr, Label: f.label, Category: category, Abuse: f.abuse, Actor: f.actor,
		Source: f.source, Confidence: conf, ConfidenceLevel: level, IsClusterDefiner: definer,
		Currency: strings.ToUpper(f.currency), Lastmod: f.lastmod, Context: f.context,
	}, nil
}

func parseActorPack(root *yaml.Node, file string) (*Parsed, error) {
	p := &Parsed{Kind: KindActors, Format: FormatActorPack}
	var actors *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "actors" {
			actors = root.Content[i+1]
		}
	}
	if actors.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: actors is a %s, want a list", actors.Line, kindName(actors))
	}
	first := map[string]int{}
	for _, n := range actors.Content {
		act, err := actorFromNode(n)
		if err != nil {
			p.reject(file, n.Line, "%v", err)
			continue
		}
		if line, dup := first[act.ID]; dup {
			p.reject(file, n.Line, "actor id %q repeats the one on line %d", act.ID, line)
			continue
		}
		first[act.ID] = n.Line
		act.Line = n.Line
		p.Actors = append(p.Actors, act)
	}
	return p, nil
}

func actorFromNode(n *yaml.Node) (Actor, error) {
	if n.Kind != yaml.MappingNode {
		return Actor{}, fmt.Errorf("actor is a %s, want a mapping", kindName(n))
	}
	var act Actor
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		var err error
		switch k {
		case "id":
			act.ID, err = scalar(k, v)
		case "label":
			act.Label, err = scalar(k, v)
		case "uri":
			act.URI, err = scalar(k, v)
		case "categories":
			act.Categories, err = stringList(k, v)
		case "jurisdictions":
			act.Jurisdictions, err = stringList(k, v)
		case "aliases":
			act.Aliases, err = stringList(k, v)
		case "context":
			act.Context, err = contextString(v)
			if err == nil && v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					if v.Content[j].Value == "twitter_handle" {
						act.TwitterHandle = strings.TrimSpace(v.Content[j+1].Value)
					}
				}
			}
		}
		if err != nil {
			return Actor{}, err
		}
	}
	if act.ID == "" {
		return Actor{}, errors.New("actor without an id")
	}
	if act.Label == "" {
		return Actor{}, fmt.Errorf("actor %q without a label", act.ID)
	}
	if d := NormalizeDomain(act.URI); d != "" {
		act.Domains = []string{d}
	}
	return act, nil
}

func scalar(key string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s: want a single value, got a %s", key, kindName(v))
	}
	return strings.TrimSpace(v.Value), nil
}

func stringList(key string, v *yaml.Node) ([]string, error) {
	if v.Kind == yaml.ScalarNode { // a lone value, or null
		if s := strings.TrimSpace(v.Value); s != "" && v.Tag != "!!null" {
			return []string{s}, nil
		}
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: want a list, got a %s", key, kindName(v))
	}
	out := make([]string, 0, len(v.Content))
	for _, item := range v.Content {
		if item.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s: item on line %d is a %s, want a value", key, item.Line, kindName(item))
		}
		if s := strings.TrimSpace(item.Value); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// contextString keeps a context field: a string as it is (TagPacks write
// JSON in a string), anything else as JSON.
func contextString(v *yaml.Node) (string, error) {
	if v.Kind == yaml.ScalarNode {
		return v.Value, nil
	}
	var x any
	if err := v.Decode(&x); err != nil {
		return "", fmt.Errorf("context: %w", err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "", fmt.Errorf("context: %w", err)
	}
	return string(b), nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
