package cluster

// CoinJoin detection keeps the inputs of mixing transactions out of co-spend linking: in a CoinJoin,
// unrelated users each contribute inputs and get back an output of a common value, so "all inputs have
// one owner" is false there.
//
// Patterns, tried in this order (the first that matches names the pattern recorded in coinjoins):
//
//   - whirlpool (Samourai Whirlpool mix transactions): 5 to 8 inputs and as many outputs, every output of
//     one pool denomination (0.001, 0.01, 0.05 or 0.5 BTC) at a distinct address;
//   - wasabi (Wasabi Wallet 1.x, zkSNACKs coordinator): at least WasabiMinEqual outputs of one value near
//     0.1 BTC (the mixing denomination, within ±WasabiTolerance), at least as many inputs;
//   - wasabi2 (WabiSabi): at least Wasabi2MinInputs inputs and outputs, most output values repeated;
//   - joinmarket: the generic rule below with a common value that is not a multiple of 0.001 BTC
//     (JoinMarket takers choose random amounts: p equal outputs and p-1 or p changes, Möser & Böhme,
//     "Join Me on a Market for Anonymity", WEIS 2016);
//   - blocksci: BlockSci's generic rule (Kalodner et al., "BlockSci: Design and applications of a
//     blockchain analysis platform", USENIX Security 2020): inputs ≥ 2, outputs ≥ 3,
//     p = ⌊(outputs+1)/2⌋ ≤ inputs and ≤ distinct input addresses, the most common output value occurs
//     exactly p times, and that value is not 546 or 2730 satoshi (dust used by other protocols); here
//     also p ≥ MinParticipants. BlockSci accepts p = 2, but on real blocks that flags payments such as a
//     258-input ChangeTip consolidation paying two equal amounts (block 363703) and a Binance withdrawal
//     of two equal round amounts (block 481829), hiding their co-spend links; two-party CoinJoins are rare.
type CoinJoinParams struct {
	// MinParticipants is the least p of the generic rule. Default 3 (BlockSci: 2).
	MinParticipants int `json:"min_participants"`
	// WhirlpoolPools are the Whirlpool denominations in satoshi. Default 100k, 1M, 5M, 50M.
	WhirlpoolPools []uint64 `json:"whirlpool_pools"`
	// WasabiMinEqual is the least number of equal outputs of a Wasabi 1.x round. Default 10.
	WasabiMinEqual int `json:"wasabi_min_equal"`
	// WasabiTolerance is how far (relative) the equal value may be from 0.1 BTC. Default 0.1.
	WasabiTolerance float64 `json:"wasabi_tolerance"`
	// Wasabi2MinInputs is the least number of inputs (and outputs) of a WabiSabi round. Default 50.
	Wasabi2MinInputs int `json:"wasabi2_min_inputs"`
}

// DefaultCoinJoinParams are the documented defaults.
func DefaultCoinJoinParams() CoinJoinParams {
	return CoinJoinParams{MinParticipants: 3, WhirlpoolPools: []uint64{100_000, 1_000_000, 5_000_000, 50_000_000},
		WasabiMinEqual: 10, WasabiTolerance: 0.1, Wasabi2MinInputs: 50}
}

// CoinJoin is a detected CoinJoin transaction.
type CoinJoin struct {
	TxID         string
	Height       uint64
	Pattern      string
	Inputs       int
	Outputs      int
	Participants int    // outputs of the common value
	Denomination uint64 // the common value in satoshi
}

// mostCommonValue is the output value that occurs most often (the smallest such value on a tie) and its count.
func mostCommonValue(outs []BTCOutput) (uint64, int) {
	counts := make(map[uint64]int, len(outs))
	var best uint64
	n := 0
	for _, o := range outs {
		counts[o.Value]++
		if c := counts[o.Value]; c > n || (c == n && o.Value < best) {
			best, n = o.Value, c
		}
	}
	return best, n
}

// DetectCoinJoin returns the CoinJoin pattern tx matches, or nil.
func (p CoinJoinParams) DetectCoinJoin(tx *BTCTx) *CoinJoin {
	nIn, nOut := len(tx.Inputs), len(tx.Outputs)
	if nIn < 2 || nOut < 3 {
		return nil
	}
	value, count := mostCommonValue(tx.Outputs)
	distinct := len(tx.distinctInputAddresses())
	cj := &CoinJoin{TxID: tx.TxID, Height: tx.Height, Inputs: nIn, Outputs: nOut, Participants: count, Denomination: value}
	switch {
	case p.whirlpool(tx, value, count):
		cj.Pattern = "whirlpool"
	case count >= p.WasabiMinEqual && nIn >= count && closeTo(value, 10_000_000, p.WasabiTolerance):
		cj.Pattern = "wasabi"
	case p.wasabi2(tx):
		cj.Pattern = "wasabi2"
	default:
		pp := (nOut + 1) / 2
		if pp >= p.MinParticipants && pp <= nIn && pp <= distinct && count == pp && !dustMarker(value) {
			cj.Pattern = "blocksci"
			if value%100_000 != 0 { // JoinMarket takers pick random amounts
				cj.Pattern = "joinmarket"
			}
		}
	}
	if cj.Pattern == "" {
		return nil
	}
	return cj
}

func dustMarker(v uint64) bool { return v == 546 || v == 2730 }

func closeTo(v, target uint64, tol float64) bool {
	d := float64(v) - float64(target)
	return d <= tol*float64(target) && -d <= tol*float64(target)
}

func (p CoinJoinParams) whirlpool(tx *BTCTx, value uint64, count int) bool {
	n := len(tx.Outputs)
	if n < 5 || n > 8 || len(tx.Inputs) != n || count != n {
		return false
	}
	pool := false
	for _, d := range p.WhirlpoolPools {
		pool = pool || d == value
	}
	seen := map[string]bool{}
	for _, o := range tx.Outputs {
		if o.Address == "" || seen[o.Address] {
			return false
		}
		seen[o.Address] = true
	}
	return pool
}

// wasabi2: many inputs and outputs, at least two thirds of the outputs sharing their value with another.
func (p CoinJoinParams) wasabi2(tx *BTCTx) bool {
	if len(tx.Inputs) < p.Wasabi2MinInputs || len(tx.Outputs) < p.Wasabi2MinInputs {
		return false
	}
	counts := map[uint64]int{}
	for _, o := range tx.Outputs {
		counts[o.Value]++
	}
	repeated := 0
	for _, o := range tx.Outputs {
		if counts[o.Value] > 1 {
			repeated++
		}
	}
	return 3*repeated >= 2*len(tx.Outputs)
}
