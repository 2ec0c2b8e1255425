package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// SelfAuthParams configure self-authorization (Victor, "Address Clustering Heuristics for Ethereum", FC
// 2020, §4.3): an EOA approves another EOA for a token (ERC-20 approve, an Approval event), and the
// spender later calls transferFrom to move the tokens to itself. Strangers rarely grant allowances to
// plain accounts, so owner and spender are one entity.
//
// The rule: a transaction sent by S calling transferFrom (selector 0x23b872dd) that moves a token from O
// to S, where S is no contract and an Approval(O, S) of that token was logged before it. Evidence: O–S
// with confidence Confidence at the transferFrom.
type SelfAuthParams struct {
	// Confidence of a self-authorization link. Default 0.9.
	Confidence float64 `json:"confidence"`
}

// DefaultSelfAuthParams are the documented defaults.
func DefaultSelfAuthParams() SelfAuthParams { return SelfAuthParams{Confidence: 0.9} }

// ApprovalTopic is keccak256("Approval(address,address,uint256)").
const ApprovalTopic = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"

// Token transfers to the sender of a transferFrom call (bound: height ≥, ≤, ≥, ≤).
const selfAuthPullsSQL = `SELECT tx_hash, height, tx_index, token, owner, spender FROM (
    SELECT tx_hash, height, tx_index, token, from_address AS owner, to_address AS spender
    FROM eth_token_transfers FINAL WHERE height >= ? AND height <= ?
) AS l ALL INNER JOIN (
    SELECT hash AS tx_hash, from_address AS spender FROM eth_txs FINAL
    WHERE height >= ? AND height <= ? AND method_id = '0x23b872dd' AND status = 1
) AS r USING tx_hash, spender
WHERE owner != spender AND spender NOT IN (SELECT address FROM eth_contracts)`

// Approvals (token, owner, spender) up to a height (bound: topic, height ≤).
const selfAuthApprovalsSQL = `SELECT address, concat('0x', substring(topic1, 27, 40)) AS owner,
    concat('0x', substring(topic2, 27, 40)) AS spender, min(height * 1000000 + tx_index) AS pos
FROM eth_logs WHERE topic0 = ? AND height <= ? GROUP BY address, owner, spender`

type pull struct {
	Tx                    string
	Pos                   uint64
	Token, Owner, Spender string
}

// SelfAuthEvidence links owner and spender of pulls preceded by an approval (approvals: token, owner,
// spender → position of the first Approval).
func (p SelfAuthParams) SelfAuthEvidence(pulls []pull, approvals map[[3]string]uint64) []Evidence {
	slices.SortFunc(pulls, func(a, b pull) int { return cmp.Or(cmp.Compare(a.Pos, b.Pos), cmp.Compare(a.Owner, b.Owner)) })
	var ev []Evidence
	for _, x := range pulls {
		at, ok := approvals[[3]string{x.Token, x.Owner, x.Spender}]
		if !ok || at >= x.Pos {
			continue
		}
		ev = append(ev, Evidence{Heuristic: SelfAuth, Tx: x.Tx, Height: x.Pos / PositionScale, Position: x.Pos,
			Confidence: p.Confidence, A: x.Owner, B: x.Spender, Detail: fmt.Sprintf(`{"token":%q}`, x.Token)})
	}
	return ev
}

func readSelfAuth(ctx context.Context, j *job, lo, hi uint64) ([]pull, map[[3]string]uint64, error) {
	var pulls []pull
	err := j.st.Query(ctx, "read transferFrom pulls", selfAuthPullsSQL, []any{lo, hi, lo, hi}, func() { pulls = pulls[:0] },
		func(r driver.Rows) error {
			var x pull
			var h uint64
			var idx uint32
			if err := r.Scan(&x.Tx, &h, &idx, &x.Token, &x.Owner, &x.Spender); err != nil {
				return err
			}
			x.Pos = Position(h, idx)
			pulls = append(pulls, x)
			return nil
		})
	if err != nil || len(pulls) == 0 {
		return nil, nil, err
	}
	approvals := map[[3]string]uint64{}
	err = j.st.Query(ctx, "read approvals", selfAuthApprovalsSQL, []any{ApprovalTopic, hi}, func() { clear(approvals) },
		func(r driver.Rows) error {
			var k [3]string
			var pos uint64
			err := r.Scan(&k[0], &k[1], &k[2], &pos)
			approvals[k] = pos
			return err
		})
	return pulls, approvals, err
}
