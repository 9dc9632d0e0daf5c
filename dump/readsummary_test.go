package dump

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// textFixtures returns the debug=2 and crash text fixtures of every
// fixture directory.
func textFixtures(t *testing.T) []string {
	var paths []string
	for _, dir := range fixtureDirs(t) {
		for _, pattern := range []string{"*.debug2.txt", "panic.txt", "deadlock.txt", "system.txt", "mapwrites.txt"} {
			m, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, m...)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no text fixtures")
	}
	return paths
}

// TestSummarizeInParts checks that summarising debug=2 text in parts, in
// parallel, and merging the parts gives what one pass gives.
func TestSummarizeInParts(t *testing.T) {
	opts := []Options{{}, {Top: 2}, {Match: regexp.MustCompile(`chan|sync\.|runtime\.gopark`)}}
	split := false
	for _, path := range textFixtures(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		snap := parseFile(t, path)
		for parts := 1; parts <= 6; parts++ {
			if len(splitDebug2(b, parts)) == parts && parts > 1 {
				split = true
			}
			for _, opt := range opts {
				got, err := summarizeBytes(b, opt, parts)
				if err != nil {
					t.Fatalf("%s in %d parts: %v", path, parts, err)
				}
				if want := Summarize(snap, opt); !reflect.DeepEqual(got, want) {
					t.Errorf("%s in %d parts, %+v:\n got %+v\nwant %+v", path, parts, opt, got, want)
				}
			}
		}
	}
	if !split {
		t.Error("no fixture was cut into parts: the test compared one pass with itself")
	}
}

// TestSplitDebug2 checks that every cut is at a goroutine header.
func TestSplitDebug2(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDirs(t)[0], "blocked.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	starts := splitDebug2(b, 5)
	if len(starts) != 5 || starts[0] != 0 {
		t.Fatalf("starts %v: want 5, from 0", starts)
	}
	for i, s := range starts[1:] {
		if s <= starts[i] || !bytes.HasPrefix(b[s:], []byte("goroutine ")) || string(b[s-2:s]) != "\n\n" {
			t.Errorf("cut %d at %d: %q", i+1, s, clip(b[s:], 30))
		}
	}
}

// TestSummarizeInPartsErrorLine checks that an error in a later part
// names the line of the whole input, as one pass does: a line longer than
// maxLine in the last goroutine.
func TestSummarizeInPartsErrorLine(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDirs(t)[0], "blocked.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(b, []byte("\n\ngoroutine ")) + 2
	j := i + bytes.IndexByte(b[i:], '\n') + 1
	long := append(bytes.Repeat([]byte("x"), maxLine+1), '\n')
	bad := slices.Concat(b[:j], long, b[j:])
	_, want := Parse(bytes.NewReader(bad))
	if want == nil || !strings.Contains(want.Error(), "is longer than") {
		t.Fatalf("Parse: %v, want a line too long", want)
	}
	_, got := summarizeBytes(bad, Options{}, 4)
	if got == nil || got.Error() != want.Error() {
		t.Errorf("in 4 parts: %v\nwant %v", got, want)
	}
}

// TestReadSummaryShrunkFile checks that a mapped file cut short by another
// process gives an error, not a crash: reading the lost pages faults.
func TestReadSummaryShrunkFile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(fixtureDirs(t)[0], "blocked.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := tempFile(t, "dump.txt", src)
	defer f.Close()
	b, unmap, _, ok := mapFile(f)
	if !ok {
		t.Skip("files are not mapped on this system")
	}
	defer unmap()
	if err := os.Truncate(f.Name(), 0); err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{1, 3} {
		if _, err := summarizeBytes(b, Options{}, parts); !errors.Is(err, errFileChanged) {
			t.Errorf("in %d parts: %v, want %v", parts, err, errFileChanged)
		}
	}
}

// TestReadSummaryFileOffset checks that a file is read from its offset on,
// like any reader, and left at its end.
func TestReadSummaryFileOffset(t *testing.T) {
	dir := fixtureDirs(t)[0]
	first, err := os.ReadFile(filepath.Join(dir, "blocked.debug1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(filepath.Join(dir, "labels.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := tempFile(t, "two.txt", append(first, second...))
	defer f.Close()
	if _, err := f.Seek(int64(len(first)), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSummary(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadSummary(bytes.NewReader(second), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the offset:\n got %+v\nwant %+v", got, want)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != int64(len(first)+len(second)) {
		t.Errorf("offset %d after ReadSummary, want the end, %d", off, len(first)+len(second))
	}
}

// TestSummarizerMerge checks, on generated goroutines, that summarising
// two halves and merging them equals summarising the whole, for every cut.
func TestSummarizerMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	gs := make([]*Goroutine, 60)
	for i := range gs {
		g := &Goroutine{ID: int64(i + 1), Count: 1 + rng.IntN(2),
			State: pick("chan receive", "select", "sync.Mutex.Lock", ""), Minutes: rng.IntN(9),
			Leaked: rng.IntN(5) == 0, CreatedBy: pick("main.main", "main.spawn", "")}
		for range rng.IntN(3) {
			g.Frames = append(g.Frames, Frame{Func: pick("main.a", "main.b", "runtime.gopark")})
		}
		if rng.IntN(2) == 0 {
			g.Labels = map[string]string{"job": pick("w1", "w2")}
		}
		gs[i] = g
	}
	snap := &Snapshot{Format: FormatDebug2, Total: len(gs), Goroutines: gs}
	for _, opt := range []Options{{}, {Top: 3}} {
		want := Summarize(snap, opt)
		for cut := range len(gs) + 1 {
			z1, z2 := newSummarizer(opt), newSummarizer(opt)
			for _, g := range gs[:cut] {
				z1.add(g)
			}
			for _, g := range gs[cut:] {
				z2.add(g)
			}
			z1.merge(z2)
			if got := z1.finish(snap); !reflect.DeepEqual(got, want) {
				t.Fatalf("cut at %d, %+v:\n got %+v\nwant %+v", cut, opt, got, want)
			}
		}
	}
}

// TestSummarizeInPartsLongPreamble checks input whose preamble (a
// service's log before the crash) is most of it: no part may be preamble
// alone.
func TestSummarizeInPartsLongPreamble(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join(fixtureDirs(t)[0], "panic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b := append(bytes.Repeat([]byte("2026/11/25 05:00:00 log line before the crash\n"), 20000), dump...)
	want := Summarize(parseBytesForTest(t, b), Options{})
	for parts := 1; parts <= 4; parts++ {
		got, err := summarizeBytes(b, Options{}, parts)
		if err != nil {
			t.Fatalf("in %d parts: %v", parts, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("in %d parts:\n got %+v\nwant %+v", parts, got, want)
		}
	}
}

func parseBytesForTest(t *testing.T, b []byte) *Snapshot {
	t.Helper()
	s, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
