package dump_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
				// Its stack: the start function, then the creation site,
				// as the census protobuf's two locations.
				if g.Labels["job"] != "json" || len(g.Frames) != 2 || !strings.HasPrefix(g.Frames[0].Func, "gsysint-demo/park.") ||
					g.Frames[1] != (dump.Frame{Func: g.CreatedBy, File: g.CreatedByFile, Line: g.CreatedByLine}) || g.CreatedByFile == "" {
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

// Censuses one after another (park --profile census --json --dumps N on
// stdout), by group or per goroutine, indented or on one line each, are
// told apart by ReadDumps at each document's end: one dump per census,
// from a stream, a mapped file and gzipped; ReadSummary adds them up and
// says how many it added.
func TestCensusJSONSeries(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	const reason = "waiting for the census series"
	for _, shape := range []string{"groups", "goroutines"} {
		for _, compact := range []bool{false, true} {
			var stream bytes.Buffer
			var want []int   // the parked group's count in each census
			var totals []int // each census read alone
			for range 3 {
				// One more goroutine in the group before each census.
				if _, err := p.Park(context.Background(), park.Group{Reason: reason, Count: 1}); err != nil {
					t.Fatal(err)
				}
				s, err := census.Take()
				if err != nil {
					t.Fatal(err)
				}
				var doc bytes.Buffer
				if shape == "groups" {
					err = s.Group().WriteJSON(&doc)
				} else {
					err = s.WriteJSON(&doc)
				}
				if err != nil {
					t.Fatal(err)
				}
				if compact {
					var c bytes.Buffer
					if err := json.Compact(&c, doc.Bytes()); err != nil {
						t.Fatal(err)
					}
					// No newline between: a document ends where its JSON does.
					doc = c
				}
				one, err := dump.Parse(bytes.NewReader(doc.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, g := range one.Goroutines {
					if g.State == reason {
						n += g.Count
					}
				}
				want = append(want, n)
				totals = append(totals, one.Total)
				stream.Write(doc.Bytes())
			}
			if want[2] != want[0]+2 {
				t.Fatalf("%s: the censuses count %v goroutines %q: want one more in each", shape, want, reason)
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(stream.Bytes())
			zw.Close()
			path := filepath.Join(t.TempDir(), "censuses.json")
			if err := os.WriteFile(path, stream.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, in := range []struct {
				name string
				r    io.Reader
			}{{"stream", bytes.NewReader(stream.Bytes())}, {"file", f}, {"gzipped", &gz}} {
				what := fmt.Sprintf("%s, compact %v, %s", shape, compact, in.name)
				sums, err := dump.ReadDumps(in.r, dump.Options{}, false)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if len(sums) != 3 {
					t.Fatalf("%s: %d dumps read from 3 censuses", what, len(sums))
				}
				for i, s := range sums {
					got := 0
					for _, row := range s.States {
						if row.State == reason {
							got = row.Count
						}
					}
					if s.Format != dump.FormatCensus || s.Total != totals[i] || got != want[i] || s.Reading.Dumps != 1 {
						t.Errorf("%s: dump %d: format %q, %d goroutines, %d %q, of %d dumps; want census, %d, %d, of 1",
							what, i+1, s.Format, s.Total, got, reason, s.Reading.Dumps, totals[i], want[i])
					}
				}
			}
			sum, err := dump.ReadSummary(bytes.NewReader(stream.Bytes()), dump.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Reading.Dumps != 3 || sum.Total != totals[0]+totals[1]+totals[2] {
				t.Errorf("%s: ReadSummary: %d goroutines in %d dumps; want %d in 3", shape, sum.Total, sum.Reading.Dumps, totals[0]+totals[1]+totals[2])
			}

			// Cut inside the third census: the two whole ones are read,
			// and the summary says where the input ends.
			cut := stream.Bytes()[:stream.Len()-10]
			sums, err := dump.ReadDumps(bytes.NewReader(cut), dump.Options{}, false)
			if err != nil || len(sums) != 2 || sums[1].Total != totals[1] {
				t.Errorf("%s: cut in census 3: %d dumps (%v); want the 2 whole ones", shape, len(sums), err)
			}
			sum, err = dump.ReadSummary(bytes.NewReader(cut), dump.Options{})
			if err != nil || sum.Reading.Dumps != 2 || !strings.Contains(sum.Reading.Cut, "census 3") {
				t.Errorf("%s: ReadSummary of a cut in census 3: %v, %+v; want 2 dumps and the cut named", shape, err, sum.Reading)
			}
		}
	}
}

// After a census, anything but another census is refused, naming which
// document it is.
func TestCensusJSONSeriesRefused(t *testing.T) {
	s, err := census.Take()
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	if err := s.Group().WriteJSON(&doc); err != nil {
		t.Fatal(err)
	}
	for _, after := range []string{`{"dumps": []}`, "goroutine 1 [running]:\n", `{"taken_at": "2026-01-01T00:00:00Z", "groups": [{"state": "select", "count": 0}]}`} {
		in := doc.String() + after
		_, err := dump.ReadDumps(strings.NewReader(in), dump.Options{}, false)
		if err == nil || !strings.Contains(err.Error(), "census 2 of the input") {
			t.Errorf("a census, then %q: %v; want an error naming census 2", after, err)
		}
	}
}

// ReadDumps of census JSON agrees with Parse, whatever the bytes: one dump
// per census Parse read, their totals adding up to Parse's. The seeds are
// censuses of this process, by group and per goroutine, one after another.
func FuzzReadDumpsCensus(f *testing.F) {
	s, err := census.Take()
	if err != nil {
		f.Fatal(err)
	}
	var groups, each bytes.Buffer
	if err := s.Group().WriteJSON(&groups); err != nil {
		f.Fatal(err)
	}
	if err := s.WriteJSON(&each); err != nil {
		f.Fatal(err)
	}
	f.Add(append(slices.Clone(groups.Bytes()), each.Bytes()...))
	f.Add(append(append(slices.Clone(each.Bytes()), groups.Bytes()...), groups.Bytes()[:groups.Len()/2]...))
	f.Fuzz(func(t *testing.T, in []byte) {
		snap, perr := dump.Parse(bytes.NewReader(in))
		if perr != nil || snap.Format != dump.FormatCensus {
			return
		}
		sums, err := dump.ReadDumps(bytes.NewReader(in), dump.Options{}, false)
		if err != nil {
			t.Fatalf("Parse read %d censuses, ReadDumps failed: %v", snap.Reading.Dumps, err)
		}
		total := 0
		for _, s := range sums {
			if s.Format != dump.FormatCensus {
				t.Fatalf("a dump of census input read as %q", s.Format)
			}
			total += s.Total
		}
		if len(sums) != snap.Reading.Dumps || total != snap.Total {
			t.Fatalf("ReadDumps: %d dumps of %d goroutines; Parse: %d censuses of %d", len(sums), total, snap.Reading.Dumps, snap.Total)
		}
	})
}
