package cmd

import (
	"fmt"
	"io"

	"gsysint-demo/dump"
	"gsysint-demo/series"
)

// parkSummaryTop is the number of stack groups in park --summary's first
// table.
const parkSummaryTop = 3

// writeParkSummary prints park --summary's lines for dump n, summarised in
// s (every group kept): the table for the first dump, then only what
// changed since the dump before (prev), which it returns as the next prev.
func writeParkSummary(w io.Writer, n int, s, prev *dump.Summary) (*dump.Summary, error) {
	if prev == nil {
		first := *s
		first.Groups = first.Groups[:min(len(first.Groups), parkSummaryTop)]
		return s, first.WriteText(w)
	}
	dumps := []series.Dump{{Name: fmt.Sprintf("dump %d", n-1), Format: prev.Format, Total: prev.Total},
		{Name: fmt.Sprintf("dump %d", n), Format: s.Format, Total: s.Total}}
	sr := series.Build(dumps, []*dump.Summary{prev, s}, series.Options{})
	return s, sr.WriteChange(w, fmt.Sprintf("dump %d", n-1))
}
