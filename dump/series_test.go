package dump

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// liveDumps writes n dumps of this process at debug, one after another,
// and returns them with the goroutine count of each.
func liveDumps(t *testing.T, n int, debug Debug) ([]byte, []int) {
	t.Helper()
	var all bytes.Buffer
	var totals []int
	for range n {
		st, err := Write(&all, ProfileGoroutine, debug)
		if err != nil {
			t.Fatal(err)
		}
		totals = append(totals, st.Goroutines)
	}
	return all.Bytes(), totals
}

// readDumps runs ReadDumps on b, from a reader and from a file (mapped),
// checks both agree, and returns the totals.
func readDumps(t *testing.T, b []byte, atContext bool) ([]int, []*Summary) {
	t.Helper()
	fromReader, err := ReadDumps(bytes.NewReader(b), Options{}, atContext)
	if err != nil {
		t.Fatal(err)
	}
	f := tempFile(t, "dumps.txt", b)
	defer f.Close()
	fromFile, err := ReadDumps(f, Options{}, atContext)
	if err != nil {
		t.Fatal(err)
	}
	var totals, fileTotals []int
	for i := range fromReader {
		totals = append(totals, fromReader[i].Total)
	}
	for i := range fromFile {
		fileTotals = append(fileTotals, fromFile[i].Total)
	}
	if !reflect.DeepEqual(totals, fileTotals) {
		t.Errorf("dumps read from a reader %v, from a file %v", totals, fileTotals)
	}
	return totals, fromReader
}

func TestReadDumpsBackToBack(t *testing.T) {
	blockGoroutines(t, 5, 3, 0)
	for _, debug := range []Debug{DebugStacks, DebugCounts} {
		b, want := liveDumps(t, 3, debug)
		got, _ := readDumps(t, b, false)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("debug=%d: dumps of %v goroutines, want %v", debug, got, want)
		}
	}
}

// Dumps with context between them are added up, as ReadSummary adds them
// up, unless atContext.
func TestReadDumpsContext(t *testing.T) {
	blockGoroutines(t, 5, 0, 0)
	one, want := liveDumps(t, 1, 2)
	two, want2 := liveDumps(t, 1, 2)
	b := append(append(append([]byte{}, one...), "\nexit status 2\n$ ./app\n"...), two...)
	got, sums := readDumps(t, b, false)
	if len(got) != 1 || got[0] != want[0]+want2[0] || sums[0].Reading.Dumps != 2 {
		t.Errorf("without atContext: dumps %v (Reading.Dumps %d), want one of %d, 2 added up", got, sums[0].Reading.Dumps, want[0]+want2[0])
	}
	if got, _ := readDumps(t, b, true); !reflect.DeepEqual(got, []int{want[0], want2[0]}) {
		t.Errorf("with atContext: dumps %v, want %v", got, []int{want[0], want2[0]})
	}
}

// One dump reads as ReadSummary reads it.
func TestReadDumpsOneIsReadSummary(t *testing.T) {
	blockGoroutines(t, 5, 3, 2)
	b, _ := liveDumps(t, 1, 2)
	_, sums := readDumps(t, b, false)
	want, err := ReadSummary(bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || !reflect.DeepEqual(sums[0], want) {
		t.Errorf("ReadDumps: %d summaries, want one equal to ReadSummary's:\n%+v\n%+v", len(sums), sums, want)
	}
}

// BenchmarkReadDumps100k reads the dump of dump100k (ten dumps of 10k
// goroutines back to back) as ReadDumps does, from a stream: against
// ReadSummary100k/stream, the cost of finding the dumps.
func BenchmarkReadDumps100k(b *testing.B) {
	input := dump100k(b)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		sums, err := ReadDumps(bytes.NewReader(input), Options{Top: 10}, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(sums) != 10 {
			b.Fatalf("read %d dumps, want 10", len(sums))
		}
	}
}

// FuzzReadDumps feeds the fixtures, alone, twice back to back and twice
// with a line between, and mutations of them, to ReadDumps: it must not
// panic, must refuse what ReadSummary refuses, read one dump as
// ReadSummary does, lose no goroutine in splitting, and read a file as
// it reads a stream (or, when "goroutine 1 [" is not in it twice and its
// parts hold one dump, as ReadSummary reads it).
func FuzzReadDumps(f *testing.F) {
	for _, dir := range fixtureDirs(f) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".gz") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, false)
			f.Add(append(append([]byte{}, b...), b...), false)
			f.Add(append(append(append([]byte{}, b...), "\n$ again\n"...), b...), true)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, atContext bool) {
		want, werr := ReadSummary(bytes.NewReader(in), Options{})
		sums, err := ReadDumps(bytes.NewReader(in), Options{}, atContext)
		if (err == nil) != (werr == nil) {
			t.Fatalf("ReadDumps error %v, ReadSummary's %v", err, werr)
		}
		if err != nil {
			return
		}
		if len(sums) == 0 {
			t.Fatal("no summary and no error")
		}
		if len(sums) == 1 && !reflect.DeepEqual(sums[0], want) {
			t.Fatalf("one dump:\n got %s\nwant %s", brief(sums[0]), brief(want))
		}
		if len(sums) > 1 {
			total := 0
			for _, s := range sums {
				total += s.Total
			}
			if total != want.Matched {
				t.Fatalf("%d dumps of %d goroutines in all, ReadSummary read %d", len(sums), total, want.Matched)
			}
		}
		file := tempFile(t, "dumps", in)
		defer file.Close()
		mapped, err := ReadDumps(file, Options{}, atContext)
		if err != nil {
			t.Fatalf("from a file: %v", err)
		}
		if bytes.Count(in, []byte("goroutine 1 [")) < 2 && want.Reading.Dumps <= 1 {
			sums = []*Summary{want}
		}
		if !reflect.DeepEqual(mapped, sums) {
			t.Fatalf("from a file: %d dumps, want %d", len(mapped), len(sums))
		}
	})
}

// TestReadDumpsAgreesWithReference reads every fixture in every shape,
// alone, twice back to back and twice with a line between, with ReadDumps
// from a stream and from a mapped file (interned, cached, in parts, pages
// given back after every line) and with the reference parser and
// summariser split the same way: the same dumps, or the same error.
func TestReadDumpsAgreesWithReference(t *testing.T) {
	defer func(w int) { releaseWindow = w }(releaseWindow)
	releaseWindow = 1
	for name, b := range referenceInputs(t) {
		for _, in := range []struct {
			shape     string
			b         []byte
			atContext bool
		}{
			{"one", b, false},
			{"twice", append(append([]byte{}, b...), b...), false},
			{"twice with context", append(append(append([]byte{}, b...), "\n$ again\n"...), b...), true},
		} {
			want, werr := splitDumps(bytes.NewReader(in.b), Options{}, in.atContext, readOptions{plain: true})
			stream, err := ReadDumps(bytes.NewReader(in.b), Options{}, in.atContext)
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("%s, %s: stream: %v, reference: %v", name, in.shape, err, werr)
			}
			if werr != nil {
				continue
			}
			if !reflect.DeepEqual(stream, want) {
				t.Errorf("%s, %s: stream: %d dumps, reference %d; first\n got %s\nwant %s", name, in.shape, len(stream), len(want), brief(stream[0]), brief(want[0]))
			}
			f := tempFile(t, "dumps", in.b)
			mapped, err := ReadDumps(f, Options{}, in.atContext)
			f.Close()
			if err != nil {
				t.Fatalf("%s, %s: from a file: %v", name, in.shape, err)
			}
			if bytes.Count(in.b, []byte("goroutine 1 [")) < 2 && len(want) == 1 && want[0].Reading.Dumps > 1 {
				// Dumps added up, and the parts of the file found them
				// so: one summary, as ReadSummary's.
				one, err := streamSummary(bytes.NewReader(in.b), Options{}, readOptions{plain: true})
				if err != nil || !reflect.DeepEqual(mapped, []*Summary{one}) {
					t.Errorf("%s, %s: from a file: %d dumps, want ReadSummary's one: %v\n got %s\nwant %s", name, in.shape, len(mapped), err, brief(mapped[0]), brief(one))
				}
				continue
			}
			if !reflect.DeepEqual(mapped, want) {
				t.Errorf("%s, %s: from a file: %d dumps, reference %d; first\n got %s\nwant %s", name, in.shape, len(mapped), len(want), brief(mapped[0]), brief(want[0]))
			}
		}
	}
}
