package tracing

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenPrefix marks the fixtures' one block of ours (see oursFixture).
const goldenPrefix = "gsysint-demo/tracing.oursFixture"

// TestGolden pins the text and JSON that the trace command prints for each
// recorded fixture, byte for byte: the JSON schema is a promise (see the
// package documentation), and the tables are read by people who compare
// runs. After a deliberate change, or new fixtures, rewrite them with
//
//	go test -ldflags=-checklinkname=0 ./tracing -run Golden -update
//
// and read the diff before committing it.
func TestGolden(t *testing.T) {
	files := fixtures(t)
	if len(files) == 0 {
		t.Fatal("no testdata/*.trace; record them with -run TestUpdateFixture -update")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".trace")
		t.Run(name, func(t *testing.T) {
			s, err := SummarizeFile(file, Options{Top: DefaultTop, MarkFuncPrefix: goldenPrefix})
			if err != nil {
				t.Fatal(err)
			}
			var text, js bytes.Buffer
			if err := s.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := s.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", name+".txt"), text.Bytes())
			golden(t, filepath.Join("testdata", "golden", name+".json"), js.Bytes())
		})
	}
}

// golden compares got with the file at path, or with -update writes it.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -run Golden -update)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("output differs from %s at line %d:\n got: %q\nwant: %q\n(if the change is meant, rewrite it with -run Golden -update)\nall of it:\n%s", path, i+1, g, w, got)
			return
		}
	}
}
