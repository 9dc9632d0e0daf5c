package series

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"text/tabwriter"

	"gsysint-demo/dump"
	"gsysint-demo/internal/errwriter"
)

// maxColumns is the number of dumps the text shows, the latest; the JSON
// has them all.
const maxColumns = 8

// Delta writes a change as people read it at a glance: "+3", "−2" (a
// minus sign, not a hyphen), "0".
func Delta(d int) string {
	switch {
	case d > 0:
		return "+" + strconv.Itoa(d)
	case d < 0:
		return "−" + strconv.Itoa(-d)
	}
	return "0"
}

// changeText is a group's change column: new and gone by name, else the
// delta.
func changeText(g GroupSeries) string {
	if g.Change == New || g.Change == Gone {
		return g.Change
	}
	return Delta(g.Delta)
}

// StackText names a stack in one line: its innermost function outside the
// runtime, at file:line (the file's base name), or "(no stack)".
func StackText(frames []dump.Frame) string {
	if len(frames) == 0 {
		return "(no stack)"
	}
	f := frames[0]
	for _, fr := range frames {
		if !strings.HasPrefix(fr.Func, "runtime.") {
			f = fr
			break
		}
	}
	if f.File == "" {
		return f.Func
	}
	return fmt.Sprintf("%s %s:%d", f.Func, path.Base(f.File), f.Line)
}

// WriteText prints the series: its dumps, the total of each, the states,
// the leak suspects, then the groups that changed most; counts aligned in
// one column per dump (the latest maxColumns), "-" where a group is absent.
func (s *Series) WriteText(w io.Writer, top int) error {
	ew := &errwriter.Writer{W: w}
	n := len(s.Dumps)
	what := "series"
	if n == 2 {
		what = "diff"
	}
	fmt.Fprintf(ew, "%s of %d dumps, compared on %s\n", what, n, s.ComparedOn)
	for _, l := range s.LeftOut {
		fmt.Fprintf(ew, "  left out: %s\n", l)
	}
	from := max(0, n-maxColumns)
	if from > 0 {
		fmt.Fprintf(ew, "  (the first %d dumps are not shown: --json has them)\n", from)
	}
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', tabwriter.AlignRight)
	for i := from; i < n; i++ {
		d := s.Dumps[i]
		format := d.Format
		if d.Profile != "" && d.Profile != "goroutine" {
			format += " " + d.Profile
		}
		fmt.Fprintf(tw, "#%d\t%s\t%d goroutines\t%s\t\n", i+1, d.Name, d.Total, format)
	}
	tw.Flush()

	cols := func(counts []int, absent string) string {
		var b strings.Builder
		for i := from; i < n; i++ {
			if counts[i] == 0 && absent != "" {
				b.WriteString(absent + "\t")
				continue
			}
			b.WriteString(strconv.Itoa(counts[i]) + "\t")
		}
		return b.String()
	}
	head := func(first string) string {
		var b strings.Builder
		b.WriteString(first + "\t")
		for i := from; i < n; i++ {
			fmt.Fprintf(&b, "#%d\t", i+1)
		}
		return b.String()
	}
	totals := make([]int, n)
	leaked := make([]int, n)
	anyLeaked := false
	for i, d := range s.Dumps {
		totals[i], leaked[i] = d.Total, d.Leaked
		anyLeaked = anyLeaked || d.Leaked > 0
	}
	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%sCHANGE\n", head(""))
	fmt.Fprintf(tw, "goroutines\t%s%s\n", cols(totals, ""), Delta(totals[n-1]-totals[0]))
	if anyLeaked {
		fmt.Fprintf(tw, "leaked\t%s%s\n", cols(leaked, ""), Delta(leaked[n-1]-leaked[0]))
	}
	tw.Flush()

	if len(s.States) > 0 {
		fmt.Fprintln(ew)
		tw = tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "%sCHANGE\tMINUTES\n", head("STATE"))
		for _, r := range s.States {
			minutes := strconv.Itoa(r.MaxMinutes[from])
			if r.MaxMinutes[n-1] != r.MaxMinutes[from] {
				minutes += " → " + strconv.Itoa(r.MaxMinutes[n-1])
			}
			fmt.Fprintf(tw, "%s\t%s%s\t%s\n", r.State+leakedText(r.Leaked[n-1]), cols(r.Counts, "-"), Delta(r.Delta), minutes)
		}
		tw.Flush()
	}

	fmt.Fprintln(ew)
	if s.Window == 0 {
		fmt.Fprintln(ew, "leak suspects: none (one dump: nothing to compare)")
	} else {
		grown := fmt.Sprintf("grown in each of the last %d dumps", s.Window)
		if s.Window == 1 {
			grown = "grown since the dump before"
		}
		fmt.Fprintf(ew, "leak suspects (groups %s): %d\n", grown, len(s.Suspects))
		for _, g := range s.Suspects {
			fmt.Fprintf(ew, "  %s  %s  %s  (%s)\n", Delta(g.Growth), stateText(g.State), StackText(g.Frames), countsText(g.Counts[from:]))
		}
	}

	fmt.Fprintf(ew, "\ngroups (by state and stack): %d (%d new, %d gone, %d grown, %d shrunk, %d same)",
		s.GroupCount, s.Changes[New], s.Changes[Gone], s.Changes[Grown], s.Changes[Shrunk], s.Changes[Same])
	groups := s.Groups
	if top > 0 && len(groups) > top {
		groups = groups[:top]
	}
	if len(groups) < s.GroupCount {
		fmt.Fprintf(ew, "; the %d that changed most", len(groups))
	}
	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "CHANGE\t%sSTATE\tSTACK\n", head("")[1:])
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%s%s\t%s\n", changeText(g), cols(g.Counts, "-"), stateText(g.State)+leakedText(g.Leaked[n-1]), StackText(g.Frames))
	}
	tw.Flush()
	return ew.Err
}

func stateText(state string) string {
	if state == "" {
		return "[?]"
	}
	return "[" + state + "]"
}

// leakedText marks the goroutines of the latest dump that the
// goroutineleak profile marked leaked.
func leakedText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (leaked %d)", n)
}

func countsText(counts []int) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, " → ")
}

// WriteChange prints, in a few lines, what changed from the first dump of
// the series to its latest: the totals, then each group that changed
// (new, gone, +N, −N), largest change first; "no change" when none did.
// It is for a dump that follows another (park --summary), where the whole
// table again would bury the change.
func (s *Series) WriteChange(w io.Writer, since string) error {
	ew := &errwriter.Writer{W: w}
	n := len(s.Dumps)
	if n < 2 {
		return nil
	}
	first, last := s.Dumps[0].Total, s.Dumps[n-1].Total
	fmt.Fprintf(ew, "since %s: %d → %d goroutines (%s)", since, first, last, Delta(last-first))
	if s.Dumps[n-1].Leaked != s.Dumps[0].Leaked {
		fmt.Fprintf(ew, ", leaked %d → %d", s.Dumps[0].Leaked, s.Dumps[n-1].Leaked)
	}
	changed := 0
	for _, g := range s.Groups {
		if g.Change != Same {
			changed++
		}
	}
	if changed == 0 {
		fmt.Fprintln(ew, "; no group changed")
		return ew.Err
	}
	noun := "groups"
	if changed == 1 {
		noun = "group"
	}
	fmt.Fprintf(ew, "; %d %s changed\n", changed, noun)
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	for _, g := range s.Groups {
		if g.Change == Same {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d → %d\t%s\t%s\n", changeText(g), g.Counts[0], g.Counts[n-1], stateText(g.State), StackText(g.Frames))
	}
	tw.Flush()
	return ew.Err
}
