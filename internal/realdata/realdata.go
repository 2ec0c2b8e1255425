package realdata

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvDir names the environment variable that points at the data directory.
const EnvDir = "CHAINSLEUTH_REALDATA"

// IndexPath is the block index, relative to the data directory.
const IndexPath = "derived/bitcoin-blocks.index.jsonl"

// ErrNotFound says the data directory could not be located.
var ErrNotFound = errors.New("real mainnet test data not found")

// Find locates the data directory: $CHAINSLEUTH_REALDATA when set, else the
// first shared/realdata found walking up from the working directory.
func Find() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if !isDataDir(d) {
			return "", fmt.Errorf("%w: %s=%s has no README.md and %s", ErrNotFound, EnvDir, d, IndexPath)
		}
		return filepath.Abs(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find real data: %w", err)
	}
	for dir := wd; ; {
		cand := filepath.Join(dir, "shared", "realdata")
		if isDataDir(cand) {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("%w: no shared/realdata above %s; set %s to its path", ErrNotFound, wd, EnvDir)
}

func isDataDir(d string) bool {
	for _, f := range []string{"README.md", IndexPath} {
		if st, err := os.Stat(filepath.Join(d, f)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// Dir returns the data directory for a test. When the data is absent it skips
// the test with a message saying how to provide it, or fails the test when the
// environment has CI=true.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: the real-data tests must run)", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return d
}

// RawBlock is the serialized block at height on the main chain, for a test
// or benchmark: it skips or fails as Dir does when the data is absent, and
// fails when the block is not in the index.
func RawBlock(t testing.TB, height int64) []byte {
	t.Helper()
	blocks, err := OpenBlocks(Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := blocks.RawByHeight(height)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Block is one row of the block index.
type Block struct {
	Height             int64   `json:"height"`
	Hash               string  `json:"hash"`
	PrevHash           string  `json:"previousblockhash"`
	Time               int64   `json:"time"`
	Version            int32   `json:"version"`
	Size               int     `json:"size"`
	NTx                int     `json:"n_tx"`
	NInputsNonCoinbase int     `json:"n_inputs_noncoinbase"`
	NOutputs           int     `json:"n_outputs"`
	NMultiInputTxs     int     `json:"n_multi_input_txs"`
	NSegwitTxs         int     `json:"n_segwit_txs"`
	File               string  `json:"file"`
	Compression        *string `json:"compression"`
	Framing            string  `json:"framing"`
	Offset             int64   `json:"offset_in_decompressed"`
	Length             int64   `json:"length"`
	// Duplicate marks the second copy of a block found in another file
	// (blocks 1-255 are in both bitcoinj's and btcd's files).
	Duplicate bool `json:"duplicate"`
}

// Blocks reads raw blocks from the data directory through the index.
// It is safe for concurrent use.
type Blocks struct {
	dir      string
	index    []Block
	byHash   map[string]int
	byHeight map[int64]int

	mu    sync.Mutex
	files map[string]*fileOnce
}

type fileOnce struct {
	once sync.Once
	data []byte
	err  error
}

// OpenBlocks reads the block index of the data directory dir.
func OpenBlocks(dir string) (*Blocks, error) {
	f, err := os.Open(filepath.Join(dir, IndexPath))
	if err != nil {
		return nil, fmt.Errorf("open block index: %w", err)
	}
	defer f.Close()
	b := &Blocks{dir: dir, byHash: map[string]int{}, byHeight: map[int64]int{}, files: map[string]*fileOnce{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var blk Block
		if err := json.Unmarshal(sc.Bytes(), &blk); err != nil {
			return nil, fmt.Errorf("read block index %s line %d: %w", IndexPath, line, err)
		}
		i := len(b.index)
		b.index = append(b.index, blk)
		if _, ok := b.byHash[blk.Hash]; !ok || !blk.Duplicate {
			b.byHash[blk.Hash] = i
		}
		if _, ok := b.byHeight[blk.Height]; !ok || !blk.Duplicate {
			b.byHeight[blk.Height] = i
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read block index: %w", err)
	}
	return b, nil
}

// Dir is the data directory.
func (b *Blocks) Dir() string { return b.dir }

// Index returns every row of the index, duplicates included, in file order.
func (b *Blocks) Index() []Block { return b.index }

// ByHeight returns the index row of the block at height (the first copy when
// the block is in two files).
func (b *Blocks) ByHeight(height int64) (Block, bool) {
	i, ok := b.byHeight[height]
	if !ok {
		return Block{}, false
	}
	return b.index[i], true
}

// ByHash returns the index row of the block with the given hash (hex,
// display order).
func (b *Blocks) ByHash(hash string) (Block, bool) {
	i, ok := b.byHash[strings.ToLower(hash)]
	if !ok {
		return Block{}, false
	}
	return b.index[i], true
}

// Raw returns the serialized block an index row points at.
func (b *Blocks) Raw(blk Block) ([]byte, error) {
	data, err := b.decompressed(blk.File, blk.Compression)
	if err != nil {
		return nil, err
	}
	end := blk.Offset + blk.Length
	if blk.Offset < 0 || blk.Length <= 0 || end > int64(len(data)) {
		return nil, fmt.Errorf("block %d (%s): offset %d length %d beyond %s (%d bytes)",
			blk.Height, blk.Hash, blk.Offset, blk.Length, blk.File, len(data))
	}
	return data[blk.Offset:end:end], nil
}

// RawByHeight returns the serialized block at height.
func (b *Blocks) RawByHeight(height int64) ([]byte, error) {
	blk, ok := b.ByHeight(height)
	if !ok {
		return nil, fmt.Errorf("block at height %d is not in %s", height, IndexPath)
	}
	return b.Raw(blk)
}

// RawByHash returns the serialized block with the given hash.
func (b *Blocks) RawByHash(hash string) ([]byte, error) {
	blk, ok := b.ByHash(hash)
	if !ok {
		return nil, fmt.Errorf("block %s is not in %s", hash, IndexPath)
	}
	return b.Raw(blk)
}

func (b *Blocks) decompressed(file string, compression *string) ([]byte, error) {
	b.mu.Lock()
	fo, ok := b.files[file]
	if !ok {
		fo = &fileOnce{}
		b.files[file] = fo
	}
	b.mu.Unlock()
	fo.once.Do(func() {
		comp := ""
		if compression != nil {
			comp = *compression
		}
		fo.data, fo.err = readFile(filepath.Join(b.dir, file), comp)
	})
	return fo.data, fo.err
}

// ReadFile reads a file of the data directory, decompressing it when its name
// ends in .bz2.
func ReadFile(dir, rel string) ([]byte, error) {
	comp := ""
	if strings.HasSuffix(rel, ".bz2") {
		comp = "bzip2"
	}
	return readFile(filepath.Join(dir, rel), comp)
}

func readFile(path, compression string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read real data: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	switch compression {
	case "":
	case "bzip2", "bz2":
		r = bzip2.NewReader(f)
	default:
		return nil, fmt.Errorf("read real data %s: unknown compression %q", path, compression)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read real data %s: %w", path, err)
	}
	return data, nil
}
