package park

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// A count no machine could allocate is an error, not a makeslice panic,
// alone or summed over groups; nothing is parked.
func TestCountThatCannotBeAllocated(t *testing.T) {
	p := newParker(t)
	for _, groups := range [][]Group{
		{{Reason: "select", Count: math.MaxInt}},
		{{Reason: "select", Count: maxGoroutines}, {Reason: "select", Count: 1}},
	} {
		pks, err := p.Park(context.Background(), groups...)
		if err == nil || !strings.Contains(err.Error(), "cannot be allocated") || pks != nil {
			t.Fatalf("Park(%d groups, first count %d) = %v, %v; want an error saying it cannot be allocated", len(groups), groups[0].Count, pks, err)
		}
	}
	if r := p.Release(); r.Released != 0 {
		t.Fatalf("released %d goroutines, want none parked", r.Released)
	}
}

// The groups of one call are planned together: a custom text never takes
// the slot of a runtime reason named by a later group, in either order.
func TestSlotsPlannedForAllGroups(t *testing.T) {
	p := newParker(t)
	cat, err := Reasons()
	if err != nil {
		t.Fatal(err)
	}
	first := cat.Wait[cat.WaitSlots[0]].Text // the runtime reason whose slot is lent first
	custom := Group{Reason: "waiting for godot", Count: 1}
	runtimeReason := Group{Reason: first, Count: 1}
	for _, groups := range [][]Group{{custom, runtimeReason}, {runtimeReason, custom}} {
		pks, err := p.Resolve(groups...)
		if err != nil {
			t.Fatalf("Resolve(%q, %q): %v", groups[0].Reason, groups[1].Reason, err)
		}
		for _, pk := range pks {
			if pk.Wait.Custom && pk.Wait.Index == cat.WaitSlots[0] {
				t.Fatalf("custom text got slot %d, which %q parks with", pk.Wait.Index, first)
			}
		}
	}
}

// The trace reason a custom wait text gets when its group names none
// ("unspecified", itself a borrowable slot) is planned before the custom
// trace texts: the one refused is a custom text the caller chose, by name.
func TestDefaultTraceReasonIsNotLentAway(t *testing.T) {
	p := newParker(t)
	cat, err := Reasons()
	if err != nil {
		t.Fatal(err)
	}
	var groups []Group
	var last string
	for i := range cat.TraceSlots {
		last = "trace text " + string(rune('a'+i))
		groups = append(groups, Group{Reason: "custom wait " + last, TraceReason: last, Count: 1})
	}
	groups = append(groups, Group{Reason: "custom wait, no trace reason", Count: 1})
	_, err = p.Resolve(groups...)
	if !errors.Is(err, ErrTooManyCustom) || !strings.Contains(err.Error(), last) || strings.Contains(err.Error(), `"unspecified"`) {
		t.Fatalf("err = %v; want ErrTooManyCustom naming %q, not \"unspecified\"", err, last)
	}
	// With one custom trace text fewer, all fit, and the default is the
	// runtime's "unspecified" (0).
	pks, err := p.Resolve(append(groups[:len(groups)-2:len(groups)-2], groups[len(groups)-1])...)
	if err != nil {
		t.Fatal(err)
	}
	if tr := pks[len(pks)-1].Trace; tr.Custom || tr.Index != 0 {
		t.Fatalf("default trace reason %v, want the runtime's \"unspecified\" (0)", tr)
	}
}

// When an earlier Park lent "unspecified" to custom text, a custom wait
// text with no trace reason is refused with a hint to name one.
func TestDefaultTraceReasonLentEarlier(t *testing.T) {
	p := newParker(t)
	cat, err := Reasons()
	if err != nil {
		t.Fatal(err)
	}
	var groups []Group
	for i := range cat.TraceSlots {
		text := "trace text " + string(rune('a'+i))
		groups = append(groups, Group{Reason: "select", TraceReason: text, Count: 1})
	}
	pks, err := p.Park(context.Background(), groups...)
	if err != nil {
		t.Fatal(err)
	}
	var slots []int
	for _, pk := range pks {
		slots = append(slots, pk.Trace.Index)
	}
	if !slices.Equal(slots, cat.TraceSlots) {
		t.Fatalf("custom trace texts got slots %v, want all of %v", slots, cat.TraceSlots)
	}
	_, err = p.Resolve(Group{Reason: "waiting for godot", Count: 1})
	if err == nil || !strings.Contains(err.Error(), "give the group a trace reason") {
		t.Fatalf("err = %v, want a hint to give a trace reason", err)
	}
}
