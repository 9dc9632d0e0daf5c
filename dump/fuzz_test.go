package dump

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the fixtures, and mutations of them, to Parse: it must
// not panic, and what it accepts must be consistent and summarisable.
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
		}
	}
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
		case FormatDebug1, FormatProto:
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
	})
}
