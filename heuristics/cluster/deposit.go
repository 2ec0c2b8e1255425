package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DepositParams configure Ethereum deposit-address reuse (Victor, "Address Clustering Heuristics for
// Ethereum", FC 2020). Exchanges give each customer a deposit address D and forward what D receives to
// their hot wallet H. D is a deposit address of H when D forwards to H within Tau blocks of receiving,
// with received − forwarded in [0, Alpha] ETH (the forward pays its own gas), or exactly the amount
// received for ERC-20 tokens. H counts as a hot wallet when it is listed in HotWallets or when at least
// MinDeposits distinct deposit addresses forward into it.
//
// Evidence: D–H (the deposit address belongs to the exchange), and every payer into D linked to D's first
// payer (users who pay into the same deposit address are one user), both with confidence Confidence. A
// link takes effect at the later of its forward and the transaction that made H a hot wallet, so it does
// not depend on how the blocks were split into runs.
type DepositParams struct {
	// Tau is the most blocks between a receipt and its forward. Default 3,200.
	Tau uint64 `json:"tau"`
	// Alpha is the most ETH a forward may be short of the receipt. Default 0.01.
	Alpha float64 `json:"alpha"`
	// MinDeposits is how many deposit addresses make a detected hot wallet. Default 3.
	MinDeposits int `json:"min_deposits"`
	// HotWallets are known hot wallets, lowercase 0x-hex.
	HotWallets []string `json:"hot_wallets"`
	// FromTags adds every Ethereum address tagged with category "exchange" (chainsleuth import tags) to
	// HotWallets. Default true.
	FromTags bool `json:"from_tags"`
	// Confidence of a deposit link. Default 0.8.
	Confidence float64 `json:"confidence"`
}

// DefaultDepositParams are the documented defaults.
func DefaultDepositParams() DepositParams {
	return DepositParams{Tau: 3200, Alpha: 0.01, MinDeposits: 3, Confidence: 0.8, FromTags: true}
}

// depositWindow is the receipt-before-forward condition of both deposit statements.
const depositWindow = `(in_height < height OR (in_height = height AND in_index < tx_index)) AND height - in_height <= ?
    AND payer != hot AND payer != deposit AND deposit NOT IN (SELECT address FROM eth_contracts)`

// Forwards of ETH out of an address after it received about as much (bound: height ≤, height ≤, tau,
// alpha).
const depositETHSQL = `SELECT hash, height, tx_index, deposit, hot, payer, in_height, in_index FROM (
    SELECT hash, height, tx_index, from_address AS deposit, to_address AS hot, value_eth AS out_value
    FROM eth_txs FINAL WHERE height <= ? AND status = 1 AND value != '0' AND to_address != ''
) AS l ALL INNER JOIN (
    SELECT to_address AS deposit, from_address AS payer, height AS in_height, tx_index AS in_index, value_eth AS in_value
    FROM eth_txs FINAL WHERE height <= ? AND status = 1 AND value != '0'
) AS r USING deposit
WHERE ` + depositWindow + ` AND in_value >= out_value AND in_value - out_value <= ?`

// Forwards of exactly the amount of an ERC-20 token an address received (bound: height ≤, height ≤, tau).
const depositTokenSQL = `SELECT tx_hash, height, tx_index, deposit, hot, payer, in_height, in_index FROM (
    SELECT tx_hash, height, tx_index, from_address AS deposit, to_address AS hot, token, value
    FROM eth_token_transfers FINAL WHERE height <= ? AND standard = 'erc20'
) AS l ALL INNER JOIN (
    SELECT to_address AS deposit, token, value, from_address AS payer, height AS in_height, tx_index AS in_index
    FROM eth_token_transfers FINAL WHERE height <= ? AND standard = 'erc20'
) AS r USING deposit, token, value
WHERE ` + depositWindow

// taggedHotWalletsSQL: Ethereum addresses tagged as exchanges.
const taggedHotWalletsSQL = "SELECT DISTINCT address FROM tags WHERE chain = 'eth' AND category = 'exchange'"

// hotWallets are the configured hot wallets plus, with FromTags, the exchange-tagged addresses.
func hotWallets(ctx context.Context, j *job) ([]string, error) {
	out := append([]string(nil), j.cfg.Deposit.HotWallets...)
	if !j.cfg.Deposit.FromTags {
		return out, nil
	}
	err := j.st.Query(ctx, "read exchange tags", taggedHotWalletsSQL, nil, func() { out = out[:len(j.cfg.Deposit.HotWallets)] },
		func(r driver.Rows) error {
			var a string
			err := r.Scan(&a)
			out = append(out, a)
			return err
		})
	return out, err
}

// depositForward is a receipt into a deposit candidate and the forward that followed it.
type depositForward struct {
	Tx            string
	Pos, PayerPos uint64
	Deposit, Hot  string
	Payer         string
	Height        uint64
	TokenOrETH    string
}

// readDepositForwards reads the candidate forwards up to height hi.
func readDepositForwards(ctx context.Context, j *job, hi uint64) ([]depositForward, error) {
	var out []depositForward
	p := j.cfg.Deposit
	for _, q := range []struct {
		asset, sql string
		args       []any
	}{
		{"eth", depositETHSQL, []any{hi, hi, p.Tau, p.Alpha}},
		{"token", depositTokenSQL, []any{hi, hi, p.Tau}},
	} {
		start := len(out)
		err := j.st.Query(ctx, "read deposit forwards", q.sql, q.args, func() { out = out[:start] }, func(r driver.Rows) error {
			var f depositForward
			var idx, inIdx uint32
			var inHeight uint64
			if err := r.Scan(&f.Tx, &f.Height, &idx, &f.Deposit, &f.Hot, &f.Payer, &inHeight, &inIdx); err != nil {
				return err
			}
			f.Pos, f.PayerPos, f.TokenOrETH = Position(f.Height, idx), Position(inHeight, inIdx), q.asset
			out = append(out, f)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DepositEvidence turns candidate forwards into evidence (every position; the caller keeps a range).
func (p DepositParams) DepositEvidence(fw []depositForward) []Evidence {
	slices.SortFunc(fw, func(a, b depositForward) int {
		return cmp.Or(cmp.Compare(a.Pos, b.Pos), cmp.Compare(a.PayerPos, b.PayerPos), cmp.Compare(a.Deposit, b.Deposit),
			cmp.Compare(a.Hot, b.Hot), cmp.Compare(a.Payer, b.Payer))
	})
	// When does each hot wallet qualify: listed (position 0), or at the first forward of its
	// MinDeposits-th deposit address.
	qualified := map[string]uint64{}
	for _, h := range p.HotWallets {
		qualified[h] = 0
	}
	deposits := map[string]map[string]bool{}
	for _, f := range fw {
		if _, ok := qualified[f.Hot]; ok {
			continue
		}
		if deposits[f.Hot] == nil {
			deposits[f.Hot] = map[string]bool{}
		}
		deposits[f.Hot][f.Deposit] = true
		if len(deposits[f.Hot]) >= max(p.MinDeposits, 1) {
			qualified[f.Hot] = f.Pos
		}
	}
	var ev []Evidence
	linked := map[[2]string]bool{}
	firstPayer := map[string]string{}
	for _, f := range fw {
		q, ok := qualified[f.Hot]
		if !ok {
			continue
		}
		at := max(f.Pos, q)
		add := func(a, b, detail string) {
			if a == b || linked[[2]string{a, b}] {
				return
			}
			linked[[2]string{a, b}] = true
			ev = append(ev, Evidence{Heuristic: Deposit, Tx: f.Tx, Height: at / PositionScale, Position: at,
				Confidence: p.Confidence, A: a, B: b, Detail: detail})
		}
		add(f.Hot, f.Deposit, fmt.Sprintf(`{"role":"deposit","asset":%q}`, f.TokenOrETH))
		if fp, ok := firstPayer[f.Deposit]; ok {
			add(fp, f.Payer, fmt.Sprintf(`{"role":"payer","deposit":%q}`, f.Deposit))
		} else {
			firstPayer[f.Deposit] = f.Payer
		}
	}
	return ev
}
