package offchain

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"gopkg.in/yaml.v3"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Figures from ../shared/realdata/README.md (§3).
const (
	readmeTags      = 524_170
	readmeBTCTags   = 499_327
	readmeETHTags   = 24_460
	readmeActors    = 3_813
	readmeOFACXBT   = 435
	readmeOFACETH   = 152
	realTagpackDir  = "graphsense-tagpacks"
	realOFACListDir = "ofac-sanctioned-addresses"
)

// packCount is a TagPack counted the plain way: decoded into maps, the
// header's currency inherited, with no address checks.
type packCount struct {
	total, btc, eth, eligible int
}

func countPack(t *testing.T, path string) packCount {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Currency string           `yaml:"currency"`
		Tags     []map[string]any `yaml:"tags"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var c packCount
	for _, tag := range doc.Tags {
		cur, _ := tag["currency"].(string)
		if cur == "" {
			cur = doc.Currency
		}
		addr, _ := tag["address"].(string)
		c.total++
		switch strings.ToUpper(cur) {
		case "BTC":
			c.btc++
			c.eligible++
		case "ETH":
			c.eth++
			c.eligible++
		case "USDT", "USDC":
			if strings.HasPrefix(addr, "0x") {
				c.eligible++
			}
		}
	}
	return c
}

// peakRSS is the process's peak resident set (VmHWM), or "?" off Linux.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func fileCounts(t *testing.T, st *store.Store, table string) map[string]int {
	t.Helper()
	got, err := countPerFile(context.Background(), st, "SELECT file, count() FROM "+table+" FINAL GROUP BY file")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Every tag of the real GraphSense TagPacks is accounted for: loaded,
// rejected (with its line), skipped for its currency, or a duplicate; the
// stored rows match the report file by file, and importing again changes
// nothing.
func TestTheRealGraphSenseTagPacksImportInFull(t *testing.T) {
	root := filepath.Join(realdata.Dir(t), realTagpackDir)
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)

	want := map[string]packCount{}
	var sum packCount
	packs, err := filepath.Glob(filepath.Join(root, "packs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "packs", "*", "*.yaml"))
	for _, p := range append(packs, more...) {
		c := countPack(t, p)
		want[filepath.Base(p)] = c
		sum.total, sum.btc, sum.eth = sum.total+c.total, sum.btc+c.btc, sum.eth+c.eth
	}
	if sum.total != readmeTags || sum.btc != readmeBTCTags || sum.eth != readmeETHTags {
		t.Fatalf("counted %d tags (BTC %d, ETH %d); the realdata README says %d (BTC %d, ETH %d)",
			sum.total, sum.btc, sum.eth, readmeTags, readmeBTCTags, readmeETHTags)
	}

	runtime.GC()
	start := time.Now()
	rep, err := New(st, Options{}).ImportTags(ctx, root)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %s: %d files, %d rows loaded (%d rejected, %d skipped, %d duplicates) in %s, %.0f rows/s; peak RSS of the test process %s",
		root, len(rep.Files), rep.Loaded, rep.Rejected, rep.Skipped, rep.Duplicates, elapsed.Round(time.Millisecond),
		float64(rep.Loaded)/elapsed.Seconds(), peakRSS())
	if rep.FailedFile != 0 {
		t.Fatalf("%d files failed: %v", rep.FailedFile, rep.Problems)
	}
	stored := fileCounts(t, st, "tags")
	tagsLoaded := 0
	for _, f := range rep.Files {
		if f.Kind == KindActors {
			if f.Loaded != readmeActors {
				t.Errorf("%s: %d actors loaded, the README says %d", f.File, f.Loaded, readmeActors)
			}
			continue
		}
		w, ok := want[f.File]
		if !ok {
			t.Errorf("imported %s, which the plain count did not see", f.Path)
			continue
		}
		if f.Loaded+f.Rejected+f.Duplicates != w.eligible || f.Skipped != w.total-w.eligible {
			t.Errorf("%s: loaded %d + rejected %d + duplicates %d, skipped %d; the plain count has %d tags, %d on btc or eth",
				f.File, f.Loaded, f.Rejected, f.Duplicates, f.Skipped, w.total, w.eligible)
		}
		if stored[f.File] != f.Loaded {
			t.Errorf("%s: %d rows stored, %d reported loaded", f.File, stored[f.File], f.Loaded)
		}
		tagsLoaded += f.Loaded
	}
	if len(rep.Files) != len(want)+1 {
		t.Errorf("%d files imported, want %d packs and the actor pack", len(rep.Files), len(want))
	}
	if rep.Loaded+rep.Rejected+rep.Skipped+rep.Duplicates != readmeTags+readmeActors {
		t.Errorf("accounted for %d tags and actors, want %d", rep.Loaded+rep.Rejected+rep.Skipped+rep.Duplicates, readmeTags+readmeActors)
	}
	if n := count(t, st, "actors", true, ""); n != readmeActors {
		t.Errorf("actors holds %d rows, want %d", n, readmeActors)
	}
	for _, p := range rep.Problems {
		if p.Line == 0 || !strings.Contains(p.Reason, "address") {
			t.Errorf("unexpected problem %s", p)
		}
	}

	// Again: nothing changes, and the first import's rows are gone, not
	// just hidden by FINAL.
	start = time.Now()
	again, err := New(st, Options{}).ImportTags(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported again in %s", time.Since(start).Round(time.Millisecond))
	if again.Loaded != rep.Loaded {
		t.Errorf("second import loaded %d, first %d", again.Loaded, rep.Loaded)
	}
	if n := count(t, st, "tags", false, ""); n != tagsLoaded {
		t.Errorf("after the second import tags holds %d rows, want %d", n, tagsLoaded)
	}
}

// The OFAC lists: every line of every list is accounted for, the stored rows
// match, and the JSON lists hold the same addresses as the text ones.
func TestTheRealOFACListsImportInFull(t *testing.T) {
	dir := filepath.Join(realdata.Dir(t), realOFACListDir)
	st, _ := testenv.Store(t)
	ctx := ctxFor(t)
	txts, err := filepath.Glob(filepath.Join(dir, "sanctioned_addresses_*.txt"))
	if err != nil || len(txts) == 0 {
		t.Fatalf("no lists in %s: %v", dir, err)
	}
	lines := map[string]int{}
	for _, p := range txts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) != "" {
				lines[OFACCurrency(p)]++
			}
		}
	}
	if lines["XBT"] != readmeOFACXBT || lines["ETH"] != readmeOFACETH {
		t.Fatalf("XBT %d, ETH %d addresses; the README says %d and %d", lines["XBT"], lines["ETH"], readmeOFACXBT, readmeOFACETH)
	}
	start := time.Now()
	rep, err := New(st, Options{}).ImportSanctions(ctx, txts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d OFAC lists in %s: %d loaded, %d rejected, %d skipped (%v)", len(rep.Files), time.Since(start).Round(time.Millisecond),
		rep.Loaded, rep.Rejected, rep.Skipped, rep.SkipReasons)
	loaded := map[string]int{}
	for _, f := range rep.Files {
		cur := OFACCurrency(f.Path)
		if f.Loaded+f.Rejected+f.Skipped+f.Duplicates != lines[cur] {
			t.Errorf("%s: %d+%d+%d+%d, the list has %d addresses", f.File, f.Loaded, f.Rejected, f.Skipped, f.Duplicates, lines[cur])
		}
		loaded[cur] = f.Loaded
	}
	if loaded["XBT"] < readmeOFACXBT-5 || loaded["ETH"] != readmeOFACETH {
		t.Errorf("loaded XBT %d, ETH %d", loaded["XBT"], loaded["ETH"])
	}
	byCurrency := func() map[string]int {
		got := map[string]int{}
		err := st.Query(ctx, "sanctions per currency", "SELECT currency, count() FROM sanctions FINAL GROUP BY currency", nil,
			func() { got = map[string]int{} }, func(r driver.Rows) error {
				var c string
				var n uint64
				err := r.Scan(&c, &n)
				got[c] = int(n)
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := byCurrency()
	for cur, n := range loaded {
		if first[cur] != n {
			t.Errorf("%s: %d rows stored, %d loaded", cur, first[cur], n)
		}
	}
	jsons := make([]string, len(txts))
	for i, p := range txts {
		jsons[i] = strings.TrimSuffix(p, ".txt") + ".json"
	}
	rep2, err := New(st, Options{}).ImportSanctions(ctx, jsons...)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Loaded != rep.Loaded || rep2.Rejected != rep.Rejected || rep2.Skipped != rep.Skipped {
		t.Errorf("JSON lists: %d/%d/%d, text lists %d/%d/%d", rep2.Loaded, rep2.Rejected, rep2.Skipped, rep.Loaded, rep.Rejected, rep.Skipped)
	}
	if second := byCurrency(); strconv.Itoa(len(second)) != strconv.Itoa(len(first)) || sumOf(second) != sumOf(first) {
		t.Errorf("after the JSON lists: %v, before %v", second, first)
	}
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// BenchmarkParseRealTagPacks parses every real TagPack and the ActorPack
// (no ClickHouse): the parsing share of the import.
func BenchmarkParseRealTagPacks(b *testing.B) {
	root := filepath.Join(realdata.Dir(b), realTagpackDir)
	list, err := files([]string{root}, importable(KindTags))
	if err != nil {
		b.Fatal(err)
	}
	datas := make([][]byte, len(list))
	size := 0
	for i, p := range list {
		if datas[i], err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
		size += len(datas[i])
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	rows := 0
	for range b.N {
		rows = 0
		for i, p := range list {
			parsed, err := ParseYAML(datas[i], filepath.Base(p), Addresser{})
			if err != nil {
				b.Fatal(err)
			}
			rows += parsed.Rows()
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportRealTagPacks imports every real TagPack and the ActorPack
// into a fresh database per iteration.
func BenchmarkImportRealTagPacks(b *testing.B) {
	root := filepath.Join(realdata.Dir(b), realTagpackDir)
	rows := 0
	for range b.N {
		b.StopTimer()
		st, _ := testenv.Store(b)
		b.StartTimer()
		rep, err := New(st, Options{}).ImportTags(context.Background(), root)
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Loaded
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.Logf("peak RSS of the benchmark process %s", peakRSS())
}
