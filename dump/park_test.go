package dump_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"gsysint-demo/dump"
	"gsysint-demo/park"
)

// TestParkedReasonsReadBack parks goroutines with every reason park accepts
// (but the borrowable ones, whose slots the custom text takes) and with
// custom text, dumps them in all three formats through this
// package, and reads the dumps back: the debug=2 counts by state, and the
// debug=1 and protobuf counts by the reason label, equal what was parked.
func TestParkedReasonsReadBack(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	const perReason = 2
	want := map[string]int{}
	var groups []park.Group
	cat, err := park.Reasons()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Wait {
		// Borrowable reasons' slots go to the custom texts below; park's
		// own tests park with their runtime text.
		if e.Parkable && !e.Borrowable {
			groups = append(groups, park.Group{Reason: e.Text, Count: perReason})
			want[e.Text] = perReason
		}
	}
	for _, text := range []string{"waiting for godot", "waiting, (for) lefty"} {
		groups = append(groups, park.Group{Reason: text, Count: 3})
		want[text] = 3
	}
	if _, err := p.Park(context.Background(), groups...); err != nil {
		t.Fatal(err)
	}

	read := func(debug dump.Debug) *dump.Summary {
		var b bytes.Buffer
		if _, err := dump.Write(&b, "goroutine", debug); err != nil {
			t.Fatal(err)
		}
		s, err := dump.Parse(&b)
		if err != nil {
			t.Fatalf("debug=%d: %v", debug, err)
		}
		return dump.Summarize(s, dump.Options{})
	}

	// The runtime's own goroutines may wait with the same reasons, so the
	// debug=2 count is at least ours; with custom text, exactly ours.
	states := map[string]int{}
	for _, row := range read(2).States {
		states[row.State] = row.Count
	}
	for reason, n := range want {
		if got := states[reason]; got < n || (reason == "waiting for godot" && got != n) {
			t.Errorf("debug=2: %d goroutines in state %q, parked %d", got, reason, n)
		}
	}

	// Groups separate the reasons: park's goroutines share one stack.
	byReason := func(s *dump.Summary) map[string]int {
		m := map[string]int{}
		for _, g := range s.Groups {
			if slices.Contains(g.Funcs, park.WaiterFunc) {
				m[g.State] += g.Count
				if len(g.States) != 1 || g.States[0].Name != g.State {
					t.Errorf("group %+v: states %v, want its one state", g.Frames, g.States)
				}
			}
		}
		return m
	}
	for reason, n := range byReason(read(2)) {
		if want[reason] != n {
			t.Errorf("debug=2: a group of %d goroutines in state %q, parked %d", n, reason, want[reason])
		}
	}

	// debug=1 and the protobuf carry no state; the labels say it exactly,
	// and the summary takes the states from the reason label.
	for _, debug := range []dump.Debug{dump.DebugCounts, dump.DebugProto} {
		s := read(debug)
		labels := map[string]int{}
		for _, row := range s.Labels {
			if row.Key == dump.ReasonLabel {
				labels[row.Value] = row.Count
			}
		}
		states := map[string]int{}
		for _, row := range s.States {
			if !row.FromLabel {
				t.Errorf("debug=%d: state row %+v not marked as coming from the label", debug, row)
			}
			states[row.State] = row.Count
		}
		byGroup := byReason(s)
		for reason, n := range want {
			if labels[reason] != n || states[reason] != n || byGroup[reason] != n {
				t.Errorf("debug=%d: %d goroutines labelled reason=%q, %d in its state row, %d in its groups; parked %d",
					debug, labels[reason], reason, states[reason], byGroup[reason], n)
			}
		}
	}
}
