package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gsysint-demo/series"
)

// censusDoc is what these tests read of one census JSON document, either
// shape, to know what report should find in it.
type censusDoc struct {
	Groups []struct {
		State string `json:"state"`
		Count int    `json:"count"`
	} `json:"groups"`
	Goroutines []struct {
		State string `json:"state"`
	} `json:"goroutines"`
}

// censusCounts decodes the census JSON documents in b, one after another,
// and returns each one's goroutines and those in state.
func censusCounts(t *testing.T, b []byte, state string) (totals, inState []int) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var d censusDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return totals, inState
		}
		if err != nil {
			t.Fatalf("census %d: not JSON: %v\n%s", len(totals)+1, err, clip(string(b), 1000))
		}
		total, n := 0, 0
		for _, g := range d.Groups {
			total += g.Count
			if g.State == state {
				n += g.Count
			}
		}
		for _, g := range d.Goroutines {
			total++
			if g.State == state {
				n++
			}
		}
		totals, inState = append(totals, total), append(inState, n)
	}
}

// wantCensusSeries checks a series read from park's censuses: one dump per
// census, each census's goroutines as the dump's total and the latest as
// the series' total, and park's group, keyed by its two-frame stack (start
// function, creation site), counted as the censuses count it.
func wantCensusSeries(t *testing.T, what string, s series.Series, totals, parked []int, state string) {
	t.Helper()
	var got []int
	for _, d := range s.Dumps {
		got = append(got, d.Total)
		if d.Format != "census" {
			t.Errorf("%s: dump %s read as %q, want census", what, d.Name, d.Format)
		}
	}
	if !slices.Equal(got, totals) || s.Total != totals[len(totals)-1] {
		t.Errorf("%s: series of totals %v, total %d; want the censuses' %v, the last", what, got, s.Total, totals)
	}
	var g *series.GroupSeries
	for i := range s.Groups {
		f := s.Groups[i].Frames
		if s.Groups[i].State == state && len(f) == 2 && strings.HasPrefix(f[0].Func, "gsysint-demo/park.") && strings.HasPrefix(f[1].Func, "gsysint-demo/park.") {
			if g != nil {
				t.Fatalf("%s: park's goroutines in two groups: %+v and %+v", what, *g, s.Groups[i])
			}
			g = &s.Groups[i]
		}
	}
	if g == nil {
		t.Fatalf("%s: no group [%s] with park's start function and creation site: %+v", what, state, s.Groups)
	}
	wantCounts(t, what, *g, parked, series.Same)
}

// park's census JSON on stdout, three censuses one after another, by group
// and per goroutine, is a series of three, from a file and from a pipe.
func TestSeriesCensusParkStdout(t *testing.T) {
	t.Parallel()
	const state = "waiting for godot"
	for _, shape := range [][]string{{}, {"--per-goroutine"}} {
		args := append([]string{"park", "--profile", "census", "--json", "--dumps", "3", "--interval", "10ms", "-r", state, "-n", "2"}, shape...)
		r := gsys(t, args...)
		wantExit(t, r, 0)
		totals, parked := censusCounts(t, []byte(r.stdout), state)
		if len(totals) != 3 || !slices.Equal(parked, []int{2, 2, 2}) {
			t.Fatalf("%s: %d censuses on stdout, %v goroutines %q in them; want 3 of 2:\n%v", strings.Join(args, " "), len(totals), parked, state, r)
		}
		path := filepath.Join(t.TempDir(), "census.json")
		if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("census %v", shape)
		wantCensusSeries(t, what+" file", reportSeries(t, path), totals, parked, state)

		// The same from a pipe.
		in := execute(t, nil, strings.NewReader(r.stdout), "", bin, "report", "--json")
		wantExit(t, in, 0)
		var s series.Series
		if err := json.Unmarshal([]byte(in.stdout), &s); err != nil || s.Dumps == nil {
			t.Fatalf("%s from stdin: not a series (%v):\n%s", what, err, clip(in.stdout, 2000))
		}
		wantCensusSeries(t, what+" pipe", s, totals, parked, state)
	}
}

// A directory of park's censuses (census-0001.json, ... or .pb.gz) is a
// series in park's order; the JSON and the protobuf of a census give park's
// group the same stack, so they compare group for group; a directory of
// census tables, which report does not read, is refused saying so.
func TestSeriesCensusDirectory(t *testing.T) {
	t.Parallel()
	const state = "chan receive"
	dirJSON, dirProto, dirTable := t.TempDir(), t.TempDir(), t.TempDir()
	r := gsys(t, "park", "--profile", "census", "--json", "-o", dirJSON, "--dumps", "3", "--interval", "10ms", "-r", state, "-n", "3")
	wantExit(t, r, 0)
	var all []byte
	for n := 1; n <= 3; n++ {
		b, err := os.ReadFile(filepath.Join(dirJSON, fmt.Sprintf("census-%04d.json", n)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	totals, parked := censusCounts(t, all, state)
	s := reportSeries(t, dirJSON)
	wantCensusSeries(t, "directory of census JSON", s, totals, parked, state)
	for i, d := range s.Dumps {
		if want := filepath.Join(dirJSON, fmt.Sprintf("census-%04d.json", i+1)); d.Name != want {
			t.Errorf("dump %d is %s, want %s", i+1, d.Name, want)
		}
	}

	r = gsys(t, "park", "--profile", "census", "--debug", "0", "-o", dirProto, "--dumps", "2", "--interval", "10ms", "-r", state, "-n", "3")
	wantExit(t, r, 0)
	p := reportSeries(t, dirProto)
	if len(p.Dumps) != 2 || p.ComparedOn != "state and stack" {
		t.Errorf("directory of census protobufs: %d dumps compared on %q; want 2 on state and stack", len(p.Dumps), p.ComparedOn)
	}
	mixed := reportSeries(t, filepath.Join(dirJSON, "census-0003.json"), filepath.Join(dirProto, "census-0001.pb.gz"))
	g := parkedCensusGroups(mixed.Groups, state)
	if len(g) != 1 || !slices.Equal(g[0].Counts, []int{3, 3}) {
		t.Errorf("census JSON then protobuf: park's groups %+v; want one, counted 3 in each", g)
	}

	r = gsys(t, "park", "--profile", "census", "-o", dirTable, "--dumps", "1", "-n", "1")
	wantExit(t, r, 0)
	r = gsys(t, "report", dirTable)
	wantExit(t, r, 2)
	if want := "holds census tables (census-0001.txt), which report does not read: want park --profile census --json or --debug 0"; !strings.Contains(r.stderr, want) || r.stdout != "" {
		t.Errorf("report on a directory of census tables: want %q on stderr alone:\n%v", want, r)
	}
}

// parkedCensusGroups returns the groups in state whose stack starts in
// package park.
func parkedCensusGroups(groups []series.GroupSeries, state string) []series.GroupSeries {
	var out []series.GroupSeries
	for _, g := range groups {
		if g.State == state && len(g.Frames) > 0 && strings.HasPrefix(g.Frames[0].Func, "gsysint-demo/park.") {
			out = append(out, g)
		}
	}
	return out
}
