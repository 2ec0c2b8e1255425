package btc

import (
	"encoding/hex"
	"fmt"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
)

// outpoint is a spent output's key: the txid bytes (display order) and index.
type outpoint struct {
	txid [32]byte
	vout uint32
}

func newOutpoint(txid string, vout uint32) (outpoint, error) {
	var o outpoint
	if len(txid) != 64 {
		return o, fmt.Errorf("txid %q is not 64 hex characters", txid)
	}
	if _, err := hex.Decode(o.txid[:], []byte(txid)); err != nil {
		return o, fmt.Errorf("txid %q: %w", txid, err)
	}
	o.vout = vout
	return o, nil
}

// spent is what an input needs to know about the output it spends.
type spent struct {
	value   int64
	typ     bitcoin.ScriptType
	address string
}

// outputCache holds recently created outputs in two generations: when the
// current one is full it becomes the old one and the previous old one is
// dropped. Memory is bounded by capacity entries; spent outputs are removed.
type outputCache struct {
	cur, old map[outpoint]spent
	gen      int
	hits     uint64
	misses   uint64
}

func newOutputCache(capacity int) *outputCache {
	gen := max(capacity/2, 1)
	return &outputCache{cur: make(map[outpoint]spent, min(gen, 1<<16)), old: map[outpoint]spent{}, gen: gen}
}

func (c *outputCache) get(k outpoint) (spent, bool) {
	if v, ok := c.cur[k]; ok {
		c.hits++
		return v, true
	}
	if v, ok := c.old[k]; ok {
		c.hits++
		return v, true
	}
	c.misses++
	return spent{}, false
}

func (c *outputCache) put(k outpoint, v spent) {
	c.cur[k] = v
	if len(c.cur) >= c.gen {
		c.old = c.cur
		c.cur = make(map[outpoint]spent, min(c.gen, 1<<16))
	}
}

func (c *outputCache) remove(k outpoint) {
	delete(c.cur, k)
	delete(c.old, k)
}

func (c *outputCache) clear() {
	c.cur = map[outpoint]spent{}
	c.old = map[outpoint]spent{}
}

func (c *outputCache) len() int { return len(c.cur) + len(c.old) }
