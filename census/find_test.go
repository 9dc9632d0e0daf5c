package census_test

import (
	"context"
	"math"
	"testing"

	"gsysint-demo/census"
	"gsysint-demo/park"
)

// Find gives each goroutine park parked the record Take gives it, its real
// park time included, and nothing for an id no goroutine has.
func TestFind(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Park(context.Background(), park.Group{Reason: "waiting for godot", Count: 3, Labels: map[string]string{"job": "find"}}); err != nil {
		p.Release()
		t.Fatal(err)
	}
	defer p.Release()
	s, err := census.Take(census.WithParkTimes(p))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, want := range s.Goroutines {
		if want.State != "waiting for godot" {
			continue
		}
		found++
		g, h, err := census.Find(want.ID, census.WithParkTimes(p))
		if err != nil {
			t.Fatal(err)
		}
		if g == nil {
			t.Fatalf("Find(%d): nothing, want the goroutine Take saw: %+v", want.ID, want)
		}
		if h.Total == 0 {
			t.Errorf("Find(%d): its header counts no goroutines", want.ID)
		}
		if g.ID != want.ID || g.Status != want.Status || g.State != want.State || g.Start != want.Start ||
			g.Created != want.Created || g.CreatorID != want.CreatorID || g.Labels.String() != want.Labels.String() ||
			g.System != want.System || g.AgeKnown != want.AgeKnown {
			t.Errorf("Find(%d) = %+v\nTake saw    %+v", want.ID, g, want)
		}
		if !g.ParkedKnown || g.Parked < want.Parked {
			t.Errorf("Find(%d): parked %v (known %v), want at least Take's %v, later", want.ID, g.Parked, g.ParkedKnown, want.Parked)
		}
		if g.Labels.Map()["job"] != "find" {
			t.Errorf("Find(%d): labels %v, want job=find", want.ID, g.Labels)
		}
	}
	if found != 3 {
		t.Fatalf("Take saw %d goroutines waiting for godot, want the 3 parked", found)
	}
	if g, _, err := census.Find(math.MaxUint64); err != nil || g != nil {
		t.Errorf("Find(MaxUint64) = %+v, %v: want nothing", g, err)
	}
}
