package score

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

//go:embed score-v1.json
var defaultConfig []byte

// Config is a versioned set of weights and thresholds. The default is
// score-v1.json beside this file; `chainsleuth score --config FILE` reads
// another one, and every run records the version and the whole config.
type Config struct {
	// Version names the config; change it whenever a weight or threshold
	// changes, so that scores of different runs can be told apart.
	Version string `json:"version"`
	// Window is how far back from a chain's latest transfer the flows are
	// read ("30d", "12h", or "0" for everything), parsed by ParseWindow.
	Window string `json:"window"`
	// PeriodBlocks is the length of a period per chain, in blocks: payers
	// are counted per period for the growth signal and the alerts.
	PeriodBlocks map[string]uint64 `json:"period_blocks"`
	// Weights of the components but payers; the score is
	// 100 × c_payers × Σ wᵢcᵢ / Σ wᵢ: the payers component gates the others,
	// since a cluster that few pay into raises no funds, whatever else its
	// flows look like.
	Weights Weights `json:"weights"`
	// PayersRef is the number of distinct paying clusters that makes the
	// payers component 1 (it grows with the logarithm of the count).
	PayersRef float64 `json:"payers_ref"`
	// SmallTicket is the largest payment, in whole units, that counts as a
	// small ticket: per asset symbol (BTC, ETH) and "token" for any token.
	SmallTicket map[string]float64 `json:"small_ticket"`
	Growth      GrowthParams       `json:"growth"`
	// HoldBlocksRef per chain: money forwarded to an exchange sooner than
	// this after it came in counts fully as a quick cash-out.
	HoldBlocksRef map[string]float64 `json:"hold_blocks_ref"`
	// IssuanceMinPayers: a common token sender must have sent tokens to at
	// least this many of a cluster's payers to count as its issuer.
	IssuanceMinPayers int            `json:"issuance_min_payers"`
	Exchange          ExchangeParams `json:"exchange"`
	Detect            DetectParams   `json:"detect"`
}

// Weights of the score's components.
type Weights struct {
	SmallTicket float64 `json:"small_ticket"`
	Growth      float64 `json:"growth"`
	Issuance    float64 `json:"issuance"`
	Payback     float64 `json:"payback"`
	Cashout     float64 `json:"cashout"`
	Sanction    float64 `json:"sanction"`
	Company     float64 `json:"company"`
}

// GrowthParams drive the growth component and the alerts. A period is
// eligible once the cluster has had BaselinePeriods periods since its first
// payer and has at least MinNewPayers new payers; its ratio is its new
// payers over the mean of the periods before it (at least MinBaseline). An
// alert needs AlertRatio; HighRatio makes it high severity.
type GrowthParams struct {
	BaselinePeriods int     `json:"baseline_periods"`
	MinBaseline     float64 `json:"min_baseline"`
	MinNewPayers    int     `json:"min_new_payers"`
	AlertRatio      float64 `json:"alert_ratio"`
	HighRatio       float64 `json:"high_ratio"`
}

// ExchangeParams: a cluster is an exchange when an address of it is tagged
// exchange, when at least MinDepositLinks deposit addresses were linked to
// it (the deposit-reuse heuristic), or when it has at least
// MinCounterparties distinct clusters paying in and as many paid out. An
// exchange's score is multiplied by ScoreFactor: it moves customers' money
// rather than raising funds.
type ExchangeParams struct {
	MinDepositLinks   int     `json:"min_deposit_links"`
	MinCounterparties int     `json:"min_counterparties"`
	ScoreFactor       float64 `json:"score_factor"`
}

// DetectParams are the thresholds of the token-sale, Ponzi and collector
// detections (see detect.go).
type DetectParams struct {
	MinPayers         int     `json:"min_payers"`
	TokenSaleIssuance float64 `json:"token_sale_issuance"`
	PonziPayback      float64 `json:"ponzi_payback"`
	SmallShare        float64 `json:"small_share"`
}

// DefaultConfig is score-v1.json.
func DefaultConfig() Config {
	var c Config
	if err := decodeConfig(&c, defaultConfig); err != nil {
		panic("score: embedded score-v1.json: " + err.Error()) // a build defect, caught by the tests
	}
	return c
}

// LoadConfig reads a config file; fields it leaves out keep the defaults.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read score config: %w", err)
	}
	c := DefaultConfig()
	if err := decodeConfig(&c, data); err != nil {
		return Config{}, fmt.Errorf("score config %s: %w", path, err)
	}
	return c, nil
}

// decodeConfig decodes data over c, refusing unknown fields, and validates.
func decodeConfig(c *Config, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return err
	}
	return c.Validate()
}

// Validate checks the config for values that make no sense.
func (c Config) Validate() error {
	w := c.Weights
	switch {
	case c.Version == "":
		return fmt.Errorf("version is empty: name the config")
	case w.SmallTicket < 0 || w.Growth < 0 || w.Issuance < 0 || w.Payback < 0 || w.Cashout < 0 || w.Sanction < 0 || w.Company < 0:
		return fmt.Errorf("weights must not be negative")
	case w.sum() <= 0:
		return fmt.Errorf("weights add up to 0")
	case c.PayersRef < 1:
		return fmt.Errorf("payers_ref must be at least 1")
	case c.Growth.BaselinePeriods < 1 || c.Growth.MinBaseline <= 0 || c.Growth.AlertRatio <= 1 || c.Growth.HighRatio < c.Growth.AlertRatio:
		return fmt.Errorf("growth: baseline_periods ≥ 1 and 1 < alert_ratio ≤ high_ratio")
	}
	for chain, n := range c.PeriodBlocks {
		if n == 0 {
			return fmt.Errorf("period_blocks of %s is 0", chain)
		}
	}
	if _, err := ParseWindow(c.Window); err != nil {
		return err
	}
	return nil
}

func (w Weights) sum() float64 {
	return w.SmallTicket + w.Growth + w.Issuance + w.Payback + w.Cashout + w.Sanction + w.Company
}

// ParseWindow reads a window: a number with a unit d (days), h or m, or "0"
// (or "") for no window.
func ParseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("window %q: want e.g. 30d, 12h or 0 for everything", s)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("window %q: want e.g. 30d, 12h or 0 for everything", s)
	}
	return d, nil
}
