package eth

import (
	"context"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
)

// Block is a fetched Ethereum block as the pipeline sees it.
type Block struct{ *ethereum.Block }

// BlockHeight implements pipeline.Block.
func (b Block) BlockHeight() int64 { return b.Number }

// BlockHash implements pipeline.Block.
func (b Block) BlockHash() string { return b.Hash }

// ParentHash implements pipeline.Block.
func (b Block) ParentHash() string { return b.Block.ParentHash }

// TxCount implements pipeline.Block.
func (b Block) TxCount() int { return len(b.Txs) }

// Rows estimates the rows the block writes.
func (b Block) Rows() int {
	n := 1 + 2*len(b.Txs) + 2*len(b.Traces)
	for i := range b.Txs {
		n += 2 * len(b.Txs[i].Logs)
	}
	return n
}

// Source reads blocks from a node for the pipeline.
type Source struct{ Client *ethereum.Client }

// TipHeight implements pipeline.Source.
func (s Source) TipHeight(ctx context.Context) (int64, error) { return s.Client.TipHeight(ctx) }

// HashAt implements pipeline.Source.
func (s Source) HashAt(ctx context.Context, h int64) (string, error) {
	return s.Client.BlockHash(ctx, h)
}

// Fetch implements pipeline.Source.
func (s Source) Fetch(ctx context.Context, h int64) (Block, error) {
	b, err := s.Client.FetchBlock(ctx, h)
	if err != nil {
		return Block{}, err
	}
	return Block{b}, nil
}
