package dump

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"
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

// peakHeap runs op and returns the most heap its objects took meanwhile,
// less what they took before, sampled from runtime/metrics every 100µs.
func peakHeap(op func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		most := base
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			most = max(most, read())
			select {
			case <-stop:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	op()
	close(stop)
	return max(<-peak, read()) - base
}

// BenchmarkHostileReaders reads crafted inputs whose size on disk says
// little of what they unpack to, and reports the peak heap of each read
// (peak-heap-MiB): a protobuf of 10M samples of count 1 (39 KB gzipped;
// google/pprof's parser took 3.5 GB for it), 10M empty samples (refused),
// debug=1 text of 100k records of one stack, a per-goroutine census's JSON
// of 10M goroutines (1.5 MB gzipped, 520 MB unpacked), one census
// group whose state is a string of 256 MiB (refused at maxCensusElement),
// and gzipped debug=2 text of 10k copies of a dump (the cap on
// decompression ends it).
func BenchmarkHostileReaders(b *testing.B) {
	gz := func(write func(w io.Writer)) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		write(zw)
		zw.Close()
		return buf.Bytes()
	}
	text, err := readFixture(b, "blocked.debug2.txt")
	if err != nil {
		b.Fatal(err)
	}
	one, err := readFixture(b, "blocked.debug1.txt")
	if err != nil {
		b.Fatal(err)
	}
	_, records, _ := bytes.Cut(one, []byte("\n"))
	// Each input is made when its case runs, so that no other case's input
	// is live meanwhile: the garbage a reader leaves grows, before the next
	// collection, with the live heap, and would count in its peak.
	for _, c := range []struct {
		name    string
		input   func() []byte
		opt     Options
		wantErr bool
	}{
		{"proto-10M-count-one", func() []byte { return gz(func(w io.Writer) { repeatedSamples(w, 10_000_000, countOne) }) }, Options{}, false},
		{"proto-10M-empty", func() []byte { return gz(func(w io.Writer) { repeatedSamples(w, 10_000_000, nil) }) }, Options{}, true},
		{"debug1-100k-records", func() []byte {
			return append([]byte("goroutine profile: total 0\n"), bytes.Repeat(records, 100_000/bytes.Count(records, []byte(" @ ")))...)
		}, Options{}, false},
		{"census-json-10M-goroutines", func() []byte { return gz(func(w io.Writer) { craftedCensus(w, 10_000_000) }) }, Options{}, false},
		{"census-json-long-string", func() []byte {
			return gz(func(w io.Writer) {
				io.WriteString(w, `{"taken_at": "2026-01-01T00:00:00Z", "groups": [{"count": 1, "state": "`)
				w.Write(bytes.Repeat([]byte("a"), 256<<20))
			})
		}, Options{}, true},
		{"gzip-text-bomb", func() []byte {
			return gz(func(w io.Writer) {
				for range 10_000 {
					w.Write(text)
				}
			})
		}, Options{MaxDecompressed: 64 << 20}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			input := c.input()
			var peak uint64
			loop(b, func() {
				peak = max(peak, peakHeap(func() {
					_, err := ReadSummary(bytes.NewReader(input), c.opt)
					if (err != nil) != c.wantErr {
						b.Fatalf("%d bytes: %v", len(input), err)
					}
				}))
			})
			b.ReportMetric(float64(len(input)), "input-bytes")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// craftedCensus writes the JSON of a per-goroutine census of n goroutines
// in one state, each its own record, as park --profile census --json
// --per-goroutine would list them (fewer fields).
func craftedCensus(w io.Writer, n int) {
	io.WriteString(w, `{"taken_at": "2026-01-01T00:00:00Z", "total": `+strconv.Itoa(n)+`, "goroutines": [`)
	record := []byte(`{"id":18,"state":"select","start":{"func":"main.f"}},`)
	chunk := bytes.Repeat(record, 1000)
	for ; n > 0; n -= 1000 {
		b := chunk[:min(n, 1000)*len(record)]
		if n <= 1000 {
			b = b[:len(b)-1] // no comma after the last
		}
		w.Write(b)
	}
	io.WriteString(w, "]}\n")
}
