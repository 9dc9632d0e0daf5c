package cmd

import (
	"fmt"
	"strings"

	"gsysint-demo/dump"
	"gsysint-demo/series"
)

// parkSummaryTop is the number of stack groups in park --summary's first
// table.
const parkSummaryTop = 3

// parkSummaryChange returns what park --summary shows of dump n, summarised
// in s (every group kept): for the first dump (prev nil) s cut to its
// largest groups and no change; after it, s and what changed since the
// dump before (prev), as text.
func parkSummaryChange(n int, s, prev *dump.Summary) (*dump.Summary, string, error) {
	if prev == nil {
		first := *s
		first.Groups = first.Groups[:min(len(first.Groups), parkSummaryTop)]
		return &first, "", nil
	}
	dumps := []series.Dump{{Name: fmt.Sprintf("dump %d", n-1), Format: prev.Format, Total: prev.Total},
		{Name: fmt.Sprintf("dump %d", n), Format: s.Format, Total: s.Total}}
	sr := series.Build(dumps, []*dump.Summary{prev, s}, series.Options{})
	var b strings.Builder
	if err := sr.WriteChange(&b, fmt.Sprintf("dump %d", n-1)); err != nil {
		return nil, "", err
	}
	return s, b.String(), nil
}
