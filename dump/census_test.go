package dump_test

import (
	"bytes"
	"context"
	"testing"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/park"
)

// A census protobuf, both shapes, reads back with the states a census
// records and the goroutine profile's protobuf lacks; per goroutine, with
// the ids and creators too.
func TestCensusProtoReadsBack(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if _, err := p.Park(context.Background(), park.Group{Reason: "waiting for godot", Count: 3}, park.Group{Reason: "select", Count: 2}); err != nil {
		t.Fatal(err)
	}
	s, err := census.Take()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	ids := map[int64]uint64{}
	for _, g := range s.Goroutines {
		want[g.State]++
		ids[int64(g.ID)] = g.CreatorID
	}
	for _, shape := range []string{"groups", "goroutines"} {
		var b bytes.Buffer
		if shape == "groups" {
			err = s.Group().WriteProto(&b)
		} else {
			err = s.WriteProto(&b)
		}
		if err != nil {
			t.Fatal(err)
		}
		snap, err := dump.Parse(&b)
		if err != nil {
			t.Fatalf("%s: %v", shape, err)
		}
		got := map[string]int{}
		for _, g := range snap.Goroutines {
			got[g.State] += g.Count
			if _, ok := g.Labels["go::goroutine_state"]; ok {
				t.Errorf("%s: the state label is still among the labels: %v", shape, g.Labels)
			}
			if shape == "goroutines" {
				creator, ok := ids[g.ID]
				if !ok || uint64(g.CreatedByGoroutine) != creator {
					t.Errorf("goroutine %d read back with creator %d; the census has it %v with creator %d", g.ID, g.CreatedByGoroutine, ok, creator)
				}
			}
		}
		for state, n := range want {
			if got[state] != n {
				t.Errorf("%s: %d goroutines in %q read back, the census has %d", shape, got[state], state, n)
			}
		}
		if got["waiting for godot"] != 3 || got["select"] < 2 {
			t.Errorf("%s: states read back %v", shape, got)
		}
	}
}
