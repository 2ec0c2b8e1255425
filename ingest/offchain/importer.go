package offchain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Options configure an Importer. The zero value imports mainnet addresses.
type Options struct {
	// Addresser validates addresses (its BTC network: mainnet by default).
	Addresser Addresser
	// Currency is the asset of the OFAC lists imported (XBT, ETH, USDT …);
	// empty: read from each file's name (sanctioned_addresses_XBT.txt).
	Currency string
	// Logger receives a line per file. Default slog.Default().
	Logger *slog.Logger
	// Now stamps imports (version and imported_at). Default time.Now.
	Now func() time.Time
}

// Importer loads off-chain files into ClickHouse.
type Importer struct {
	st   *store.Store
	opts Options
	log  *slog.Logger
}

// New returns an Importer writing to st.
func New(st *store.Store, opts Options) *Importer {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Importer{st: st, opts: opts, log: opts.Logger}
}

// ImportsTable is the import log: one row per file per import run.
const ImportsTable = "offchain_imports"

// kindTables are the tables each kind of file writes.
var kindTables = map[string][]string{
	KindCompanies: {"companies", "company_addresses"},
	KindTags:      {"tags"},
	KindActors:    {"actors"},
	KindSanctions: {"sanctions"},
}

// Tables are every table the off-chain imports write, the log last.
var Tables = []string{"companies", "company_addresses", "tags", "actors", "sanctions", ImportsTable}

// Statements of the import, for every data table (the table name is a
// constant of the code, never user input).
const (
	// verifyQuery counts what one import run stored, per file.
	verifyQuery = "SELECT file, count() FROM %s FINAL WHERE version = ? GROUP BY file"
	// staleWhere selects rows of earlier imports of the files just imported.
	staleWhere = "file IN ? AND version < ?"
	// failedWhere selects the rows a failed import of files wrote.
	failedWhere = "file IN ? AND version = ?"
	// logWhere selects an import run's log rows.
	logWhere = "version = ?"
)

// VerifySQL is the statement counting one run's rows per file in table.
func VerifySQL(table string) string { return fmt.Sprintf(verifyQuery, table) }

// input is one file to import, read and parsed.
type input struct {
	path, file, format, kind, sha string
	parsed                        *Parsed
	err                           error
}

// ImportCompanies imports company registry files: CSV (.csv) or JSON
// (.json).
func (im *Importer) ImportCompanies(ctx context.Context, paths ...string) (*Report, error) {
	return im.run(ctx, KindCompanies, paths, func(path string, data []byte) (*Parsed, error) {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json":
			return ParseCompaniesJSON(data, filepath.Base(path), im.opts.Addresser)
		case ".csv":
			return ParseCompaniesCSV(strings.NewReader(string(data)), filepath.Base(path), im.opts.Addresser)
		}
		return nil, errors.New("want a .csv or .json company registry file")
	})
}

// ImportTags imports GraphSense TagPacks and ActorPacks (.yaml, .yml) and
// plain CSV tag files (.csv); a directory is searched recursively for them
// (other files are passed over).
func (im *Importer) ImportTags(ctx context.Context, paths ...string) (*Report, error) {
	return im.run(ctx, KindTags, paths, func(path string, data []byte) (*Parsed, error) {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml":
			return ParseYAML(data, filepath.Base(path), im.opts.Addresser)
		case ".csv":
			return ParseTagsCSV(strings.NewReader(string(data)), filepath.Base(path), im.opts.Addresser)
		}
		return nil, errors.New("want a TagPack or ActorPack (.yaml) or a CSV tag file (.csv)")
	})
}

// ImportSanctions imports OFAC sanctioned-address lists (.txt or .json, one
// asset per file).
func (im *Importer) ImportSanctions(ctx context.Context, paths ...string) (*Report, error) {
	return im.run(ctx, KindSanctions, paths, func(path string, data []byte) (*Parsed, error) {
		cur := im.opts.Currency
		if cur == "" {
			cur = OFACCurrency(path)
		}
		return ParseOFAC(data, filepath.Base(path), cur, im.opts.Addresser)
	})
}

// files expands paths: a directory becomes the files below it that want
// reports true for (sorted; hidden directories passed over).
func files(paths []string, want func(string) bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && want(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no files to import in the directory", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func importable(kind string) func(string) bool {
	exts := map[string][]string{
		KindCompanies: {".csv", ".json"},
		KindTags:      {".yaml", ".yml", ".csv"},
		KindSanctions: {".txt", ".json"},
	}[kind]
	return func(path string) bool {
		ext := strings.ToLower(filepath.Ext(path))
		for _, e := range exts {
			if ext == e {
				return true
			}
		}
		return false
	}
}

// run imports files of one kind in one run (one version):
//
//  1. each file is read, hashed and parsed (the next one while the current
//     one is written); a file that cannot be read or parsed loads nothing;
//  2. its good rows are inserted;
//  3. when every file is written, the rows each file holds at this version
//     are counted (FINAL) and compared with what was sent;
//  4. rows of files that failed are deleted; rows that earlier imports of
//     the committed files left are deleted;
//  5. one offchain_imports row per committed file is written, last.
//
// A ClickHouse failure (after the store's retries) ends the run with an
// error; the rows it wrote stay uncommitted (no log row) and the next import
// of the same files deletes them.
func (im *Importer) run(ctx context.Context, kind string, paths []string, parse func(string, []byte) (*Parsed, error)) (*Report, error) {
	list, err := files(paths, importable(kind))
	if err != nil {
		return nil, err
	}
	now := im.opts.Now().UTC()
	version := uint64(now.UnixNano())
	at := now.Truncate(time.Second)
	rep := &Report{Kind: kind, Version: version}

	// Files are read and parsed one ahead of the one being written.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	inputs := make(chan input, 1)
	go func() {
		defer close(inputs)
		for _, path := range list {
			in := im.read(path, kind, parse)
			select {
			case inputs <- in:
			case <-readCtx.Done():
				return
			}
		}
	}()

	type written struct {
		in       input
		report   FileReport
		problems []Problem
		skipped  []Problem
	}
	var done []*written
	expect := map[string]map[string]int{} // table → file → rows sent
	byName := map[string][]string{}       // base name → paths
	for _, p := range list {
		byName[filepath.Base(p)] = append(byName[filepath.Base(p)], p)
	}
	seen := map[string]map[string]bool{} // kind → key → loaded from an earlier file of this run
	var runErr error
	for in := range inputs {
		w := &written{in: in, report: FileReport{Path: in.path, File: in.file, Kind: in.kind, Format: in.format, SHA256: in.sha}}
		done = append(done, w)
		if same := byName[in.file]; len(same) > 1 && in.err == nil {
			in.err = fmt.Errorf("%d files of this import are named %s (%s): the name keys re-imports, so none of them is loaded; rename them",
				len(same), in.file, strings.Join(same, ", "))
		}
		if in.err != nil {
			w.report.Error = in.err.Error()
			continue
		}
		p := in.parsed
		if seen[p.Kind] == nil {
			seen[p.Kind] = map[string]bool{}
		}
		dropSeen(p, seen[p.Kind])
		w.report.Kind, w.report.Format = p.Kind, p.Format
		w.report.Loaded, w.report.Rejected, w.report.Skipped, w.report.Duplicates = p.Rows(), len(p.Rejected), len(p.Skipped), p.Duplicates
		w.problems, w.skipped = p.Rejected, p.Skipped
		if runErr != nil {
			continue
		}
		for _, b := range p.batches(stamp{file: in.file, version: version, at: at}) {
			if err := im.st.Insert(ctx, b); err != nil {
				runErr = fmt.Errorf("import %s: %w", in.path, err)
				stopReading()
				break
			}
			if expect[b.Table] == nil {
				expect[b.Table] = map[string]int{}
			}
			expect[b.Table][in.file] += b.Len()
		}
		if runErr == nil {
			im.log.Info("file written", "kind", p.Kind, "file", in.path, "rows", p.Rows(), "rejected", len(p.Rejected), "skipped", len(p.Skipped))
		}
	}
	if runErr == nil {
		runErr = ctx.Err()
	}
	if runErr != nil {
		// Best effort: take back what this run wrote. Whatever stays (the
		// server is gone) has no log row, and the next import of the same
		// files deletes it.
		var names []string
		for _, w := range done {
			if w.report.Error == "" {
				names = append(names, w.in.file)
			}
			w.report.Loaded = 0
			rep.add(w.report, w.problems, w.skipped)
		}
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, table := range Tables[:len(Tables)-1] {
			if err := im.deleteRows(cleanup, table, failedWhere, names, version); err != nil {
				im.log.Warn("could not delete the rows of a failed import; the next import of the same files will", "table", table, "err", err)
			}
		}
		return rep, runErr
	}

	// Count what landed, per table and file.
	failed := map[string]string{} // file → reason
	for table, want := range expect {
		got, err := im.countRun(ctx, table, version)
		if err != nil {
			return rep, err
		}
		for file, n := range want {
			if got[file] != n {
				failed[file] = fmt.Sprintf("%s holds %d of its %d rows after the insert: %v", table, got[file], n, store.ErrShortWrite)
			}
		}
	}
	var committed, failedFiles []string
	byKind := map[string][]string{}
	for _, w := range done {
		switch {
		case w.report.Error != "":
		case w.report.Loaded == 0 && w.report.Rejected > 0:
			// Committing it would replace the file's earlier import with nothing.
			w.report.Error = fmt.Sprintf("none of its %d rows is well formed (see the problems); its earlier import, if any, is kept", w.report.Rejected)
			failedFiles = append(failedFiles, w.in.file)
		case failed[w.in.file] != "":
			w.report.Error = failed[w.in.file]
			failedFiles = append(failedFiles, w.in.file)
		default:
			committed = append(committed, w.in.file)
			byKind[w.report.Kind] = append(byKind[w.report.Kind], w.in.file)
		}
	}
	for _, table := range Tables[:len(Tables)-1] {
		if err := im.deleteRows(ctx, table, failedWhere, failedFiles, version); err != nil {
			return rep, err
		}
	}
	for k, fs := range byKind {
		for _, table := range kindTables[k] {
			if err := im.deleteRows(ctx, table, staleWhere, fs, version); err != nil {
				return rep, err
			}
		}
	}

	// Commit: the log rows, last.
	var logs []FileReport
	for _, w := range done {
		if w.report.Error == "" {
			logs = append(logs, w.report)
		}
	}
	if len(logs) > 0 {
		if err := im.st.Insert(ctx, importBatch(logs, version, at)); err != nil {
			return rep, fmt.Errorf("record the import: %w", err)
		}
		n, err := im.st.CountWhere(ctx, ImportsTable, true, logWhere, version)
		if err != nil {
			return rep, err
		}
		if int(n) != len(logs) {
			return rep, fmt.Errorf("record the import: %s holds %d of %d rows: %w", ImportsTable, n, len(logs), store.ErrShortWrite)
		}
	}
	for _, w := range done {
		if w.report.Error != "" {
			w.report.Loaded = 0
		}
		rep.add(w.report, w.problems, w.skipped)
	}
	im.log.Info("import done", "kind", kind, "files", len(done), "committed", len(committed), "loaded", rep.Loaded,
		"rejected", rep.Rejected, "skipped", rep.Skipped, "duplicates", rep.Duplicates, "failed_files", rep.FailedFile)
	return rep, nil
}

// read reads, hashes and parses one file.
func (im *Importer) read(path, kind string, parse func(string, []byte) (*Parsed, error)) input {
	in := input{path: path, file: filepath.Base(path), kind: kind, format: formatGuess(kind, path)}
	if abs, err := filepath.Abs(path); err == nil {
		in.path = abs
	}
	data, err := os.ReadFile(path)
	if err != nil {
		in.err = err
		return in
	}
	sum := sha256.Sum256(data)
	in.sha = hex.EncodeToString(sum[:])
	in.parsed, in.err = parse(path, data)
	return in
}

func formatGuess(kind, path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case kind == KindCompanies && ext == ".json":
		return FormatCompaniesJSON
	case kind == KindCompanies:
		return FormatCompaniesCSV
	case kind == KindTags && ext == ".csv":
		return FormatTagsCSV
	case kind == KindTags:
		return FormatTagPack
	case ext == ".json":
		return FormatOFACJSON
	}
	return FormatOFACText
}

// dropSeen removes rows whose key an earlier file of the same run loaded
// (the tables' keys do not hold the file, except the tags'), counting them
// as duplicates.
func dropSeen(p *Parsed, seen map[string]bool) {
	fresh := func(key string) bool {
		if seen[key] {
			p.Duplicates++
			return false
		}
		seen[key] = true
		return true
	}
	companies := p.Companies[:0]
	kept := map[string]bool{}
	for _, c := range p.Companies {
		if fresh(c.CompanyID) {
			companies = append(companies, c)
			kept[c.CompanyID] = true
		}
	}
	p.Companies = companies
	addrs := p.Addresses[:0]
	for _, a := range p.Addresses {
		if kept[a.CompanyID] {
			addrs = append(addrs, a)
		}
	}
	p.Addresses = addrs
	actors := p.Actors[:0]
	for _, a := range p.Actors {
		if fresh(a.ID) {
			actors = append(actors, a)
		}
	}
	p.Actors = actors
	sanctions := p.Sanctions[:0]
	for _, s := range p.Sanctions {
		if fresh(s.Chain + "\x00" + s.Address + "\x00" + s.List + "\x00" + s.Currency) {
			sanctions = append(sanctions, s)
		}
	}
	p.Sanctions = sanctions
}

func (im *Importer) countRun(ctx context.Context, table string, version uint64) (map[string]int, error) {
	return countPerFile(ctx, im.st, VerifySQL(table), version)
}

// countPerFile runs a query of (file, count) rows into a map.
func countPerFile(ctx context.Context, st *store.Store, query string, args ...any) (map[string]int, error) {
	got := map[string]int{}
	err := st.Query(ctx, "count rows per file", query, args,
		func() { got = map[string]int{} },
		func(r driver.Rows) error {
			var file string
			var n uint64
			if err := r.Scan(&file, &n); err != nil {
				return err
			}
			got[file] = int(n)
			return nil
		})
	return got, err
}

// deleteRows deletes the rows of files in table matching where (staleWhere
// or failedWhere), when there are any: mutations are heavy.
func (im *Importer) deleteRows(ctx context.Context, table, where string, files []string, version uint64) error {
	if len(files) == 0 {
		return nil
	}
	args := []any{fileSet(files), version}
	n, err := im.st.CountWhere(ctx, table, false, where, args...)
	if err != nil || n == 0 {
		return err
	}
	im.log.Info("deleting rows", "table", table, "rows", n, "where", where, "files", len(files))
	return im.st.DeleteWhere(ctx, table, where, args...)
}

func fileSet(files []string) ch.GroupSet {
	v := make([]any, len(files))
	for i, f := range files {
		v[i] = f
	}
	return ch.GroupSet{Value: v}
}

func importBatch(files []FileReport, version uint64, at time.Time) store.Batch {
	n := len(files)
	kinds, names, paths, formats, shas := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	loaded, rejected, skipped, dups, versions := make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n)
	ats := make([]time.Time, n)
	for i, f := range files {
		kinds[i], names[i], paths[i], formats[i], shas[i] = f.Kind, f.File, f.Path, f.Format, f.SHA256
		loaded[i], rejected[i], skipped[i], dups[i] = uint64(f.Loaded), uint64(f.Rejected), uint64(f.Skipped), uint64(f.Duplicates)
		versions[i], ats[i] = version, at
	}
	return store.Batch{
		Table: ImportsTable,
		Columns: []string{"kind", "file", "path", "format", "sha256", "rows_loaded", "rows_rejected", "rows_skipped",
			"rows_duplicate", "version", "imported_at"},
		Data: []any{kinds, names, paths, formats, shas, loaded, rejected, skipped, dups, versions, ats},
	}
}
