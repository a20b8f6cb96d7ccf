package app

import (
	"fmt"
	"io"
	"strings"
	"time"

	"gan-train/internal/eval"
	"gan-train/train"
)

// runSummary is what a finished train command tells a person: where the
// pictures are, how close the samples came to real digits, what to try next.
type runSummary struct {
	dir         string
	preset      string
	steps       int64
	elapsed     time.Duration
	conditional bool
	eval        *eval.Report // nil when the run was not evaluated
	reportErr   error        // from report.WriteRunReport
}

// write prints the summary; paths are as the user gave --out.
func (s runSummary) write(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nTrained to step %s (%s preset) in %s.\n", thousands(s.steps), s.preset, s.elapsed.Round(time.Second))
	final := train.RunDir(s.dir).FinalSample()
	note := "a grid from fixed noise"
	if s.conditional {
		note = "column c holds digit c"
	}
	fmt.Fprintf(&b, "  final samples   %s  (%s)\n", final, note)
	if s.reportErr == nil {
		fmt.Fprintf(&b, "  progress        %s\n", train.RunDir(s.dir).Progress())
		fmt.Fprintf(&b, "  loss curves     %s\n", train.RunDir(s.dir).Losses())
	}
	if r := s.eval; r != nil {
		fmt.Fprintf(&b, "Against real digits (%s samples):\n", thousands(int64(r.NSamples)))
		if f := r.Floor; f != nil {
			fmt.Fprintf(&b, "  classifier score   %.2f  (held-out real digits: %.2f; at most 10, higher is better)\n", r.ClassifierScore, f.ClassifierScore)
			if r.FrechetDistanceInf > 0 && f.FrechetDistanceInf > 0 {
				fmt.Fprintf(&b, "  Frechet distance   %.2f  (extrapolated to infinitely many: %.2f; held-out real digits: %.2f; lower is better)\n",
					r.FrechetDistance, r.FrechetDistanceInf, f.FrechetDistanceInf)
			} else {
				fmt.Fprintf(&b, "  Frechet distance   %.2f  (held-out real digits: %.2f on %d; lower is better)\n", r.FrechetDistance, f.FrechetDistance, f.NSamples)
			}
		} else {
			fmt.Fprintf(&b, "  classifier score   %.2f  (at most 10, higher is better)\n", r.ClassifierScore)
			fmt.Fprintf(&b, "  Frechet distance   %.2f  (lower is better)\n", r.FrechetDistance)
		}
		fmt.Fprintf(&b, "  digits             %d of 10 classes hold at least 2%% of the samples\n", r.ModesCovered)
	}
	run := quoteArg(s.dir)
	next := [][2]string{{"gan-train sample --run " + run + " --n 64 --out grid.png", "draw 64 new samples"}}
	if s.conditional {
		next[0] = [2]string{"gan-train sample --run " + run + " --label 3 --n 64 --out threes.png", "draw 64 threes"}
	}
	next = append(next, [2]string{"gan-train eval --run " + run, "every metric, Parzen likelihood included"})
	if s.preset != DefaultPreset {
		next = append(next, [2]string{"gan-train train --preset " + DefaultPreset, "the best samples we have measured (about ten minutes on 2 cores)"})
	}
	width := 0
	for _, n := range next {
		width = max(width, len(n[0]))
	}
	b.WriteString("Next:\n")
	for _, n := range next {
		fmt.Fprintf(&b, "  %-*s   %s\n", width, n[0], n[1])
	}
	io.WriteString(w, b.String())
}

// thousands formats n with comma separators: 27,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// quoteArg quotes a path for a POSIX shell when it needs quoting.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
