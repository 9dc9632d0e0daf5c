package dump

import (
	"bytes"
	"io"
	"runtime"
	"runtime/pprof"
	"testing"
)

const benchGoroutines = 10_000

func BenchmarkWriteGoroutineText(b *testing.B) {
	blockGoroutines(b, benchGoroutines, 0, 0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := WriteGoroutineText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPprofWriteTo2(b *testing.B) {
	blockGoroutines(b, benchGoroutines, 0, 0)
	p := pprof.Lookup("goroutine")
	b.ResetTimer()
	for b.Loop() {
		if err := p.WriteTo(io.Discard, 2); err != nil {
			b.Fatal(err)
		}
	}
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

// BenchmarkParse100k parses the dump of dump100k into a Snapshot.
func BenchmarkParse100k(b *testing.B) {
	input := dump100k(b)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := Parse(bytes.NewReader(input))
		if err != nil {
			b.Fatal(err)
		}
		if s.Total < 10*benchGoroutines {
			b.Fatalf("parsed %d goroutines", s.Total)
		}
	}
}

func BenchmarkSummarize100k(b *testing.B) {
	s, err := Parse(bytes.NewReader(dump100k(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		Summarize(s, Options{Top: 10})
	}
}

// BenchmarkReadSummary100k reads and summarises the dump of dump100k
// without keeping its goroutines: streamed from a reader in one pass
// (stream), and in memory in as many parts as there are CPUs (parts), as
// report does with a file; and the same dump as journalctl shows it
// (journald: a prefix on every line, tabs as spaces), which is read in
// one pass.
func BenchmarkReadSummary100k(b *testing.B) {
	input := dump100k(b)
	journal := journald(input)
	for _, c := range []struct {
		name  string
		input []byte
		read  func() (*Summary, error)
	}{
		{"stream", input, func() (*Summary, error) { return ReadSummary(bytes.NewReader(input), Options{Top: 10}) }},
		{"parts", input, func() (*Summary, error) { return summarizeBytes(input, Options{Top: 10}, runtime.GOMAXPROCS(0)) }},
		{"journald", journal, func() (*Summary, error) {
			return summarizeBytes(journal, Options{Top: 10}, runtime.GOMAXPROCS(0))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.input)))
			b.ReportAllocs()
			for b.Loop() {
				s, err := c.read()
				if err != nil {
					b.Fatal(err)
				}
				if s.Total < 10*benchGoroutines {
					b.Fatalf("read %d goroutines", s.Total)
				}
			}
		})
	}
}
