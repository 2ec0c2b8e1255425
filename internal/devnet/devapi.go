package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// maxMineMany bounds dev_mineMany so that one call cannot keep the chain busy for minutes.
const maxMineMany = 100_000

// devAPI is the `dev` JSON-RPC namespace: block sealing for programs that drive the chain over RPC only.
type devAPI struct {
	chain *Chain
}

// Mine (dev_mine) seals one block with what the pool holds and returns its number.
func (api *devAPI) Mine(ctx context.Context) (hexutil.Uint64, error) {
	head, err := api.chain.commit()
	if err != nil {
		return 0, err
	}
	return hexutil.Uint64(head.Number.Uint64()), nil
}

// MineMany (dev_mineMany) seals n blocks, the first with what the pool holds, and returns the number of
// the last one. n is a JSON number or a hex quantity.
func (api *devAPI) MineMany(ctx context.Context, n blockCount) (hexutil.Uint64, error) {
	if n == 0 || n > maxMineMany {
		return 0, fmt.Errorf("dev_mineMany: n must be between 1 and %d, got %d", maxMineMany, n)
	}
	var last uint64
	for i := blockCount(0); i < n; i++ {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("dev_mineMany: stopped after %d of %d blocks: %w", i, n, err)
		}
		head, err := api.chain.commit()
		if err != nil {
			return 0, fmt.Errorf("dev_mineMany: block %d of %d: %w", i+1, n, err)
		}
		last = head.Number.Uint64()
	}
	return hexutil.Uint64(last), nil
}

// blockCount is a count given as a JSON number (5) or a quantity string ("0x5", "5").
type blockCount uint64

func (b *blockCount) UnmarshalJSON(data []byte) error {
	text := string(data)
	if s, err := strconv.Unquote(text); err == nil {
		text = s
	} else {
		var n uint64
		if err := json.Unmarshal(data, &n); err != nil {
			return fmt.Errorf("block count %s is not a non-negative integer", data)
		}
		*b = blockCount(n)
		return nil
	}
	base := 10
	if strings.HasPrefix(text, "0x") || strings.HasPrefix(text, "0X") {
		text, base = text[2:], 16
	}
	n, err := strconv.ParseUint(text, base, 64)
	if err != nil {
		return fmt.Errorf("block count %s is not a number or hex quantity", data)
	}
	*b = blockCount(n)
	return nil
}
