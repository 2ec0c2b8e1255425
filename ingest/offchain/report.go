package offchain

import (
	"fmt"
	"sort"
)

// Problem is one row (or a whole file, Line 0) that was not loaded, and why.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
}

// FileReport is what the import of one file did.
type FileReport struct {
	Path   string `json:"path"`
	File   string `json:"file"` // base name: the key a re-import replaces
	Kind   string `json:"kind"` // companies, tags, actors or sanctions
	Format string `json:"format"`
	SHA256 string `json:"sha256,omitempty"`
	// Loaded rows are stored and committed; Rejected rows were malformed;
	// Skipped rows were well formed but not for chainsleuth (another
	// chain); Duplicates repeated a row already loaded from the same import.
	Loaded     int `json:"loaded"`
	Rejected   int `json:"rejected"`
	Skipped    int `json:"skipped"`
	Duplicates int `json:"duplicates"`
	// Error is set when nothing of the file was loaded (unreadable or
	// unparsable, or its rows could not be stored).
	Error string `json:"error,omitempty"`
}

// Report sums up one import run.
type Report struct {
	Kind       string       `json:"kind"`
	Version    uint64       `json:"version"`
	Files      []FileReport `json:"files"`
	Loaded     int          `json:"loaded"`
	Rejected   int          `json:"rejected"`
	Skipped    int          `json:"skipped"`
	Duplicates int          `json:"duplicates"`
	FailedFile int          `json:"failed_files"`
	// Problems are the first MaxProblems rejected rows and failed files;
	// ProblemCount counts them all.
	Problems     []Problem `json:"problems"`
	ProblemCount int       `json:"problem_count"`
	// SkipReasons counts skipped rows by reason.
	SkipReasons map[string]int `json:"skip_reasons,omitempty"`
}

// MaxProblems bounds the problems a Report lists.
const MaxProblems = 1000

func (r *Report) problem(p Problem) {
	r.ProblemCount++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, p)
	}
}

func (r *Report) add(f FileReport, problems []Problem, skips []Problem) {
	if f.Error != "" {
		r.FailedFile++
		r.problem(Problem{File: f.Path, Reason: f.Error})
	}
	for _, p := range problems {
		r.problem(p)
	}
	for _, s := range skips {
		if r.SkipReasons == nil {
			r.SkipReasons = map[string]int{}
		}
		r.SkipReasons[s.Reason]++
	}
	r.Loaded += f.Loaded
	r.Rejected += f.Rejected
	r.Skipped += f.Skipped
	r.Duplicates += f.Duplicates
	r.Files = append(r.Files, f)
}

// SkipReasonsSorted lists the skip reasons, most frequent first.
func (r *Report) SkipReasonsSorted() []string {
	out := make([]string, 0, len(r.SkipReasons))
	for k := range r.SkipReasons {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if r.SkipReasons[out[i]] != r.SkipReasons[out[j]] {
			return r.SkipReasons[out[i]] > r.SkipReasons[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}
