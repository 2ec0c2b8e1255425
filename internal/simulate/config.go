package simulate

import (
	"fmt"
	"log/slog"
)

// Scale names a preset of actor counts and rounds.
type Scale string

// Scales. Small finishes in well under two minutes and suits tests and the demo; medium gives at least
// 20,000 transactions across both chains; large is for benchmarks.
const (
	Small  Scale = "small"
	Medium Scale = "medium"
	Large  Scale = "large"
)

// Params are the counts and rates of one world. Probabilities are per round.
type Params struct {
	Rounds    int // rounds of activity per chain, one block each (at least)
	Retail    int // retail users (each with addresses on both chains)
	Exchanges int // exchanges (each on both chains)
	// RetailActivity is the chance that a retail user does something on a chain in a round.
	RetailActivity float64
	// OTCCustomers is the share of retail users who trade with the OTC desk.
	OTCCustomers float64
	// Collectors is the number of Ponzi-like collectors per chain.
	Collectors int
	// CollectorPayers is the number of retail users paying each collector.
	CollectorPayers int
	// CollectorGrowth is how many times more new payers join in the collector's last round than in its
	// first (the growth is geometric in between).
	CollectorGrowth float64
	CrowdsaleBuyers int // buyers of the crowdsale contract (Ethereum)
	ManualBuyers    int // buyers of the two-EOA manual sale (Ethereum)
	// AirdropRecipients are the retail addresses that get the airdrop; the farmers' addresses get it too.
	AirdropRecipients int
	Farmers           int // airdrop farmers
	FarmAddresses     int // addresses per farmer
	CoinJoins         int // CoinJoin rounds (Bitcoin)
	CoinJoinSize      int // participants per CoinJoin
}

// ParamsFor returns the preset of a scale.
func ParamsFor(s Scale) (Params, error) {
	switch s {
	case Small:
		return Params{
			Rounds: 60, Retail: 60, Exchanges: 2, RetailActivity: 0.25, OTCCustomers: 0.3,
			Collectors: 1, CollectorPayers: 40, CollectorGrowth: 12,
			CrowdsaleBuyers: 25, ManualBuyers: 15, AirdropRecipients: 20, Farmers: 2, FarmAddresses: 10,
			CoinJoins: 4, CoinJoinSize: 5,
		}, nil
	case Medium:
		return Params{
			Rounds: 200, Retail: 400, Exchanges: 3, RetailActivity: 0.15, OTCCustomers: 0.25,
			Collectors: 1, CollectorPayers: 250, CollectorGrowth: 20,
			CrowdsaleBuyers: 150, ManualBuyers: 80, AirdropRecipients: 120, Farmers: 5, FarmAddresses: 25,
			CoinJoins: 12, CoinJoinSize: 8,
		}, nil
	case Large:
		return Params{
			Rounds: 400, Retail: 2000, Exchanges: 5, RetailActivity: 0.1, OTCCustomers: 0.2,
			Collectors: 2, CollectorPayers: 1200, CollectorGrowth: 30,
			CrowdsaleBuyers: 800, ManualBuyers: 400, AirdropRecipients: 800, Farmers: 12, FarmAddresses: 40,
			CoinJoins: 40, CoinJoinSize: 10,
		}, nil
	}
	return Params{}, fmt.Errorf("unknown scale %q: use small, medium or large", s)
}

// Validate reports parameters the world cannot be built from.
func (p Params) Validate() error {
	switch {
	case p.Rounds < 20:
		return fmt.Errorf("rounds %d: at least 20 are needed for the schedules", p.Rounds)
	case p.Exchanges < 1:
		return fmt.Errorf("exchanges %d: at least one is needed (every coin enters through one)", p.Exchanges)
	case p.Retail < 6:
		return fmt.Errorf("retail users %d: at least 6 are needed", p.Retail)
	case p.CollectorPayers > p.Retail || p.CrowdsaleBuyers > p.Retail || p.ManualBuyers > p.Retail || p.AirdropRecipients > p.Retail:
		return fmt.Errorf("collector payers, buyers and airdrop recipients are retail users: at most %d each", p.Retail)
	case p.CoinJoins > 0 && (p.CoinJoinSize < 3 || p.CoinJoinSize > p.Retail):
		return fmt.Errorf("CoinJoin size %d: between 3 and the number of retail users", p.CoinJoinSize)
	case p.RetailActivity < 0 || p.RetailActivity > 1 || p.OTCCustomers < 0 || p.OTCCustomers > 1:
		return fmt.Errorf("activity and OTC share must be between 0 and 1")
	case p.CollectorGrowth < 1:
		return fmt.Errorf("collector growth %g: at least 1", p.CollectorGrowth)
	case p.Collectors < 0 || p.Farmers < 0 || p.FarmAddresses < 0 || p.CoinJoins < 0:
		return fmt.Errorf("counts must not be negative")
	}
	return nil
}

// Config says which world to build and where.
type Config struct {
	Seed   uint64
	Params Params
	// BTCRPC is the btcd JSON-RPC URL, http://user:pass@host:port; empty leaves Bitcoin out.
	BTCRPC string
	// ETHRPC is the dev chain's JSON-RPC URL; empty leaves Ethereum out.
	ETHRPC string
	// DryRun builds the world without nodes (BTC and ETH say which chains) and returns the truth a run
	// on fresh nodes writes.
	DryRun   bool
	BTC, ETH bool
	Logger   *slog.Logger
}

func (c Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
