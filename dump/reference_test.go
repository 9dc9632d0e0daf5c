package dump

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The reference reader is the plain parser and summariser: no interning,
// no last-value caches, no frame arena (intern.go, summary_cache.go), one
// pass over a stream. Each fast path must read what it reads.

// parseReference parses b with the reference parser.
func parseReference(b []byte) (*Snapshot, error) {
	return parse(bytes.NewReader(b), nil, readOptions{plain: true})
}

// summarizeReference summarises s with the reference summariser.
func summarizeReference(s *Snapshot, opt Options) *Summary {
	z := newSummarizer(opt)
	z.plain = true
	for _, g := range s.Goroutines {
		z.add(g)
	}
	return z.finish(s)
}

// referenceInputs returns every fixture (named by its path) and, for the
// text fixtures, each of the shapes of shapes_test.go.
func referenceInputs(t *testing.T) map[string][]byte {
	inputs := map[string][]byte{}
	for _, dir := range fixtureDirs(t) {
		files, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, ".json") {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			inputs[path] = b
			if strings.HasSuffix(path, ".gz") {
				continue
			}
			for _, sh := range textShapes() {
				inputs[path+"/"+sh.name] = sh.f(b)
			}
		}
	}
	return inputs
}

// fastPaths are the ways ReadSummary and Parse may read an input, each
// named for the optimisation it adds to the reference.
var fastPaths = []struct {
	name string
	read func(t *testing.T, b []byte, opt Options) (*Summary, error)
}{
	{"interned+cached", func(t *testing.T, b []byte, opt Options) (*Summary, error) {
		s, err := Parse(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return Summarize(s, opt), nil
	}},
	{"stream", func(t *testing.T, b []byte, opt Options) (*Summary, error) {
		return ReadSummary(bytes.NewReader(b), opt)
	}},
	{"parts-2", func(t *testing.T, b []byte, opt Options) (*Summary, error) { return summarizeBytes(b, opt, 2) }},
	{"parts-5", func(t *testing.T, b []byte, opt Options) (*Summary, error) { return summarizeBytes(b, opt, 5) }},
	{"mapped-file", func(t *testing.T, b []byte, opt Options) (*Summary, error) {
		return readFile(t, b, opt)
	}},
}

// tempFile writes b to a file named name in a new temporary directory and
// opens it for reading: the caller closes it. Files are what the readers
// map (mapfile_*.go).
func tempFile(t testing.TB, name string, b []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readFile writes b to a file and reads it back with ReadSummary (mapped,
// where the system allows).
func readFile(t testing.TB, b []byte, opt Options) (*Summary, error) {
	f := tempFile(t, "dump", b)
	defer f.Close()
	return ReadSummary(f, opt)
}

// TestFastPathsAgreeWithReference reads every fixture in every shape with
// the reference reader and with each fast path: the same snapshot (Parse
// with interning and arena), the same summary (every path), or the same
// error.
func TestFastPathsAgreeWithReference(t *testing.T) {
	opts := []Options{{}, {Top: 2}, {Match: regexp.MustCompile(`chan|sync\.|runtime\.gopark`)}}
	for name, b := range referenceInputs(t) {
		ref, refErr := parseReference(b)
		fast, err := Parse(bytes.NewReader(b))
		if (err == nil) != (refErr == nil) || err != nil && err.Error() != refErr.Error() {
			t.Fatalf("%s: Parse: %v, reference: %v", name, err, refErr)
		}
		if refErr != nil {
			continue
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Errorf("%s: interned snapshot differs from the reference:\n got %+v\nwant %+v", name, fast, ref)
		}
		for _, opt := range opts {
			want := summarizeReference(ref, opt)
			stream, err := streamSummary(bytes.NewReader(b), opt, readOptions{plain: true})
			if err != nil || !reflect.DeepEqual(stream, want) {
				t.Errorf("%s: the reference streamed differs from the reference in memory: %v\n got %s\nwant %s", name, err, brief(stream), brief(want))
			}
			for _, p := range fastPaths {
				got, err := p.read(t, b, opt)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %+v: %s: %v\n got %s\nwant %s", name, opt, p.name, err, brief(got), brief(want))
				}
			}
		}
	}
}

// TestMappedFileReleasedAsRead reads every fixture in every shape from a
// mapped file whose pages are given back after every line (see
// releaseWindow): the same summaries as the reference.
func TestMappedFileReleasedAsRead(t *testing.T) {
	defer func(w int) { releaseWindow = w }(releaseWindow)
	releaseWindow = 1
	for name, b := range referenceInputs(t) {
		ref, err := parseReference(b)
		if err != nil {
			continue
		}
		want := summarizeReference(ref, Options{})
		for _, parts := range []int{1, 3} {
			f := tempFile(t, "dump", b)
			m, unmap, release, ok := mapFile(f)
			f.Close()
			if !ok {
				t.Skip("files are not mapped on this system")
			}
			got, err := summarizeIn(m, Options{}, parts, release)
			unmap()
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s in %d parts, released as read: %v\n got %s\nwant %s", name, parts, err, brief(got), brief(want))
			}
		}
	}
}
