package cluster

// Heuristic names, as --heuristics and cluster_evidence spell them.
const (
	CoSpend  = "co-spend"
	Change   = "change"
	Deposit  = "deposit"
	Airdrop  = "airdrop"
	SelfAuth = "self-auth"
)

// AllHeuristics in the order they are documented.
var AllHeuristics = []string{CoSpend, Change, Deposit, Airdrop, SelfAuth}

// DefaultHeuristics are the ones enabled unless the caller says otherwise: every heuristic but change,
// whose evidence is recorded but merges only when asked for.
var DefaultHeuristics = []string{CoSpend, Deposit, Airdrop, SelfAuth}

// Evidence is one link between two addresses: the heuristic that made it, the transaction behind it
// (for links resting on several transactions, the one that completed them) and a confidence in [0, 1].
type Evidence struct {
	Heuristic  string
	Tx         string
	Height     uint64
	Position   uint64 // height*PositionScale + index of the transaction in its block: the order of application
	Confidence float64
	A, B       string
	// Detail is a short JSON object with what the heuristic saw.
	Detail string
}

// PositionScale orders transactions: position = height*PositionScale + index in block.
const PositionScale = 1_000_000

// Position of a transaction.
func Position(height uint64, index uint32) uint64 { return height*PositionScale + uint64(index) }
