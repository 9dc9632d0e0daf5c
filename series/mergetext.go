package series

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"gsysint-demo/internal/errwriter"
)

// WriteText prints the merged view: the sources (one line each, a failed
// one with its error), then the groups with a column per source and their
// total.
func (v *Merged) WriteText(w io.Writer) error {
	ew := &errwriter.Writer{W: w}
	fmt.Fprintf(ew, "merged view of %d sources, %d goroutines", len(v.Sources), v.Total)
	if v.Failed > 0 {
		noun := "sources"
		if v.Failed == 1 {
			noun = "source"
		}
		fmt.Fprintf(ew, " (%d %s could not be read)", v.Failed, noun)
	}
	fmt.Fprintf(ew, ", compared on %s\n", v.ComparedOn)
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	for i, s := range v.Sources {
		if s.Error != "" {
			fmt.Fprintf(tw, "S%d\t%s\t%s\tfailed: %s\n", i+1, s.Name, s.Input, s.Error)
			continue
		}
		what := fmt.Sprintf("%d goroutines, %s", s.Total, s.Format)
		if s.Dumps > 1 {
			what += fmt.Sprintf(", the latest of %d dumps", s.Dumps)
		}
		fmt.Fprintf(tw, "S%d\t%s\t%s\t%s\n", i+1, s.Name, s.Input, what)
	}
	tw.Flush()

	fmt.Fprintf(ew, "\ngroups (by state and stack): %d", v.GroupCount)
	if len(v.Groups) < v.GroupCount {
		fmt.Fprintf(ew, " (top %d shown)", len(v.Groups))
	}
	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	if len(v.Sources) > maxColumns {
		v.writeWide(tw)
	} else {
		v.writeColumns(tw)
	}
	tw.Flush()
	return ew.Err
}

// writeColumns writes the groups with a column per source, then the
// totals.
func (v *Merged) writeColumns(tw io.Writer) {
	var head strings.Builder
	head.WriteString("TOTAL\t")
	for i := range v.Sources {
		fmt.Fprintf(&head, "S%d\t", i+1)
	}
	fmt.Fprintf(tw, "%sSTATE\tSTACK\n", head.String())
	for _, g := range v.Groups {
		var b strings.Builder
		b.WriteString(strconv.Itoa(g.Total) + "\t")
		for _, c := range g.Counts {
			if c == 0 {
				b.WriteString("-\t")
				continue
			}
			b.WriteString(strconv.Itoa(c) + "\t")
		}
		fmt.Fprintf(tw, "%s%s\t%s\n", b.String(), stateText(g.State), StackText(g.Frames))
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(v.Total) + "\t")
	for _, s := range v.Sources {
		b.WriteString(strconv.Itoa(s.Total) + "\t")
	}
	fmt.Fprintf(tw, "%s(all groups)\n", b.String())
}

// writeWide writes the groups of more sources than columns fit: for each,
// the number of sources that have it and the largest three.
func (v *Merged) writeWide(tw io.Writer) {
	fmt.Fprintf(tw, "TOTAL\tSOURCES\tLARGEST\tSTATE\tSTACK\n")
	for _, g := range v.Groups {
		var in []int
		for i, c := range g.Counts {
			if c > 0 {
				in = append(in, i)
			}
		}
		slices.SortStableFunc(in, func(a, b int) int { return cmp.Compare(g.Counts[b], g.Counts[a]) })
		largest := make([]string, 0, 3)
		for _, i := range in[:min(3, len(in))] {
			largest = append(largest, fmt.Sprintf("S%d %d", i+1, g.Counts[i]))
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\n", g.Total, len(in), strings.Join(largest, ", "), stateText(g.State), StackText(g.Frames))
	}
	fmt.Fprintf(tw, "%d\t%d\t\t(all groups)\n", v.Total, len(v.Sources)-v.Failed)
}
