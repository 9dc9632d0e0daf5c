package dump

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
)

// The benchmarks pair each fast path with the reference it replaces, as
// sub-benchmarks of one run, so that `go test -bench X -count N`
// interleaves them. Besides wall time, each reports cpu-ns/op, the CPU
// time of the whole process (GC included) per operation: on a shared
// machine, wall time measures the neighbours as much as the code.

const benchGoroutines = 10_000

// loop runs op b.N times and reports cpu-ns/op.
func loop(b *testing.B, op func()) {
	b.Helper()
	start := processCPU(b)
	n := 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(processCPU(b)-start)/float64(n), "cpu-ns/op")
}

// BenchmarkWriteGoroutineText dumps 10k goroutines with the buffer kept
// between dumps (textbuf.go) and with it released after each, as if it
// were never kept.
func BenchmarkWriteGoroutineText(b *testing.B) {
	blockGoroutines(b, benchGoroutines, 0, 0)
	for _, release := range []bool{false, true} {
		name := "kept"
		if release {
			name = "released"
		}
		b.Run(name, func(b *testing.B) {
			loop(b, func() {
				if _, err := WriteGoroutineText(io.Discard); err != nil {
					b.Fatal(err)
				}
				if release {
					ReleaseTextBuffer()
				}
			})
		})
	}
}

func BenchmarkPprofWriteTo2(b *testing.B) {
	blockGoroutines(b, benchGoroutines, 0, 0)
	p := pprof.Lookup("goroutine")
	loop(b, func() {
		if err := p.WriteTo(io.Discard, 2); err != nil {
			b.Fatal(err)
		}
	})
}

// dump100k returns a debug=2 dump of 100k goroutines: a live dump of 10k
// blocked goroutines, ten times over.
func dump100k(b *testing.B) []byte {
	blocked := blockGoroutines(b, benchGoroutines, 0, 0)
	var one bytes.Buffer
	if _, err := WriteGoroutineText(&one); err != nil {
		b.Fatal(err)
	}
	blocked.release()
	return bytes.Repeat(one.Bytes(), 10)
}

// BenchmarkParse100k parses the dump of dump100k into a Snapshot, with
// the reference parser and with the allocation savers of intern.go.
func BenchmarkParse100k(b *testing.B) {
	input := dump100k(b)
	for _, c := range []struct {
		name string
		ro   readOptions
	}{{"reference", readOptions{plain: true}}, {"interned", readOptions{}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			loop(b, func() {
				s, err := parse(bytes.NewReader(input), nil, c.ro)
				if err != nil {
					b.Fatal(err)
				}
				if s.Total < 10*benchGoroutines {
					b.Fatalf("parsed %d goroutines", s.Total)
				}
			})
		})
	}
}

// BenchmarkSummarize100k summarises the parsed dump of dump100k with the
// reference summariser and with the last-value cache of summary_cache.go.
func BenchmarkSummarize100k(b *testing.B) {
	s, err := Parse(bytes.NewReader(dump100k(b)))
	if err != nil {
		b.Fatal(err)
	}
	for _, plain := range []bool{true, false} {
		name := "cached"
		if plain {
			name = "reference"
		}
		b.Run(name, func(b *testing.B) {
			loop(b, func() {
				z := newSummarizer(Options{Top: 10})
				z.plain = plain
				for _, g := range s.Goroutines {
					z.add(g)
				}
				z.finish(s)
			})
		})
	}
}

// onlyReader hides a file's type, so that ReadSummary reads it as a
// stream rather than mapping it.
type onlyReader struct{ io.Reader }

// BenchmarkReadSummary100k reads and summarises the dump of dump100k
// without keeping its goroutines: with the reference parser and
// summariser (reference); streamed from a reader in one pass (stream);
// in memory in as many parts as there are CPUs (parts); from a file,
// mapped (file-mapped) or read (file-read); and the same dump as
// journalctl shows it (journald: a prefix on every line, tabs as spaces),
// which is read in one pass.
func BenchmarkReadSummary100k(b *testing.B) {
	input := dump100k(b)
	journal := journald(input)
	path := filepath.Join(b.TempDir(), "dump.txt")
	if err := os.WriteFile(path, input, 0o644); err != nil {
		b.Fatal(err)
	}
	fromFile := func(mapped bool) func() (*Summary, error) {
		return func() (*Summary, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if mapped {
				return ReadSummary(f, Options{Top: 10})
			}
			return ReadSummary(onlyReader{f}, Options{Top: 10})
		}
	}
	for _, c := range []struct {
		name  string
		input []byte
		read  func() (*Summary, error)
	}{
		{"reference", input, func() (*Summary, error) {
			return streamSummary(bytes.NewReader(input), Options{Top: 10}, readOptions{plain: true})
		}},
		{"stream", input, func() (*Summary, error) { return ReadSummary(bytes.NewReader(input), Options{Top: 10}) }},
		{"parts", input, func() (*Summary, error) { return summarizeBytes(input, Options{Top: 10}, runtime.GOMAXPROCS(0)) }},
		{"file-read", input, fromFile(false)},
		{"file-mapped", input, fromFile(true)},
		{"journald", journal, func() (*Summary, error) {
			return summarizeBytes(journal, Options{Top: 10}, runtime.GOMAXPROCS(0))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.input)))
			b.ReportAllocs()
			loop(b, func() {
				s, err := c.read()
				if err != nil {
					b.Fatal(err)
				}
				if s.Total < 10*benchGoroutines {
					b.Fatalf("read %d goroutines", s.Total)
				}
			})
		})
	}
}
