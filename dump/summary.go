package dump

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"gsysint-demo/internal/errwriter"
)

// Options select what Summarize keeps.
type Options struct {
	// Top is the number of stack groups to keep, largest first; 0 or less
	// keeps all.
	Top int
	// Match, if set, keeps only goroutines whose state, any function or
	// any label ("key=value") matches.
	Match *regexp.Regexp
}

// ReasonLabel is the pprof label that park sets to each parked goroutine's
// wait reason. debug=1 and protobuf input record no state: the summary
// takes it from this label instead, and says so (StateRow.FromLabel).
const ReasonLabel = "reason"

// Summary is the digest of a Snapshot. Its JSON form is documented in the
// package documentation; every list in it has a fixed order.
type Summary struct {
	Format  string `json:"format"`
	Profile string `json:"profile,omitempty"`
	// Headline is the crash line of the preamble, if any ("panic: boom",
	// "fatal error: all goroutines are asleep - deadlock!", "SIGSEGV:
	// segmentation violation").
	Headline string `json:"headline,omitempty"`
	// Total counts the goroutines in the snapshot, Matched those kept by
	// Options.Match (all of them without it).
	Total   int `json:"total"`
	Matched int `json:"matched"`
	// Reading says what was undone, skipped, damaged or guessed to read
	// the input (see Reading).
	Reading Reading `json:"reading"`
	// Context holds lines of the input that are no part of the dump.
	Context Context `json:"context"`
	// States has one row per state or wait reason, most goroutines first;
	// for debug=1 and protobuf input, which do not record it, the rows come
	// from the ReasonLabel of the goroutines that have it.
	States []StateRow `json:"states"`
	// GroupCount is the number of groups; Groups holds the Options.Top
	// largest.
	GroupCount int     `json:"group_count"`
	Groups     []Group `json:"groups"`
	// Labels counts the goroutines per label key=value, by key then most
	// goroutines first; empty when the input has no labels.
	Labels []LabelRow `json:"labels"`
}

// Context holds lines of the input that are no part of the dump: the last
// lines before it (Before: the crash line and the log that led to it) and
// the first after its first goroutine (After), at most maxSummaryContext
// each. Reading.ContextLines counts them all.
type Context struct {
	Before []string `json:"before"`
	After  []string `json:"after"`
}

const maxSummaryContext = 16

// StateRow counts the goroutines in one state.
type StateRow struct {
	State  string `json:"state"`
	Count  int    `json:"count"`
	Leaked int    `json:"leaked"`
	// MinMinutes and MaxMinutes bound the ", N minutes" of the headers (0
	// when the runtime printed none: under a minute).
	MinMinutes int `json:"min_minutes"`
	MaxMinutes int `json:"max_minutes"`
	// FromLabel is set when the state is the goroutines' ReasonLabel, not
	// a header's.
	FromLabel bool `json:"from_label,omitempty"`
}

// Group gathers the goroutines in the same state (wait reason) with the
// same stack: the same functions at the same file:line (arguments aside),
// as a Go engineer reads a dump.
type Group struct {
	Count  int `json:"count"`
	Leaked int `json:"leaked"`
	// State is the group's state; StateFromLabel says it is the
	// ReasonLabel's value. Empty when neither a header nor the label
	// recorded one.
	State          string `json:"state"`
	StateFromLabel bool   `json:"state_from_label,omitempty"`
	// Funcs is the stack, innermost call first; Frames the same with each
	// call's file:line.
	Funcs  []string `json:"funcs"`
	Frames []Frame  `json:"frames"`
	// States are the states seen in the group, most goroutines first: the
	// group's State, with its count (kept for readers of Funcs-only
	// groups).
	States []NameCount `json:"states"`
	// CreatedBy are the distinct creating functions, sorted.
	CreatedBy []string `json:"created_by"`
	// IDs holds up to maxGroupIDs goroutine ids, in input order (debug=2).
	IDs []int64 `json:"ids"`
	// Labels counts the group's goroutines per label, as Summary.Labels
	// does, at most maxGroupLabels rows.
	Labels []LabelRow `json:"labels"`
}

// NameCount is a name with a number of goroutines.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// LabelRow counts the goroutines with one label.
type LabelRow struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

const (
	maxGroupIDs    = 8
	maxGroupLabels = 16
)

// groupAcc accumulates one group.
type groupAcc struct {
	Group
	createdBy     map[string]bool
	lastCreatedBy string
	labels        map[[2]string]int
}

// Summarize counts the goroutines of s by state, by stack and by label.
// It makes one pass over the goroutines; groups are found through a hash
// of their state and frames.
func Summarize(s *Snapshot, opt Options) *Summary {
	z := newSummarizer(opt)
	for _, g := range s.Goroutines {
		z.add(g)
	}
	return z.finish(s)
}

// summarizer accumulates a Summary one goroutine at a time. It keeps no
// reference to the Goroutine it is given, only to its strings.
type summarizer struct {
	opt     Options
	matched int
	states  map[string]*StateRow
	labels  map[[2]string]int
	groups  []*groupAcc
	byHash  map[uint64][]int // hash of the state and frames -> indexes in groups
	seed    maphash.Seed
	h       maphash.Hash
	// The row and group of the previous goroutine, tried first.
	lastRow   *StateRow
	lastGroup *groupAcc
}

func newSummarizer(opt Options) *summarizer {
	return &summarizer{
		opt:    opt,
		states: map[string]*StateRow{},
		labels: map[[2]string]int{},
		byHash: map[uint64][]int{},
		seed:   maphash.MakeSeed(),
	}
}

func (z *summarizer) add(g *Goroutine) {
	if z.opt.Match != nil && !matches(g, z.opt.Match) {
		return
	}
	n := max(g.Count, 1)
	leaked := 0
	if g.Leaked {
		leaked = n
	}
	z.matched += n

	state, fromLabel := g.State, false
	if state == "" && g.Labels != nil {
		state = g.Labels[ReasonLabel]
		fromLabel = state != ""
	}
	if state != "" {
		row := z.lastRow
		if row == nil || row.State != state {
			row = z.states[state]
		}
		if row == nil {
			row = &StateRow{State: state, MinMinutes: g.Minutes, MaxMinutes: g.Minutes, FromLabel: fromLabel}
			z.states[state] = row
		}
		row.Count += n
		row.Leaked += leaked
		row.MinMinutes = min(row.MinMinutes, g.Minutes)
		row.MaxMinutes = max(row.MaxMinutes, g.Minutes)
		z.lastRow = row
	}
	if len(g.Labels) > 0 {
		for k, v := range g.Labels {
			z.labels[[2]string{k, v}] += n
		}
	}

	// Neighbours mostly share their group; and the parser hands over
	// the same strings for the same functions and files, which compare
	// at once.
	acc := z.lastGroup
	if acc == nil || acc.State != state || !sameFrames(acc.Frames, g.Frames) {
		acc = z.find(state, fromLabel, g.Frames)
	}
	z.lastGroup = acc
	acc.Count += n
	acc.Leaked += leaked
	if g.CreatedBy != "" && g.CreatedBy != acc.lastCreatedBy {
		acc.createdBy[g.CreatedBy] = true
		acc.lastCreatedBy = g.CreatedBy
	}
	if g.ID != 0 && len(acc.IDs) < maxGroupIDs {
		acc.IDs = append(acc.IDs, g.ID)
	}
	if len(g.Labels) > 0 {
		if acc.labels == nil {
			acc.labels = map[[2]string]int{}
		}
		for k, v := range g.Labels {
			acc.labels[[2]string{k, v}] += n
		}
	}
}

// find returns the group of the state and frames, new if need be (with
// a copy of frames).
func (z *summarizer) find(state string, fromLabel bool, frames []Frame) *groupAcc {
	z.h.SetSeed(z.seed)
	z.h.WriteString(state)
	z.h.WriteByte(0)
	// Functions alone: stacks that differ only in a file or line are rare,
	// and told apart by the comparison below.
	for _, f := range frames {
		z.h.WriteString(f.Func)
		z.h.WriteByte(0)
	}
	key := z.h.Sum64()
	for _, j := range z.byHash[key] {
		if acc := z.groups[j]; acc.State == state && sameFrames(acc.Frames, frames) {
			return acc
		}
	}
	acc := &groupAcc{createdBy: map[string]bool{}}
	acc.State, acc.StateFromLabel = state, fromLabel
	acc.Frames = slices.Clone(frames)
	if acc.Frames == nil {
		acc.Frames = []Frame{}
	}
	z.byHash[key] = append(z.byHash[key], len(z.groups))
	z.groups = append(z.groups, acc)
	return acc
}

// merge adds to z what o gathered from the input that follows z's: the
// goroutine ids kept per group stay in input order.
func (z *summarizer) merge(o *summarizer) {
	z.matched += o.matched
	for name, r := range o.states {
		row := z.states[name]
		if row == nil {
			c := *r
			z.states[name] = &c
			continue
		}
		row.Count += r.Count
		row.Leaked += r.Leaked
		row.MinMinutes = min(row.MinMinutes, r.MinMinutes)
		row.MaxMinutes = max(row.MaxMinutes, r.MaxMinutes)
	}
	for kv, n := range o.labels {
		z.labels[kv] += n
	}
	for _, g := range o.groups {
		acc := z.find(g.State, g.StateFromLabel, g.Frames)
		acc.Count += g.Count
		acc.Leaked += g.Leaked
		for name := range g.createdBy {
			acc.createdBy[name] = true
		}
		for _, id := range g.IDs {
			if len(acc.IDs) == maxGroupIDs {
				break
			}
			acc.IDs = append(acc.IDs, id)
		}
		if len(g.labels) > 0 && acc.labels == nil {
			acc.labels = map[[2]string]int{}
		}
		for kv, n := range g.labels {
			acc.labels[kv] += n
		}
	}
	z.lastRow, z.lastGroup = nil, nil
}

// finish sorts what add gathered into the Summary of s (whose Goroutines
// are not read).
func (z *summarizer) finish(s *Snapshot) *Summary {
	sum := &Summary{
		Format:   s.Format,
		Profile:  s.Profile,
		Headline: headline(s.Preamble),
		Total:    s.Total,
		Matched:  z.matched,
		Reading:  s.Reading,
		Context:  Context{Before: lastLines(s.Preamble, maxSummaryContext), After: s.Context[:min(len(s.Context), maxSummaryContext)]},
		States:   []StateRow{},
		Groups:   []Group{},
		Labels:   []LabelRow{},
	}
	if sum.Context.After == nil {
		sum.Context.After = []string{}
	}
	for _, row := range z.states {
		sum.States = append(sum.States, *row)
	}
	slices.SortFunc(sum.States, func(a, b StateRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.State, b.State))
	})
	sum.Labels = labelRows(z.labels)

	groups := z.groups
	slices.SortFunc(groups, func(a, b *groupAcc) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.State, b.State),
			slices.CompareFunc(a.Frames, b.Frames, func(x, y Frame) int {
				return cmp.Or(cmp.Compare(x.Func, y.Func), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line))
			}))
	})
	sum.GroupCount = len(groups)
	if z.opt.Top > 0 && len(groups) > z.opt.Top {
		groups = groups[:z.opt.Top]
	}
	for _, acc := range groups {
		g := acc.Group
		g.Funcs = make([]string, len(g.Frames))
		for i, f := range g.Frames {
			g.Funcs[i] = f.Func
		}
		g.States = []NameCount{}
		if g.State != "" {
			g.States = append(g.States, NameCount{Name: g.State, Count: g.Count})
		}
		g.CreatedBy = []string{}
		for name := range acc.createdBy {
			g.CreatedBy = append(g.CreatedBy, name)
		}
		slices.Sort(g.CreatedBy)
		if g.IDs == nil {
			g.IDs = []int64{}
		}
		g.Labels = labelRows(acc.labels)
		g.Labels = g.Labels[:min(len(g.Labels), maxGroupLabels)]
		sum.Groups = append(sum.Groups, g)
	}
	return sum
}

// labelRows sorts label counts by key, then count, then value.
func labelRows(m map[[2]string]int) []LabelRow {
	rows := []LabelRow{}
	for kv, n := range m {
		rows = append(rows, LabelRow{Key: kv[0], Value: kv[1], Count: n})
	}
	slices.SortFunc(rows, func(a, b LabelRow) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	return rows
}

// lastLines returns the last n non-blank lines of text.
func lastLines(text string, n int) []string {
	lines := []string{}
	for line := range strings.Lines(text) {
		if line = strings.TrimRight(line, " \t\r\n"); strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return lines[max(0, len(lines)-n):]
}

// sameFrames is slices.Equal for frames, written out: the generic
// comparison of each Frame was a third of Summarize.
func sameFrames(a, b []Frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Line != b[i].Line || a[i].Func != b[i].Func || a[i].File != b[i].File {
			return false
		}
	}
	return true
}

func matches(g *Goroutine, re *regexp.Regexp) bool {
	if g.State != "" && re.MatchString(g.State) {
		return true
	}
	for _, f := range g.Frames {
		if re.MatchString(f.Func) {
			return true
		}
	}
	for k, v := range g.Labels {
		if re.MatchString(k + "=" + v) {
			return true
		}
	}
	return false
}

// headline returns the crash line of a preamble (see crashLine) nearest
// the dump: a log may hold earlier crashes, and a panic during a panic
// prints its second "panic:" indented.
func headline(preamble string) string {
	last := ""
	for line := range strings.Lines(preamble) {
		line = strings.TrimRight(line, " \t\r\n")
		// "^\SIGQUIT: quit": the terminal echoed the Ctrl-\ that sent it.
		line = strings.TrimPrefix(line, "^\\")
		if crashLine([]byte(line)) {
			last = line
		}
	}
	return last
}

// WriteText prints the summary as text: a header (format, totals, crash
// line, how the input was read, the context before the dump), then tables
// of states, stack groups (count, state, creators, labels, then each frame
// with its file:line) and labels.
func (s *Summary) WriteText(w io.Writer) error { return s.writeText(w, false) }

// WriteColorText is WriteText with ANSI colours, for a terminal.
func (s *Summary) WriteColorText(w io.Writer) error { return s.writeText(w, true) }

// ANSI colours of WriteColorText.
const (
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

func (s *Summary) writeText(w io.Writer, color bool) error {
	paint := func(code, text string) string {
		if !color || text == "" {
			return text
		}
		return code + text + ansiReset
	}
	ew := &errwriter.Writer{W: w}
	fmt.Fprintf(ew, "format: %s", s.Format)
	if s.Profile != "" {
		fmt.Fprintf(ew, " (%s profile)", s.Profile)
	}
	fmt.Fprintf(ew, "\ngoroutines: %s", paint(ansiBold, strconv.Itoa(s.Total)))
	if s.Matched != s.Total {
		fmt.Fprintf(ew, ", %d matched", s.Matched)
	}
	fmt.Fprintln(ew)
	if s.Headline != "" {
		fmt.Fprintf(ew, "headline: %s\n", paint(ansiRed+ansiBold, printable(s.Headline)))
	}
	if line := s.Reading.String(); line != "" {
		fmt.Fprintf(ew, "read: %s\n", paint(ansiYellow, line))
	}
	if before := s.Context.Before; len(before) > 0 {
		// The lines nearest the dump: the crash line and what led to it.
		const shown = 5
		fmt.Fprintf(ew, "context before the dump (last %s; --json has up to %d before and %d after it):\n",
			plural(min(shown, len(before)), "line"), maxSummaryContext, maxSummaryContext)
		for _, line := range before[max(0, len(before)-shown):] {
			fmt.Fprintf(ew, "  %s\n", paint(ansiDim, printable(line)))
		}
	}

	fmt.Fprintln(ew)
	fromLabel := len(s.States) > 0 && s.States[0].FromLabel
	switch {
	case len(s.States) == 0 && s.Format != FormatDebug2:
		fmt.Fprintf(ew, "states: not recorded (%s input has stacks and labels, no wait reasons, and no %q label)\n", s.Format, ReasonLabel)
	case len(s.States) == 0:
		fmt.Fprintln(ew, "states: none read")
	default:
		if fromLabel {
			fmt.Fprintf(ew, "states: from the %q label that park sets (%s input records no wait reasons)\n", ReasonLabel, s.Format)
		}
		tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tCOUNT\tLEAKED\tMINUTES\n", paint(ansiCyan, "STATE"))
		for _, r := range s.States {
			minutes := strconv.Itoa(r.MinMinutes)
			if r.MaxMinutes != r.MinMinutes {
				minutes += "-" + strconv.Itoa(r.MaxMinutes)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", paint(ansiCyan, display(r.State)), r.Count, r.Leaked, minutes)
		}
		tw.Flush()
	}

	fmt.Fprintf(ew, "\nstack groups (by state and stack): %d", s.GroupCount)
	if len(s.Groups) < s.GroupCount {
		fmt.Fprintf(ew, " (top %d shown)", len(s.Groups))
	}
	fmt.Fprintln(ew)
	width := 1
	for _, g := range s.Groups {
		width = max(width, len(strconv.Itoa(g.Count)))
	}
	indent := strings.Repeat(" ", width+2)
	for _, g := range s.Groups {
		fmt.Fprintf(ew, "\n%s  ", paint(ansiBold, fmt.Sprintf("%*d", width, g.Count)))
		noun := "goroutines"
		if g.Count == 1 {
			noun = "goroutine"
		}
		parts := []string{noun}
		if g.State != "" {
			st := fmt.Sprintf("[%s] x%d", g.State, g.Count)
			if g.StateFromLabel {
				st = fmt.Sprintf("[%s=%s] x%d", ReasonLabel, g.State, g.Count)
			}
			parts = append(parts, paint(ansiCyan, st))
		}
		if g.Leaked > 0 {
			parts = append(parts, paint(ansiRed, fmt.Sprintf("leaked x%d", g.Leaked)))
		}
		if len(g.CreatedBy) > 0 {
			parts = append(parts, "created by "+strings.Join(g.CreatedBy, ", "))
		}
		if len(g.IDs) > 0 {
			ids := make([]string, len(g.IDs))
			for i, id := range g.IDs {
				ids[i] = strconv.FormatInt(id, 10)
			}
			more := ""
			if g.Count > len(g.IDs) {
				more = ", ..."
			}
			parts = append(parts, "ids "+strings.Join(ids, ", ")+more)
		}
		fmt.Fprintln(ew, strings.Join(parts, "; "))
		if len(g.Labels) > 0 {
			labels := make([]string, len(g.Labels))
			for i, l := range g.Labels {
				labels[i] = fmt.Sprintf("%s=%s x%d", display(l.Key), display(l.Value), l.Count)
			}
			fmt.Fprintf(ew, "%slabels %s\n", indent, strings.Join(labels, ", "))
		}
		fw := 0
		for _, f := range g.Frames {
			fw = max(fw, len(f.Func))
		}
		for _, f := range g.Frames {
			if loc := location(f); loc != "" {
				fmt.Fprintf(ew, "%s%-*s  %s\n", indent, fw, f.Func, paint(ansiDim, loc))
			} else {
				fmt.Fprintf(ew, "%s%s\n", indent, f.Func)
			}
		}
		if len(g.Frames) == 0 {
			fmt.Fprintf(ew, "%s(no stack)\n", indent)
		}
	}

	if len(s.Labels) > 0 {
		fmt.Fprintln(ew)
		tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "LABEL\tCOUNT")
		for _, l := range s.Labels {
			fmt.Fprintf(tw, "%s=%s\t%d\n", display(l.Key), display(l.Value), l.Count)
		}
		tw.Flush()
	}
	return ew.Err
}

// location returns "file.go:12" for a frame: the file's last element,
// as the function names the package.
func location(f Frame) string {
	if f.File == "" {
		return ""
	}
	file := f.File[strings.LastIndexAny(f.File, "/\\")+1:]
	if f.Line == 0 {
		return file
	}
	return file + ":" + strconv.Itoa(f.Line)
}

// String says in one line what the reader undid, skipped, damaged or
// guessed; "" for a clean dump.
func (rd Reading) String() string {
	var parts []string
	if rd.Gzip {
		parts = append(parts, "gzipped text")
	}
	if rd.BOM {
		parts = append(parts, "byte order mark skipped")
	}
	if rd.ColorLines > 0 {
		parts = append(parts, "colour removed from "+plural(rd.ColorLines, "line"))
	}
	if rd.Prefix != "" {
		what := "prefix"
		if strings.TrimSpace(rd.Prefix) == "" {
			what = "indentation"
		}
		parts = append(parts, fmt.Sprintf("%s %q (in its shape) removed from %s", what, rd.Prefix, plural(rd.PrefixedLines, "line")))
	}
	if rd.Glued > 0 {
		parts = append(parts, plural(rd.Glued, "goroutine header")+" glued to other text")
	}
	if rd.Dumps > 1 {
		parts = append(parts, fmt.Sprintf("%d dumps added up", rd.Dumps))
	}
	if rd.Damaged > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged (goroutines counted with state %s; debug=1 records, frames or totals)", rd.Damaged, DamagedState))
	}
	if rd.Cut != "" {
		parts = append(parts, "cut: "+rd.Cut)
	}
	if rd.ContextLines > 0 {
		parts = append(parts, plural(rd.ContextLines, "line")+" of context kept")
	}
	if rd.RaceReports > 0 {
		parts = append(parts, plural(rd.RaceReports, "race report")+" in the context")
	}
	return strings.Join(parts, "; ")
}

// plural returns "1 line", "2 lines".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// printable quotes s if it holds a control character (an escape sequence
// left in the input must not reach the terminal).
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return strconv.Quote(s)
	}
	return s
}

// display quotes s if it is empty or holds a tab, a control character or
// a "=", so that table cells stay on one line and unambiguous.
func display(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || r == '=' }) {
		return strconv.Quote(s)
	}
	return s
}
