package dump_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
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

// A census's JSON, both shapes, reads back through Parse and through
// ReadSummary of a file (mapped, the way report reads a named file).
func TestCensusJSONReadsBack(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if _, err := p.Park(context.Background(), park.Group{Reason: "waiting for godot", Count: 3, Labels: map[string]string{"job": "json"}}); err != nil {
		t.Fatal(err)
	}
	s, err := census.Take()
	if err != nil {
		t.Fatal(err)
	}
	for _, shape := range []string{"groups", "goroutines"} {
		var b bytes.Buffer
		if shape == "groups" {
			err = s.Group().WriteJSON(&b)
		} else {
			err = s.WriteJSON(&b)
		}
		if err != nil {
			t.Fatal(err)
		}
		snap, err := dump.Parse(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", shape, err)
		}
		if snap.Format != dump.FormatCensus || snap.Total != len(s.Goroutines) {
			t.Errorf("%s: format %q, %d goroutines; want %q and the census's %d", shape, snap.Format, snap.Total, dump.FormatCensus, len(s.Goroutines))
		}
		n := 0
		for _, g := range snap.Goroutines {
			if g.State == "waiting for godot" {
				n += g.Count
				if g.Labels["job"] != "json" || len(g.Frames) != 1 || g.CreatedBy == "" || g.CreatedByFile == "" {
					t.Errorf("%s: a parked goroutine read back as %+v", shape, g)
				}
			}
		}
		if n != 3 {
			t.Errorf("%s: %d goroutines waiting for godot read back, parked 3", shape, n)
		}

		path := filepath.Join(t.TempDir(), "census.json")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := dump.ReadSummary(f, dump.Options{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: ReadSummary of a file: %v", shape, err)
		}
		found := false
		for _, row := range sum.States {
			if row.State == "waiting for godot" && row.Count == 3 && !row.FromLabel {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: ReadSummary of a file has no state row of 3 waiting for godot: %+v", shape, sum.States)
		}
	}
	// An object that starts like a census but is none is refused, naming what is wanted.
	if _, err := dump.Parse(strings.NewReader(`{"taken_at": "2026-01-01T00:00:00Z"}`)); err == nil || !strings.Contains(err.Error(), "--profile census --json") {
		t.Errorf("a census JSON without groups or goroutines: %v", err)
	}
}
