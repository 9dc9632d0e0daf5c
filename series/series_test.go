package series

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"gsysint-demo/dump"
)

// summary is a Summary of groups given as state and count, each with a
// stack of its own function main.<state>.
func summary(format string, groups map[string]int) *dump.Summary {
	s := &dump.Summary{Format: format}
	for state, n := range groups {
		g := dump.Group{Count: n, Frames: []dump.Frame{{Func: "main." + state, File: "/src/main.go", Line: 7}}}
		if format == dump.FormatDebug2 {
			g.State = state
			s.States = append(s.States, dump.StateRow{State: state, Count: n})
		}
		s.Groups = append(s.Groups, g)
		s.Total += n
	}
	return s
}

func find(t *testing.T, groups []GroupSeries, fn string) GroupSeries {
	t.Helper()
	for _, g := range groups {
		if g.Frames[0].Func == fn {
			return g
		}
	}
	t.Fatalf("no group in %s", fn)
	return GroupSeries{}
}

func TestBuildChanges(t *testing.T) {
	sums := []*dump.Summary{
		summary(dump.FormatDebug2, map[string]int{"grows": 1, "gone": 2, "shrinks": 5, "same": 3, "dips": 4}),
		summary(dump.FormatDebug2, map[string]int{"grows": 2, "shrinks": 4, "same": 3, "dips": 5}),
		summary(dump.FormatDebug2, map[string]int{"grows": 3, "shrinks": 3, "same": 3, "dips": 3, "new": 1}),
		summary(dump.FormatDebug2, map[string]int{"grows": 4, "shrinks": 2, "same": 3, "dips": 6, "new": 2}),
	}
	dumps := make([]Dump, len(sums))
	s := Build(dumps, sums, Options{})
	for _, c := range []struct {
		fn     string
		counts []int
		change string
	}{
		{"main.grows", []int{1, 2, 3, 4}, Grown},
		{"main.gone", []int{2, 0, 0, 0}, Gone},
		{"main.shrinks", []int{5, 4, 3, 2}, Shrunk},
		{"main.same", []int{3, 3, 3, 3}, Same},
		{"main.dips", []int{4, 5, 3, 6}, Grown},
		{"main.new", []int{0, 0, 1, 2}, New},
	} {
		g := find(t, s.Groups, c.fn)
		if !slices.Equal(g.Counts, c.counts) || g.Change != c.change {
			t.Errorf("%s: counts %v, change %q; want %v, %q", c.fn, g.Counts, g.Change, c.counts, c.change)
		}
	}
	// grows grew in each of the last 3 dumps; dips did not (5 -> 3);
	// new only in 2 (absent counts as 0, but 0 -> 0 is no growth).
	if s.Window != 3 || len(s.Suspects) != 1 || s.Suspects[0].Frames[0].Func != "main.grows" || s.Suspects[0].Growth != 3 {
		t.Errorf("window %d, suspects %+v: want 3 and main.grows, growth 3", s.Window, s.Suspects)
	}
	if s.Total != sums[3].Total {
		t.Errorf("total %d, want the latest dump's %d", s.Total, sums[3].Total)
	}
	// A shorter window: new grew in each of the last 2.
	s = Build(dumps, sums, Options{Window: 2})
	if len(s.Suspects) != 2 || s.Suspects[0].Frames[0].Func != "main.grows" || s.Suspects[1].Frames[0].Func != "main.new" {
		t.Errorf("window 2: suspects %+v, want main.grows (+2), then main.new (+2)", s.Suspects)
	}
}

// debug=2 against debug=1: compared on stacks, what is left out said.
func TestBuildMixedFormats(t *testing.T) {
	a := summary(dump.FormatDebug2, map[string]int{"work": 2})
	a.Groups[0].Frames = append([]dump.Frame{{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435}}, a.Groups[0].Frames...)
	b := summary(dump.FormatDebug1, map[string]int{"work": 5})
	b.Groups[0].Frames = append(b.Groups[0].Frames, dump.Frame{Func: "runtime.goexit", File: "/go/src/runtime/asm_amd64.s", Line: 1700})
	s := Build(make([]Dump, 2), []*dump.Summary{a, b}, Options{})
	if s.ComparedOn != "stack" || len(s.LeftOut) == 0 || len(s.Groups) != 1 || !slices.Equal(s.Groups[0].Counts, []int{2, 5}) {
		t.Errorf("compared on %q, left out %q, groups %+v: want stack, something, one group 2 -> 5", s.ComparedOn, s.LeftOut, s.Groups)
	}
}

func TestDelta(t *testing.T) {
	for d, want := range map[int]string{3: "+3", -2: "−2", 0: "0"} {
		if got := Delta(d); got != want {
			t.Errorf("Delta(%d) = %q, want %q", d, got, want)
		}
	}
}

// Wait ages moving: each state's longest ", N minutes" per dump, and the
// text's MINUTES column from the first shown to the latest.
func TestBuildMinutes(t *testing.T) {
	a := summary(dump.FormatDebug2, map[string]int{"chan receive": 2})
	b := summary(dump.FormatDebug2, map[string]int{"chan receive": 2})
	a.States[0].MaxMinutes, b.States[0].MaxMinutes = 1, 3
	s := Build(make([]Dump, 2), []*dump.Summary{a, b}, Options{})
	if len(s.States) != 1 || !slices.Equal(s.States[0].MaxMinutes, []int{1, 3}) {
		t.Fatalf("states %+v: want chan receive, max minutes 1 then 3", s.States)
	}
	var text strings.Builder
	if err := s.WriteText(&text, 0); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^chan receive\s+2\s+2\s+0\s+1 → 3$`).MatchString(text.String()) {
		t.Errorf("no row 'chan receive 2 2 0 1 → 3':\n%s", text.String())
	}
}
