// Package series compares goroutine dumps: the dumps of one process over
// time (a series: what grew, what is new, what is gone, which groups are
// leak suspects) and the dumps of several processes at once (a merged view
// with one column per source, written as text, JSON or a pprof protobuf).
//
// Both work on [dump.Summary] values, one per dump, with every group kept
// (dump.Options.Top 0): a group is the goroutines in one state with one
// stack (functions at file:line), as package dump groups them. Labels are
// shown with a group but are no part of its key: debug=2 text carries
// them only with GODEBUG=tracebacklabels=1, so keying on them would part
// the same goroutines differently in different formats.
//
// A census (dump.FormatCensus, gsysint-demo park --profile census) records
// no stack: dump reads a census group's start function and creation site
// as its two-frame stack, the census protobuf's two locations, so a
// census's JSON and its protobuf key the same groups. Census groups that
// differ only in labels are therefore one group here, with their labels.
//
// # Series JSON
//
// A [Series] marshals with every list present, counts in dump order:
//
//	{
//	  "dumps": [{"name": "out/goroutine-0001.txt", "format": "debug2", "total": 6, "leaked": 0}, ...],
//	  "total": 9,                        the latest dump's
//	  "compared_on": "state and stack",  or "stack"
//	  "left_out": [],                    what a comparison of different formats leaves out
//	  "suspect_window": 3,
//	  "states": [{"state": "chan receive", "counts": [3, 3, 4], "leaked": [0, 0, 0],
//	              "max_minutes": [0, 1, 2], "delta": 1}],
//	  "group_count": 5,
//	  "groups": [{"state": "chan receive", "frames": [{"func": "main.worker", "file": "/src/main.go", "line": 12}],
//	              "counts": [1, 2, 4], "leaked": [0, 0, 0], "delta": 3,
//	              "change": "new" | "gone" | "grown" | "shrunk" | "same",
//	              "labels": [{"key": "job", "value": "w7", "count": 4}]}],
//	  "changes": {"grown": 1, "new": 1, "same": 3},
//	  "suspects": [ groups as above, with "growth": 3 over the window ]
//	}
//
// # Merged JSON
//
// A [Merged] marshals as:
//
//	{
//	  "sources": [{"name": "127.0.0.1:6060", "input": "http://127.0.0.1:6060/debug/pprof/goroutine?debug=2",
//	               "format": "debug2", "total": 11, "dumps": 1},
//	              {"name": "db", "input": "db.txt", "total": 0, "error": "open db.txt: no such file or directory"}],
//	  "total": 11, "failed": 1, "compared_on": "state and stack", "group_count": 9,
//	  "groups": [{"state": "chan receive", "frames": [...], "counts": [4, 0], "leaked": 0, "total": 4}]
//	}
//
// The text forms are made from the same values (WriteText, WriteChange);
// testdata/golden pins both.
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package series

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"gsysint-demo/dump"
)

// DefaultWindow is the number of dumps a group must have grown in, each
// over the one before, to be a leak suspect.
const DefaultWindow = 3

// Dump names one dump of a series.
type Dump struct {
	// Name is the input the dump came from (a file, a URL, "stdin"), with
	// "#N" when the input held several dumps.
	Name    string `json:"name"`
	Format  string `json:"format"`
	Profile string `json:"profile,omitempty"`
	Total   int    `json:"total"`
	Leaked  int    `json:"leaked"`
}

// Series is the comparison of dumps in order. Its JSON form has every list
// present, in a fixed order.
type Series struct {
	Dumps []Dump `json:"dumps"`
	// Total is the latest dump's total: a series is one process seen
	// several times, not several processes added up.
	Total int `json:"total"`
	// ComparedOn says what groups are keyed on: "state and stack", or
	// "stack" when some dump records no state (debug=1 or protobuf without
	// park's reason label); LeftOut says what the comparison leaves out
	// when the dumps' formats differ.
	ComparedOn string   `json:"compared_on"`
	LeftOut    []string `json:"left_out"`
	// Window is the number of dumps a suspect grew in (Options.Window,
	// at most the number of steps in the series).
	Window int `json:"suspect_window"`
	// States has one row per state, most goroutines in the latest dump
	// first.
	States []StateSeries `json:"states"`
	// GroupCount is the number of groups in any dump; Groups the
	// Options.Top of them, changed ones first (by the size of the change),
	// then the largest.
	GroupCount int           `json:"group_count"`
	Groups     []GroupSeries `json:"groups"`
	// Changes counts the groups by Change.
	Changes map[string]int `json:"changes"`
	// Suspects are the groups that grew in each of the last Window dumps,
	// most growth first.
	Suspects []GroupSeries `json:"suspects"`
}

// StateSeries is one state's count in each dump.
type StateSeries struct {
	State  string `json:"state"`
	Counts []int  `json:"counts"`
	Leaked []int  `json:"leaked"`
	// MaxMinutes is the longest ", N minutes" of the state in each dump:
	// wait ages moving.
	MaxMinutes []int `json:"max_minutes"`
	Delta      int   `json:"delta"`
}

// Changes of a group from the first dump to the latest.
const (
	New    = "new"
	Gone   = "gone"
	Grown  = "grown"
	Shrunk = "shrunk"
	Same   = "same"
)

// GroupSeries is one group's count in each dump.
type GroupSeries struct {
	State  string       `json:"state"`
	Frames []dump.Frame `json:"frames"`
	Counts []int        `json:"counts"`
	Leaked []int        `json:"leaked"`
	// Delta is the latest count less the first; Change names it.
	Delta  int    `json:"delta"`
	Change string `json:"change"`
	// Growth is the growth over the suspect window (suspects only).
	Growth int `json:"growth,omitempty"`
	// Labels are the group's labels in the latest dump that has it.
	Labels []dump.LabelRow `json:"labels"`
}

// Options select what Build keeps.
type Options struct {
	// Window is the number of dumps a suspect must have grown in;
	// 0 means DefaultWindow.
	Window int
	// Top is the number of groups kept in Groups; 0 keeps all.
	Top int
}

// key identifies a group across dumps.
func key(state string, frames []dump.Frame) string {
	var b strings.Builder
	b.WriteString(state)
	for _, f := range frames {
		b.WriteByte(0)
		b.WriteString(f.Func)
		b.WriteByte(1)
		b.WriteString(f.File)
		b.WriteByte(1)
		b.WriteString(strconv.Itoa(f.Line))
	}
	return b.String()
}

// comparable returns the frames two formats both carry: debug=1 and the
// protobuf leave out the runtime's innermost frames (runtime.gopark and
// the like), which debug=2 prints; so they are left out of every stack
// when the formats differ.
func comparableFrames(frames []dump.Frame) []dump.Frame {
	i := 0
	for i < len(frames)-1 && strings.HasPrefix(frames[i].Func, "runtime.") {
		i++
	}
	frames = frames[i:]
	if n := len(frames); n > 0 && frames[n-1].Func == "runtime.goexit" {
		frames = frames[:n-1]
	}
	return frames
}

// Build compares the summaries, in order, each with its Dump.
func Build(dumps []Dump, sums []*dump.Summary, opt Options) *Series {
	n := len(sums)
	s := &Series{Dumps: dumps, LeftOut: []string{}, States: []StateSeries{}, Groups: []GroupSeries{},
		Suspects: []GroupSeries{}, Changes: map[string]int{}}
	if n == 0 {
		return s
	}
	s.Total = sums[n-1].Total
	keepState, mixed := true, false
	for _, sum := range sums {
		if len(sum.States) == 0 {
			keepState = false
		}
		if sum.Format != sums[0].Format {
			mixed = true
		}
	}
	s.ComparedOn = "state and stack"
	if !keepState {
		s.ComparedOn = "stack"
		s.LeftOut = append(s.LeftOut, "states and wait reasons (debug=1 and protobuf record none, unless park's \"reason\" label)")
	}
	if mixed {
		s.LeftOut = append(s.LeftOut,
			"the runtime's innermost frames (debug=1 and protobuf leave them out)",
			"wait ages and goroutine ids (debug=2 only)",
			"labels of debug=2 dumps (printed only with GODEBUG=tracebacklabels=1)")
	}

	groups := map[string]*GroupSeries{}
	var order []*GroupSeries
	states := map[string]*StateSeries{}
	leaked := make([]int, n)
	for i, sum := range sums {
		for _, g := range sum.Groups {
			state, frames := g.State, g.Frames
			if !keepState {
				state = ""
			}
			if mixed {
				frames = comparableFrames(frames)
			}
			k := key(state, frames)
			gs := groups[k]
			if gs == nil {
				gs = &GroupSeries{State: state, Frames: frames, Counts: make([]int, n), Leaked: make([]int, n)}
				groups[k] = gs
				order = append(order, gs)
			}
			gs.Counts[i] += g.Count
			gs.Leaked[i] += g.Leaked
			leaked[i] += g.Leaked
			if len(g.Labels) > 0 {
				gs.Labels = g.Labels
			}
		}
		if !keepState {
			continue
		}
		for _, r := range sum.States {
			ss := states[r.State]
			if ss == nil {
				ss = &StateSeries{State: r.State, Counts: make([]int, n), Leaked: make([]int, n), MaxMinutes: make([]int, n)}
				states[r.State] = ss
			}
			ss.Counts[i] += r.Count
			ss.Leaked[i] += r.Leaked
			ss.MaxMinutes[i] = max(ss.MaxMinutes[i], r.MaxMinutes)
		}
	}
	for i := range dumps {
		dumps[i].Leaked = leaked[i]
	}
	for _, ss := range states {
		ss.Delta = ss.Counts[n-1] - ss.Counts[0]
		s.States = append(s.States, *ss)
	}
	slices.SortFunc(s.States, func(a, b StateSeries) int {
		return cmp.Or(cmp.Compare(b.Counts[n-1], a.Counts[n-1]), cmp.Compare(a.State, b.State))
	})

	s.Window = min(cmp.Or(opt.Window, DefaultWindow), n-1)
	for _, gs := range order {
		if gs.Labels == nil {
			gs.Labels = []dump.LabelRow{}
		}
		first, last := gs.Counts[0], gs.Counts[n-1]
		gs.Delta = last - first
		switch {
		case first == 0 && last > 0:
			gs.Change = New
		case first > 0 && last == 0:
			gs.Change = Gone
		case last > first:
			gs.Change = Grown
		case last < first:
			gs.Change = Shrunk
		default:
			gs.Change = Same
		}
		s.Changes[gs.Change]++
		if s.Window > 0 && grewIn(gs.Counts, s.Window) {
			sus := *gs
			sus.Growth = last - gs.Counts[n-1-s.Window]
			s.Suspects = append(s.Suspects, sus)
		}
	}
	s.GroupCount = len(order)
	slices.SortFunc(s.Suspects, func(a, b GroupSeries) int {
		return cmp.Or(cmp.Compare(b.Growth, a.Growth), byGroup(a, b))
	})
	slices.SortFunc(order, func(a, b *GroupSeries) int {
		return cmp.Or(cmp.Compare(abs(b.Delta), abs(a.Delta)), byGroup(*a, *b))
	})
	if opt.Top > 0 && len(order) > opt.Top {
		order = order[:opt.Top]
	}
	for _, gs := range order {
		s.Groups = append(s.Groups, *gs)
	}
	return s
}

// grewIn reports whether counts grew in each of its last w steps.
func grewIn(counts []int, w int) bool {
	n := len(counts)
	for i := n - w; i < n; i++ {
		if counts[i] <= counts[i-1] {
			return false
		}
	}
	return true
}

// byGroup orders groups by their latest count, then state, then frames.
func byGroup(a, b GroupSeries) int {
	n := len(a.Counts)
	return cmp.Or(cmp.Compare(b.Counts[n-1], a.Counts[n-1]), cmp.Compare(a.State, b.State),
		slices.CompareFunc(a.Frames, b.Frames, func(x, y dump.Frame) int {
			return cmp.Or(cmp.Compare(x.Func, y.Func), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line))
		}))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
