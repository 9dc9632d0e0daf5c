package series

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gsysint-demo/dump"
)

var update = flag.Bool("update", false, "rewrite testdata/golden (-run Golden) afresh")

// goldenSeries is a series of three dumps, its groups growing, shrinking,
// new and gone, one a leak suspect.
func goldenSeries() *Series {
	sums := []*dump.Summary{
		summary(dump.FormatDebug2, map[string]int{"grows": 1, "gone": 2, "same": 3}),
		summary(dump.FormatDebug2, map[string]int{"grows": 2, "same": 3, "shrinks": 4}),
		summary(dump.FormatDebug2, map[string]int{"grows": 4, "same": 3, "shrinks": 1, "new": 1}),
	}
	dumps := []Dump{{Name: "g-0001.txt"}, {Name: "g-0002.txt"}, {Name: "g-0003.txt"}}
	for i, s := range sums {
		dumps[i].Format, dumps[i].Total = s.Format, s.Total
	}
	return Build(dumps, sums, Options{Window: 2})
}

// goldenMerged is two sources and one that failed.
func goldenMerged() *Merged {
	m := NewMerger([]Source{{Name: "api", Input: "api.txt"}, {Name: "db", Input: "db.txt"}, {Name: "down", Input: "http://127.0.0.1:1/"}})
	m.Add(0, summary(dump.FormatDebug2, map[string]int{"chan receive": 3, "running": 1}), 1)
	m.Add(1, summary(dump.FormatDebug2, map[string]int{"chan receive": 2, "select": 5}), 1)
	m.Fail(2, os.ErrDeadlineExceeded)
	return m.Merged(0)
}

// goldenWide is more sources than the text has columns for.
func goldenWide() *Merged {
	var sources []Source
	for i := range maxColumns + 2 {
		sources = append(sources, Source{Name: fmt.Sprintf("svc-%d", i), Input: fmt.Sprintf("svc-%d.txt", i)})
	}
	m := NewMerger(sources)
	for i := range sources {
		m.Add(i, summary(dump.FormatDebug2, map[string]int{"chan receive": i + 1, "running": 1}), 1)
	}
	return m.Merged(0)
}

// The JSON and text of a series and a merged view: one producer each,
// pinned (go test -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"series.json", func(b *bytes.Buffer) error { return jsonOf(b, goldenSeries()) }},
		{"series.txt", func(b *bytes.Buffer) error { return goldenSeries().WriteText(b, 0) }},
		{"change.txt", func(b *bytes.Buffer) error { return goldenSeries().WriteChange(b, "dump 1") }},
		{"merged.json", func(b *bytes.Buffer) error { return jsonOf(b, goldenMerged()) }},
		{"merged.txt", func(b *bytes.Buffer) error { return goldenMerged().WriteText(b) }},
		{"merged-wide.txt", func(b *bytes.Buffer) error { return goldenWide().WriteText(b) }},
	} {
		var got bytes.Buffer
		if err := c.write(&got); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", c.name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -run Golden -update writes it)", err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs from %s (go test -run Golden -update rewrites it):\n%s", c.name, path, got.String())
		}
	}
}

func jsonOf(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
