package tracing

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// textMaxFuncs is how many functions of a stack WriteText shows.
const textMaxFuncs = 8

// WriteText writes s as aligned tables: one line per reason, then the top
// stacks of each reason, innermost function first. When s.Source is set
// (SummarizeFile sets it) the last line is the hint
//
//	open it with: go tool trace FILE
//
// with FILE quoted for a POSIX shell if needed.
func (s *Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "REASON\tBLOCKS\tGOROUTINES\tOUR BLOCKS\tOUR GOROUTINES\tSTACKS\n")
	for _, r := range s.Reasons {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", r.Reason, r.Transitions, r.Goroutines,
			r.OurTransitions, r.OurGoroutines, r.DistinctStacks)
	}
	fmt.Fprintf(tw, "total\t%d\t\t%d\t\t\n", s.Blocks, s.OurBlocks)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range s.Reasons {
		fmt.Fprintf(w, "\n%q: top %d of %d stacks\n", r.Reason, len(r.Stacks), r.DistinctStacks)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  COUNT\tGOROUTINES\tOURS\tSTACK (innermost first)\n")
		for _, st := range r.Stacks {
			ours := "-"
			if st.Ours {
				ours = "yes"
			}
			fmt.Fprintf(tw, "  %d\t%d\t%s\t%s\n", st.Count, st.Goroutines, ours, stackText(st))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if s.Source != "" {
		if _, err := fmt.Fprintf(w, "\nopen it with: go tool trace %s\n", shellQuote(s.Source)); err != nil {
			return err
		}
	}
	return nil
}

// stackText renders "f0 (file.go:12) < f1 < f2", cut after textMaxFuncs.
func stackText(st Stack) string {
	if len(st.Funcs) == 0 {
		return "(no stack)"
	}
	var b strings.Builder
	for i, f := range st.Funcs {
		if i == textMaxFuncs {
			fmt.Fprintf(&b, " < ... %d more", len(st.Funcs)-i)
			break
		}
		if i > 0 {
			b.WriteString(" < ")
		}
		b.WriteString(f)
		if i == 0 && st.First.File != "" {
			fmt.Fprintf(&b, " (%s:%d)", filepath.Base(st.First.File), st.First.Line)
		}
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell unless it is made only of safe bytes.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./+,:@%=", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
