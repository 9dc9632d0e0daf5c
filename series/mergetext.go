package series

import (
	"fmt"
	"io"
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
	var head strings.Builder
	head.WriteString("TOTAL\t")
	for i := range v.Sources {
		fmt.Fprintf(&head, "S%d\t", i+1)
	}
	fmt.Fprintf(tw, "%sSTATE\tSTACK\n", head.String())
	totals := make([]int, len(v.Sources))
	for _, g := range v.Groups {
		var b strings.Builder
		b.WriteString(strconv.Itoa(g.Total) + "\t")
		for i, c := range g.Counts {
			totals[i] += c
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
	tw.Flush()
	return ew.Err
}
