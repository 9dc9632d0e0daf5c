package dump

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse feeds the fixtures, each also in the shapes of shapes_test.go
// (prefixed, indented, glued, coloured, gzipped, cut...), and mutations of
// them, to Parse: it must not panic, and what it accepts must be consistent
// and summarisable. The streaming reader, the parallel reader in parts
// and the mapped-file reader must agree with it.
func FuzzParse(f *testing.F) {
	for _, dir := range fixtureDirs(f) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if strings.HasSuffix(name, ".json") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			if strings.HasSuffix(name, ".gz") {
				continue
			}
			for _, sh := range textShapes() {
				f.Add(sh.f(b))
			}
			f.Add(b[:len(b)/2])
		}
	}
	// A census's JSON (parse_census.go), both shapes, as its package writes it.
	f.Add([]byte(`{"taken_at": "2026-12-01T15:52:05Z", "total": 2, "groups": [{"status": "waiting", "state": "chan receive", "count": 2, "start": {"func": "main.f", "file": "/a.go", "line": 3}, "created": {"func": "main.main", "file": "/a.go", "line": 9}, "labels": {"job": "w7"}, "max_age_ns": 120000000000, "aged": 1}]}`))
	f.Add([]byte(`{"taken_at": "2026-12-01T15:52:05Z", "goroutines": [{"id": 18, "status": "leaked", "state": "chan receive", "leaked": true, "age_ns": 61000000000, "age_known": true, "start": {"func": "main.f"}, "created": {"func": "main.main", "file": "/a.go", "line": 9}, "creator_id": 1}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := Parse(bytes.NewReader(in))
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned a snapshot and error %v", err)
			}
			return
		}
		switch s.Format {
		case FormatDebug2:
			if s.Total != len(s.Goroutines) || s.Total == 0 {
				t.Fatalf("debug2: total %d, %d goroutines", s.Total, len(s.Goroutines))
			}
		case FormatDebug1, FormatProto, FormatCensus:
			sum := 0
			for _, g := range s.Goroutines {
				sum += g.Count
			}
			if sum != s.Total {
				t.Fatalf("%s: counts add up to %d, total %d", s.Format, sum, s.Total)
			}
		default:
			t.Fatalf("unknown format %q", s.Format)
		}
		if s.Reading.Dumps < 1 || s.Reading.Damaged < 0 || s.Reading.ContextLines < 0 {
			t.Fatalf("reading %+v", s.Reading)
		}
		for _, g := range s.Goroutines {
			if g.Count < 0 || g.Minutes < 0 || g.ElidedFrames < 0 {
				t.Fatalf("negative field in %+v", g)
			}
		}
		sum := Summarize(s, Options{Top: 3})
		if _, err := json.Marshal(sum); err != nil {
			t.Fatal(err)
		}
		if err := sum.WriteText(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if err := sum.WriteColorText(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}

		// The other paths of ReadSummary read the same summary.
		want := Summarize(s, Options{})
		stream, err := ReadSummary(bytes.NewReader(in), Options{})
		if err != nil || !reflect.DeepEqual(stream, want) {
			t.Fatalf("streamed: %v\n got %s\nwant %s", err, brief(stream), brief(want))
		}
		parts, err := summarizeBytes(in, Options{}, 3)
		if err != nil || !reflect.DeepEqual(parts, want) {
			t.Fatalf("in 3 parts: %v\n got %s\nwant %s", err, brief(parts), brief(want))
		}
		path := filepath.Join(t.TempDir(), "dump")
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		mapped, err := ReadSummary(file, Options{})
		if err != nil || !reflect.DeepEqual(mapped, want) {
			t.Fatalf("from a file: %v\n got %s\nwant %s", err, brief(mapped), brief(want))
		}
	})
}

// brief is the start of a summary's JSON, for a failure message.
func brief(s *Summary) string {
	b, _ := json.Marshal(s)
	return string(clip(b, 600))
}
