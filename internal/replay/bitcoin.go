package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/chainsleuth/chainsleuth/internal/realdata"
)

// ETLBitcoinDir holds bitcoin-etl's recorded bitcoind answers, one directory
// per test case, relative to the real-data directory.
const ETLBitcoinDir = "bitcoin-etl/tests/resources/test_export_blocks_job/bitcoin"

// Credentials the replay server expects by default.
const (
	DefaultUser = "replay"
	DefaultPass = "replay-pass"
)

// BitcoinHandler answers Bitcoin Core JSON-RPC calls from recorded mainnet
// data. Build it with LoadBitcoin; it is safe for concurrent use.
type BitcoinHandler struct {
	rpcServer

	blocks   *realdata.Blocks
	byHash   map[string]*btcBlock
	byHeight map[int64]string
	tip      int64
	txs      map[string]*btcTx // recorded by bitcoin-etl

	rawTxsOnce sync.Once
	rawTxs     map[string]rawTxRef // txs of the indexed raw blocks, found on first need
	rawTxsErr  error
}

type btcBlock struct {
	height   int64
	hash     string
	raw      []byte          // rebuilt from a recording; nil for indexed raw blocks
	verbose2 json.RawMessage // bitcoin-etl's recording, if any
	indexed  *realdata.Block
}

type btcTx struct {
	hex     string
	verbose json.RawMessage
}

type rawTxRef struct {
	block string
	index int
}

// LoadBitcoin reads the recordings of the real-data directory dir. It fails
// when a recording is inconsistent (a block that does not hash to its
// recorded hash, two recordings disagreeing on a height).
func LoadBitcoin(dir string) (*BitcoinHandler, error) {
	blocks, err := realdata.OpenBlocks(dir)
	if err != nil {
		return nil, fmt.Errorf("load bitcoin replay: %w", err)
	}
	h := &BitcoinHandler{
		rpcServer: rpcServer{user: DefaultUser, pass: DefaultPass},
		blocks:    blocks,
		byHash:    map[string]*btcBlock{},
		byHeight:  map[int64]string{},
		txs:       map[string]*btcTx{},
	}
	for _, ref := range blocks.Index() {
		if ref.Duplicate {
			continue
		}
		if err := h.addHeight(ref.Height, ref.Hash); err != nil {
			return nil, fmt.Errorf("load bitcoin replay: %s: %w", realdata.IndexPath, err)
		}
		ref := ref
		h.byHash[ref.Hash] = &btcBlock{height: ref.Height, hash: ref.Hash, indexed: &ref}
	}
	cases, err := os.ReadDir(filepath.Join(dir, ETLBitcoinDir))
	if err != nil {
		return nil, fmt.Errorf("load bitcoin replay: %w", err)
	}
	var recordedCount int64
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		n, err := h.loadETLCase(filepath.Join(dir, ETLBitcoinDir, c.Name()))
		if err != nil {
			return nil, fmt.Errorf("load bitcoin replay: %s/%s: %w", ETLBitcoinDir, c.Name(), err)
		}
		recordedCount = max(recordedCount, n)
	}
	for height := range h.byHeight {
		h.tip = max(h.tip, height)
	}
	h.tip = max(h.tip, recordedCount)
	h.methods = map[string]method{
		"getblockchaininfo": h.getBlockchainInfo,
		"getblockcount":     func([]json.RawMessage) (any, *RPCError) { return h.tip, nil },
		"getbestblockhash":  h.getBestBlockHash,
		"getblockhash":      h.getBlockHash,
		"getblock":          h.getBlock,
		"getblockheader":    h.getBlockHeader,
		"getrawtransaction": h.getRawTransaction,
	}
	return h, nil
}

// SetAuth sets the credentials requests must carry; an empty pass turns
// authentication off. Call it before serving.
func (h *BitcoinHandler) SetAuth(user, pass string) { h.user, h.pass = user, pass }

// Tip is the height getblockcount answers: the highest height the replay
// knows a hash for, or bitcoin-etl's recorded block count if higher.
func (h *BitcoinHandler) Tip() int64 { return h.tip }

// Heights lists the heights getblockhash answers, in order.
func (h *BitcoinHandler) Heights() []int64 {
	out := make([]int64, 0, len(h.byHeight))
	for height := range h.byHeight {
		out = append(out, height)
	}
	slices.Sort(out)
	return out
}

func (h *BitcoinHandler) addHeight(height int64, hash string) error {
	if old, ok := h.byHeight[height]; ok && old != hash {
		return fmt.Errorf("height %d has two hashes, %s and %s", height, old, hash)
	}
	h.byHeight[height] = hash
	return nil
}

// loadETLCase loads one bitcoin-etl test case directory. Files are named
// rpc_response_<method>_<param>….json and hold the bare result. It returns
// the recorded getblockcount, if any.
func (h *BitcoinHandler) loadETLCase(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var count int64
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), "rpc_response_")
		if !ok || !strings.HasSuffix(name, ".json") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(name, ".json"), "_")
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return 0, err
		}
		switch {
		case parts[0] == "getblockcount" && len(parts) == 1:
			if err := json.Unmarshal(data, &count); err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
		case parts[0] == "getblockhash" && len(parts) == 2:
			height, err := strconv.ParseInt(parts[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
			var hash string
			if err := json.Unmarshal(data, &hash); err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
			if err := h.addHeight(height, hash); err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
		case parts[0] == "getblock" && len(parts) == 3 && parts[2] == "2":
			if err := h.addVerboseBlock(parts[1], data); err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
		case parts[0] == "getrawtransaction" && len(parts) == 2:
			if err := h.addVerboseTx(parts[1], data, nil); err != nil {
				return 0, fmt.Errorf("%s: %w", e.Name(), err)
			}
		default:
			// getblock <hash> None: the tip check of the stream test, a
			// copy of block 50001 relabelled as 500000 that hashes to
			// neither. Not served.
		}
	}
	return count, nil
}

// verboseBlock is the part of bitcoind's getblock verbosity-2 answer needed to
// rebuild the raw block.
type verboseBlock struct {
	Hash       string `json:"hash"`
	Height     int64  `json:"height"`
	Version    int32  `json:"version"`
	PrevHash   string `json:"previousblockhash"`
	MerkleRoot string `json:"merkleroot"`
	Time       int64  `json:"time"`
	Bits       string `json:"bits"`
	Nonce      uint32 `json:"nonce"`
	Tx         []struct {
		TxID string `json:"txid"`
		Hex  string `json:"hex"`
	} `json:"tx"`
}

// addVerboseBlock rebuilds the raw block of a verbosity-2 recording and keeps
// it when it hashes to the recorded hash and merkle root.
func (h *BitcoinHandler) addVerboseBlock(hash string, data []byte) error {
	var vb verboseBlock
	if err := json.Unmarshal(data, &vb); err != nil {
		return err
	}
	if vb.Hash != hash {
		return fmt.Errorf("file is named for block %s, holds %s", hash, vb.Hash)
	}
	raw, err := rebuildBlock(&vb)
	if err != nil {
		return fmt.Errorf("rebuild block %s: %w", hash, err)
	}
	if err := h.addHeight(vb.Height, hash); err != nil {
		return err
	}
	if old, ok := h.byHash[hash]; ok && old.raw == nil && old.indexed != nil {
		indexed, err := h.blocks.Raw(*old.indexed)
		if err != nil {
			return err
		}
		if !bytes.Equal(indexed, raw) {
			return fmt.Errorf("block %s rebuilt from the recording differs from the indexed raw block", hash)
		}
	}
	h.byHash[hash] = &btcBlock{height: vb.Height, hash: hash, raw: raw, verbose2: data}

	var txs struct {
		Tx []json.RawMessage `json:"tx"`
	}
	if err := json.Unmarshal(data, &txs); err != nil {
		return err
	}
	extra := map[string]any{"blockhash": hash, "time": vb.Time, "blocktime": vb.Time}
	for i, tx := range txs.Tx {
		if err := h.addVerboseTx(vb.Tx[i].TxID, tx, extra); err != nil {
			return err
		}
	}
	return nil
}

// rebuildBlock serializes the header fields and each transaction's hex, and
// checks the header hash and the merkle root against the recording.
func rebuildBlock(vb *verboseBlock) ([]byte, error) {
	bits, err := strconv.ParseUint(vb.Bits, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("bits %q: %w", vb.Bits, err)
	}
	hdr := wire.BlockHeader{Version: vb.Version, Timestamp: time.Unix(vb.Time, 0), Bits: uint32(bits), Nonce: vb.Nonce}
	if vb.PrevHash != "" {
		if hdr.PrevBlock, err = hashFromHex(vb.PrevHash); err != nil {
			return nil, fmt.Errorf("previousblockhash: %w", err)
		}
	}
	if hdr.MerkleRoot, err = hashFromHex(vb.MerkleRoot); err != nil {
		return nil, fmt.Errorf("merkleroot: %w", err)
	}
	if got := hdr.BlockHash().String(); got != vb.Hash {
		return nil, fmt.Errorf("rebuilt header hashes to %s, recording says %s", got, vb.Hash)
	}
	var buf bytes.Buffer
	if err := hdr.Serialize(&buf); err != nil {
		return nil, err
	}
	if err := wire.WriteVarInt(&buf, 0, uint64(len(vb.Tx))); err != nil {
		return nil, err
	}
	txids := make([][32]byte, len(vb.Tx))
	for i, tx := range vb.Tx {
		b, err := hex.DecodeString(tx.Hex)
		if err != nil {
			return nil, fmt.Errorf("tx %d hex: %w", i, err)
		}
		var msg wire.MsgTx
		if err := msg.Deserialize(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("tx %d: %w", i, err)
		}
		txids[i] = msg.TxHash()
		if got := msg.TxHash().String(); got != tx.TxID {
			return nil, fmt.Errorf("tx %d hashes to %s, recording says %s", i, got, tx.TxID)
		}
		buf.Write(b)
	}
	if root := merkleRoot(txids); root != hdr.MerkleRoot {
		return nil, fmt.Errorf("transactions give merkle root %x (internal byte order), header says %s", root, hdr.MerkleRoot)
	}
	return buf.Bytes(), nil
}

// merkleRoot is Bitcoin's merkle root of transaction ids (the last node of an
// odd level is paired with itself).
func merkleRoot(level [][32]byte) [32]byte {
	if len(level) == 0 {
		return [32]byte{}
	}
	for len(level) > 1 {
		next := make([][32]byte, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			j := min(i+1, len(level)-1)
			var pair [64]byte
			copy(pair[:32], level[i][:])
			copy(pair[32:], level[j][:])
			first := sha256.Sum256(pair[:])
			next = append(next, sha256.Sum256(first[:]))
		}
		level = next
	}
	return level[0]
}

// hashFromHex parses a hash in display (reversed) byte order.
func hashFromHex(s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("%q is not a 32-byte hex hash", s)
	}
	for i := range b {
		h[i] = b[31-i]
	}
	return h, nil
}

// addVerboseTx keeps a verbose transaction recording after checking its hex
// hashes to txid; extra fields (blockhash, time) are added when missing.
func (h *BitcoinHandler) addVerboseTx(txid string, data []byte, extra map[string]any) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("transaction %s: %w", txid, err)
	}
	var hx string
	if err := json.Unmarshal(obj["hex"], &hx); err != nil {
		return fmt.Errorf("transaction %s has no hex: %w", txid, err)
	}
	b, err := hex.DecodeString(hx)
	if err != nil {
		return fmt.Errorf("transaction %s: %w", txid, err)
	}
	var msg wire.MsgTx
	if err := msg.Deserialize(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("transaction %s: %w", txid, err)
	}
	if got := msg.TxHash().String(); got != txid {
		return fmt.Errorf("transaction recorded as %s hashes to %s", txid, got)
	}
	for k, v := range extra {
		if _, ok := obj[k]; !ok {
			obj[k], _ = json.Marshal(v)
		}
	}
	verbose, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if old, ok := h.txs[txid]; ok && old.hex != hx {
		return fmt.Errorf("transaction %s recorded twice with different hex", txid)
	}
	h.txs[txid] = &btcTx{hex: hx, verbose: verbose}
	return nil
}

func (h *BitcoinHandler) rawBlock(b *btcBlock) ([]byte, error) {
	if b.raw != nil {
		return b.raw, nil
	}
	return h.blocks.Raw(*b.indexed)
}

// ---- methods ----

func (h *BitcoinHandler) getBlockchainInfo([]json.RawMessage) (any, *RPCError) {
	return map[string]any{
		"chain":                "main",
		"blocks":               h.tip,
		"headers":              h.tip,
		"bestblockhash":        h.byHeight[h.tip],
		"pruned":               false,
		"initialblockdownload": false,
		"verificationprogress": 1,
		"warnings":             "replayed from recorded mainnet data",
	}, nil
}

func (h *BitcoinHandler) getBestBlockHash([]json.RawMessage) (any, *RPCError) {
	hash, ok := h.byHeight[h.tip]
	if !ok {
		return nil, errorf(codeNotFound, "Block not found")
	}
	return hash, nil
}

func (h *BitcoinHandler) getBlockHash(params []json.RawMessage) (any, *RPCError) {
	if len(params) != 1 {
		return nil, errorf(codeInvalidParams, "getblockhash takes one parameter, height")
	}
	var height int64
	if err := json.Unmarshal(params[0], &height); err != nil {
		return nil, errorf(-1, "JSON value is not an integer as expected")
	}
	hash, ok := h.byHeight[height]
	if !ok {
		return nil, errorf(codeInvalidParams, "Block height out of range")
	}
	return hash, nil
}

// lookupBlock parses a block hash parameter and finds the block.
func (h *BitcoinHandler) lookupBlock(param json.RawMessage) (*btcBlock, *RPCError) {
	var hash string
	if err := json.Unmarshal(param, &hash); err != nil {
		return nil, errorf(-1, "JSON value is not a string as expected")
	}
	hash = strings.ToLower(hash)
	if len(hash) != 64 {
		return nil, errorf(codeInvalidParams, fmt.Sprintf("blockhash must be of length 64 (not %d, for '%s')", len(hash), hash))
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return nil, errorf(codeInvalidParams, fmt.Sprintf("blockhash must be hexadecimal string (not '%s')", hash))
	}
	b, ok := h.byHash[hash]
	if !ok {
		return nil, errorf(codeNotFound, "Block not found")
	}
	return b, nil
}

// verbosityParam reads bitcoind's verbosity: a number, or a bool (true = 1).
func verbosityParam(params []json.RawMessage, i, def int) (int, *RPCError) {
	if len(params) <= i || string(params[i]) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(params[i], &b); err == nil {
		if b {
			return 1, nil
		}
		return 0, nil
	}
	var n int
	if err := json.Unmarshal(params[i], &n); err != nil {
		return 0, errorf(-1, "JSON value is not an integer or boolean as expected")
	}
	return n, nil
}

func (h *BitcoinHandler) getBlock(params []json.RawMessage) (any, *RPCError) {
	if len(params) < 1 || len(params) > 2 {
		return nil, errorf(codeInvalidParams, "getblock takes a block hash and an optional verbosity")
	}
	b, rpcErr := h.lookupBlock(params[0])
	if rpcErr != nil {
		return nil, rpcErr
	}
	verbosity, rpcErr := verbosityParam(params, 1, 1)
	if rpcErr != nil {
		return nil, rpcErr
	}
	switch {
	case verbosity <= 0:
		raw, err := h.rawBlock(b)
		if err != nil {
			return nil, errorf(-32603, err.Error())
		}
		return hex.EncodeToString(raw), nil
	case verbosity == 2 && b.verbose2 != nil:
		return b.verbose2, nil
	case verbosity == 1 && b.verbose2 != nil:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b.verbose2, &obj); err != nil {
			return nil, errorf(-32603, err.Error())
		}
		var txs []struct {
			TxID string `json:"txid"`
		}
		if err := json.Unmarshal(obj["tx"], &txs); err != nil {
			return nil, errorf(-32603, err.Error())
		}
		ids := make([]string, len(txs))
		for i, t := range txs {
			ids[i] = t.TxID
		}
		obj["tx"], _ = json.Marshal(ids)
		return obj, nil
	}
	return nil, errorf(codeInvalidParams, fmt.Sprintf("replay has no recording of getblock %s with verbosity %d; ask for verbosity 0", b.hash, verbosity))
}

func (h *BitcoinHandler) getBlockHeader(params []json.RawMessage) (any, *RPCError) {
	if len(params) < 1 || len(params) > 2 {
		return nil, errorf(codeInvalidParams, "getblockheader takes a block hash and an optional verbose flag")
	}
	b, rpcErr := h.lookupBlock(params[0])
	if rpcErr != nil {
		return nil, rpcErr
	}
	verbose, rpcErr := verbosityParam(params, 1, 1)
	if rpcErr != nil {
		return nil, rpcErr
	}
	raw, err := h.rawBlock(b)
	if err != nil {
		return nil, errorf(-32603, err.Error())
	}
	if verbose == 0 {
		return hex.EncodeToString(raw[:wire.MaxBlockHeaderPayload]), nil
	}
	var hdr wire.BlockHeader
	if err := hdr.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, errorf(-32603, err.Error())
	}
	nTx, _ := wire.ReadVarInt(bytes.NewReader(raw[wire.MaxBlockHeaderPayload:]), 0)
	out := map[string]any{
		"hash":          b.hash,
		"confirmations": h.tip - b.height + 1,
		"height":        b.height,
		"version":       hdr.Version,
		"versionHex":    fmt.Sprintf("%08x", uint32(hdr.Version)),
		"merkleroot":    hdr.MerkleRoot.String(),
		"time":          hdr.Timestamp.Unix(),
		"nonce":         hdr.Nonce,
		"bits":          fmt.Sprintf("%08x", hdr.Bits),
		"nTx":           nTx,
	}
	if b.height > 0 {
		out["previousblockhash"] = hdr.PrevBlock.String()
	}
	if next, ok := h.byHeight[b.height+1]; ok {
		out["nextblockhash"] = next
	}
	return out, nil
}

func (h *BitcoinHandler) getRawTransaction(params []json.RawMessage) (any, *RPCError) {
	if len(params) < 1 || len(params) > 3 {
		return nil, errorf(codeInvalidParams, "getrawtransaction takes a txid, an optional verbose flag and block hash")
	}
	var txid string
	if err := json.Unmarshal(params[0], &txid); err != nil {
		return nil, errorf(-1, "JSON value is not a string as expected")
	}
	txid = strings.ToLower(txid)
	if _, err := hex.DecodeString(txid); err != nil || len(txid) != 64 {
		return nil, errorf(codeInvalidParams, fmt.Sprintf("txid must be of length 64 (not %d, for '%s')", len(txid), txid))
	}
	verbose, rpcErr := verbosityParam(params, 1, 0)
	if rpcErr != nil {
		return nil, rpcErr
	}
	if tx, ok := h.txs[txid]; ok {
		if verbose == 0 {
			return tx.hex, nil
		}
		return tx.verbose, nil
	}
	ref, ok, err := h.rawTx(txid)
	if err != nil {
		return nil, errorf(-32603, err.Error())
	}
	if !ok {
		return nil, errorf(codeNotFound, "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.")
	}
	if verbose != 0 {
		return nil, errorf(codeInvalidParams, fmt.Sprintf("replay has no verbose recording of transaction %s; ask for verbose=0", txid))
	}
	raw, err := h.rawBlock(h.byHash[ref.block])
	if err != nil {
		return nil, errorf(-32603, err.Error())
	}
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, errorf(-32603, err.Error())
	}
	var buf bytes.Buffer
	if err := msg.Transactions[ref.index].Serialize(&buf); err != nil {
		return nil, errorf(-32603, err.Error())
	}
	return hex.EncodeToString(buf.Bytes()), nil
}

// rawTx finds a transaction in the indexed raw blocks; the first call decodes
// them all to build the txid index.
func (h *BitcoinHandler) rawTx(txid string) (rawTxRef, bool, error) {
	h.rawTxsOnce.Do(func() {
		h.rawTxs = map[string]rawTxRef{}
		for hash, b := range h.byHash {
			if b.indexed == nil {
				continue
			}
			raw, err := h.rawBlock(b)
			if err != nil {
				h.rawTxsErr = err
				return
			}
			var msg wire.MsgBlock
			if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
				h.rawTxsErr = fmt.Errorf("block %s: %w", hash, err)
				return
			}
			for i, tx := range msg.Transactions {
				// A txid seen twice (the BIP 30 duplicate
				// coinbases) keeps its first block.
				id := tx.TxHash().String()
				if _, dup := h.rawTxs[id]; !dup {
					h.rawTxs[id] = rawTxRef{block: hash, index: i}
				}
			}
		}
	})
	ref, ok := h.rawTxs[txid]
	return ref, ok, h.rawTxsErr
}

// BitcoinServer is a BitcoinHandler on a loopback HTTP server.
type BitcoinServer struct {
	*BitcoinHandler
	srv *httptest.Server
}

// NewBitcoin loads the recordings of the real-data directory dir and serves
// them on a free loopback port until Close.
func NewBitcoin(dir string) (*BitcoinServer, error) {
	h, err := LoadBitcoin(dir)
	if err != nil {
		return nil, err
	}
	return &BitcoinServer{BitcoinHandler: h, srv: httptest.NewServer(h)}, nil
}

// URL is the server's address with its credentials:
// http://user:pass@127.0.0.1:port.
func (s *BitcoinServer) URL() string {
	u, _ := url.Parse(s.srv.URL)
	if s.pass != "" {
		u.User = url.UserPassword(s.user, s.pass)
	}
	return u.String()
}

// Host is the server's host:port.
func (s *BitcoinServer) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close stops the server.
func (s *BitcoinServer) Close() { s.srv.Close() }

var _ http.Handler = (*BitcoinHandler)(nil)
