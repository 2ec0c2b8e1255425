package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// AirdropParams configure airdrop multi-participation (Victor, "Address Clustering Heuristics for
// Ethereum", FC 2020, §4.2; also the "airdrop hunters" of Fan et al. 2023). An airdrop sends the same
// amount of a token from one source to many recipients in a short span; a farmer claims it with many
// addresses and gathers the tokens at one address. So recipients that forward exactly the airdropped
// amount to a common collector are linked to it.
//
// The rule: (token, source, amount) with at least MinRecipients distinct recipients within Span blocks is
// an airdrop; a recipient forwarding that token and amount to collector C is linked to C once at least
// MinForwarders distinct recipients forward to C. Evidence: recipient–collector, confidence Confidence, at
// the later of the forward and the forward that qualified C.
type AirdropParams struct {
	// MinRecipients makes a distribution an airdrop. Default 10.
	MinRecipients int `json:"min_recipients"`
	// Span is the most blocks an airdrop lasts. Default 1,000.
	Span uint64 `json:"span"`
	// MinForwarders is how many recipients must forward to one collector. Default 2.
	MinForwarders int `json:"min_forwarders"`
	// Confidence of an airdrop link. Default 0.7.
	Confidence float64 `json:"confidence"`
}

// DefaultAirdropParams are the documented defaults.
func DefaultAirdropParams() AirdropParams {
	return AirdropParams{MinRecipients: 10, Span: 1000, MinForwarders: 2, Confidence: 0.7}
}

// Forwards of an airdropped amount by its recipients (bound: height ≤ four times, min recipients, span).
const airdropSQL = `SELECT tx_hash, height, tx_index, recipient, collector, token FROM (
    SELECT tx_hash, height, tx_index, from_address AS recipient, to_address AS collector, token, value
    FROM eth_token_transfers FINAL WHERE height <= ? AND standard = 'erc20'
) AS l ALL INNER JOIN (
    SELECT DISTINCT to_address AS recipient, token, value FROM eth_token_transfers FINAL
    WHERE height <= ? AND standard = 'erc20' AND (token, from_address, value) IN (
        SELECT token, from_address, value FROM eth_token_transfers FINAL WHERE height <= ? AND standard = 'erc20'
        GROUP BY token, from_address, value
        HAVING uniqExact(to_address) >= ? AND max(height) - min(height) <= ?)
) AS r USING recipient, token, value
WHERE collector != recipient AND collector != '0x0000000000000000000000000000000000000000'`

type airdropForward struct {
	Tx                   string
	Pos                  uint64
	Recipient, Collector string
	Token                string
}

func readAirdropForwards(ctx context.Context, j *job, hi uint64) ([]airdropForward, error) {
	var out []airdropForward
	p := j.cfg.Airdrop
	err := j.st.Query(ctx, "read airdrop forwards", airdropSQL, []any{hi, hi, hi, uint64(p.MinRecipients), p.Span},
		func() { out = out[:0] }, func(r driver.Rows) error {
			var f airdropForward
			var h uint64
			var idx uint32
			if err := r.Scan(&f.Tx, &h, &idx, &f.Recipient, &f.Collector, &f.Token); err != nil {
				return err
			}
			f.Pos = Position(h, idx)
			out = append(out, f)
			return nil
		})
	return out, err
}

// AirdropEvidence links recipients to collectors that enough recipients forward to.
func (p AirdropParams) AirdropEvidence(fw []airdropForward) []Evidence {
	slices.SortFunc(fw, func(a, b airdropForward) int {
		return cmp.Or(cmp.Compare(a.Pos, b.Pos), cmp.Compare(a.Recipient, b.Recipient), cmp.Compare(a.Collector, b.Collector))
	})
	qualified := map[string]uint64{}
	senders := map[string]map[string]bool{}
	for _, f := range fw {
		if senders[f.Collector] == nil {
			senders[f.Collector] = map[string]bool{}
		}
		senders[f.Collector][f.Recipient] = true
		if _, ok := qualified[f.Collector]; !ok && len(senders[f.Collector]) >= max(p.MinForwarders, 1) {
			qualified[f.Collector] = f.Pos
		}
	}
	var ev []Evidence
	linked := map[[2]string]bool{}
	for _, f := range fw {
		q, ok := qualified[f.Collector]
		if !ok || linked[[2]string{f.Collector, f.Recipient}] {
			continue
		}
		linked[[2]string{f.Collector, f.Recipient}] = true
		at := max(f.Pos, q)
		ev = append(ev, Evidence{Heuristic: Airdrop, Tx: f.Tx, Height: at / PositionScale, Position: at,
			Confidence: p.Confidence, A: f.Collector, B: f.Recipient, Detail: fmt.Sprintf(`{"token":%q}`, f.Token)})
	}
	return ev
}
