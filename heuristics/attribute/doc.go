// Package attribute says who stands behind wallet clusters: the real-world actors that address tags
// name, and the registry companies those actors (or the registry's own addresses) lead to (DESIGN.md §7).
//
// The chain of evidence, per chain:
//
//	address ─(address_ids, address_clusters)→ cluster
//	cluster ─(tags on its addresses, best confidence first)→ owners: an ActorPack actor, or a label
//	owner ─(actor id, normalised name, web domain)→ company
//	cluster ─(company_addresses: the registry names one of its addresses)→ company
//
// What comes in: the clusters of the chain's last finished cluster run (rows of a run that died are not
// read), and the committed off-chain imports (rows whose (file, version) is a file's latest row in
// offchain_imports; a crashed import's leftovers are ignored): tags, actors, companies and
// company_addresses. Only tagged or registered addresses are read, so a run costs the size of the labels
// that meet the chain, not the size of the chain.
//
// What goes out, under the run's id (runs, job "attribute", one run per chain): cluster_actors (every
// owner a cluster's tags name, ranked by confidence, then by how many of its addresses carry the tag),
// cluster_companies (every company attached to a cluster with its confidence, strongest method, all
// methods and the evidence) and attribution_conflicts. Each run recomputes the chain in full; readers
// keep the rows of the chain's latest finished run (see migration 0006).
//
// Owners: a tag with an actor id names that actor; a tag without one names its label, folded onto an
// actor when the label's normalised form is the actor's id, normalised label or alias ("Btcguild.com"
// is actor btcguildcom), so one service's differently written tags do not count as two owners.
// Confidence is GraphSense's confidence level of the tag / 100 (0.5 when the tag has none), the best tag
// of the owner in the cluster.
//
// Companies (match.go): by address (the registry lists an address of the cluster: confidence 1), by
// actor id (the actor's id is the company's id or one of its aliases: 0.9 × the owner's confidence), by
// domain (the actor's web domain is one of the company's: 0.85 ×) and by normalised name (the owner's
// normalised name or an actor alias is the company's normalised name or alias, at least four
// characters: 0.8 ×). A company attached several ways keeps its best confidence and lists every method.
//
// What can go wrong, and how it shows: tags are noisy (several services on one address, junk labels),
// clusters can be wrong (a missed CoinJoin merges strangers) and names collide. Attribution does not
// pick a winner where sources disagree: it writes every owner and every company, and lists the
// disagreements in attribution_conflicts — owner (tags of more than one owner in one cluster), company
// (more than one company attached) and company_actor (the registry attaches a company by address while
// a tag names an actor that leads to none of the attached companies). Rows are counted after they are
// written, and a short count fails the run.
package attribute
