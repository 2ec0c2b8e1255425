package btc

import (
	"context"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
)

// Block is a decoded Bitcoin block as the pipeline sees it.
type Block struct{ *bitcoin.Block }

// BlockHeight implements pipeline.Block.
func (b Block) BlockHeight() int64 { return b.Height }

// BlockHash implements pipeline.Block.
func (b Block) BlockHash() string { return b.Hash }

// ParentHash implements pipeline.Block.
func (b Block) ParentHash() string { return b.PrevHash }

// TxCount implements pipeline.Block.
func (b Block) TxCount() int { return len(b.Txs) }

// Rows estimates the rows the block writes (txs, inputs, outputs, transfers).
func (b Block) Rows() int {
	n := 1
	for i := range b.Txs {
		tx := &b.Txs[i]
		n += 1 + len(tx.Inputs) + 2*len(tx.Outputs)
	}
	return n
}

// Source reads blocks from a node for the pipeline.
type Source struct{ Client *bitcoin.Client }

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
