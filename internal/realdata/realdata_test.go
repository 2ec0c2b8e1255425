package realdata

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// blockHash is the double SHA-256 of the 80-byte header, in display order.
func blockHash(raw []byte) string {
	h1 := sha256.Sum256(raw[:80])
	h2 := sha256.Sum256(h1[:])
	slices.Reverse(h2[:])
	return hex.EncodeToString(h2[:])
}

func TestEveryIndexedBlockIsReadableAndHashesToItsIndexedHash(t *testing.T) {
	dir := Dir(t)
	blocks, err := OpenBlocks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(blocks.Index()); n < 700 {
		t.Fatalf("index has %d rows, want the ~705 the README describes", n)
	}
	files := map[string]bool{}
	for _, blk := range blocks.Index() {
		raw, err := blocks.Raw(blk)
		if err != nil {
			t.Fatalf("block %d in %s: %v", blk.Height, blk.File, err)
		}
		if len(raw) != blk.Size || int64(len(raw)) != blk.Length {
			t.Errorf("block %d: %d bytes, index says size %d length %d", blk.Height, len(raw), blk.Size, blk.Length)
		}
		if got := blockHash(raw); got != blk.Hash {
			t.Errorf("block %d in %s hashes to %s, index says %s", blk.Height, blk.File, got, blk.Hash)
		}
		files[blk.File] = true
	}
	if len(files) < 10 {
		t.Errorf("blocks come from %d files, want the bitcoinj, btcd and rust-bitcoin files", len(files))
	}
}

func TestBlkFramedBlocksArePrecededByMagicAndLength(t *testing.T) {
	dir := Dir(t)
	blocks, err := OpenBlocks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, blk := range blocks.Index() {
		if blk.Framing == "raw block" {
			continue
		}
		data, err := blocks.decompressed(blk.File, blk.Compression)
		if err != nil {
			t.Fatal(err)
		}
		frame := data[blk.Offset-8 : blk.Offset]
		if !bytes.Equal(frame[:4], []byte{0xf9, 0xbe, 0xb4, 0xd9}) {
			t.Fatalf("block %d in %s: no mainnet magic before offset %d", blk.Height, blk.File, blk.Offset)
		}
		if n := binary.LittleEndian.Uint32(frame[4:]); int64(n) != blk.Length {
			t.Fatalf("block %d: frame length %d, index length %d", blk.Height, n, blk.Length)
		}
	}
}

func TestBlocksAreFoundByHeightAndByHash(t *testing.T) {
	blocks, err := OpenBlocks(Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		height int64
		hash   string
	}{
		{"the genesis block", 0, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{"a block stored in both bitcoinj's and btcd's files", 1, "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"},
		{"the block with a bzip2 utxo store", 277647, "0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8"},
		{"the rust-bitcoin block", 702861, "000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			byHeight, err := blocks.RawByHeight(tt.height)
			if err != nil {
				t.Fatal(err)
			}
			byHash, err := blocks.RawByHash(tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(byHeight, byHash) || blockHash(byHash) != tt.hash {
				t.Fatalf("height %d and hash %s give different or wrong blocks", tt.height, tt.hash)
			}
			blk, _ := blocks.ByHeight(tt.height)
			if blk.Duplicate {
				t.Errorf("ByHeight(%d) returned the duplicate copy", tt.height)
			}
		})
	}
	if _, err := blocks.RawByHeight(1_000_000); err == nil {
		t.Error("a height missing from the index gave no error")
	}
}

func TestFindHonoursTheEnvironmentAndWalksUpFromTheWorkingDirectory(t *testing.T) {
	real := Dir(t)

	t.Run("the environment variable wins", func(t *testing.T) {
		t.Setenv(EnvDir, real)
		got, err := Find()
		if err != nil || got != real {
			t.Fatalf("Find() = %q, %v; want %q", got, err, real)
		}
	})
	t.Run("an environment variable naming a directory without data is an error", func(t *testing.T) {
		t.Setenv(EnvDir, t.TempDir())
		if _, err := Find(); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Find() error = %v, want ErrNotFound", err)
		}
	})
	t.Run("a checkout beside shared/ finds it by walking up", func(t *testing.T) {
		t.Setenv(EnvDir, "")
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "shared"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(root, "shared", "realdata")); err != nil {
			t.Fatal(err)
		}
		deep := filepath.Join(root, "main", "chain", "bitcoin")
		if err := os.MkdirAll(deep, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Chdir(deep)
		got, err := Find()
		if err != nil || got != filepath.Join(root, "shared", "realdata") {
			t.Fatalf("Find() = %q, %v", got, err)
		}
	})
	t.Run("nothing above the working directory is ErrNotFound", func(t *testing.T) {
		t.Setenv(EnvDir, "")
		t.Chdir(t.TempDir())
		if _, err := Find(); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Find() error = %v, want ErrNotFound", err)
		}
	})
}

func TestReadFileDecompressesBzip2(t *testing.T) {
	dir := Dir(t)
	data, err := ReadFile(dir, "btcd/wire/testdata/megatx.bin.bz2")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 999657 {
		t.Fatalf("megatx is %d bytes, want 999657", len(data))
	}
}
