package dump

import (
	"bytes"
	"io"
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

// BenchmarkParse100k parses a debug=2 dump of 100k goroutines: a live dump
// of 10k blocked goroutines, ten times over.
func BenchmarkParse100k(b *testing.B) {
	blocked := blockGoroutines(b, benchGoroutines, 0, 0)
	var one bytes.Buffer
	if _, err := WriteGoroutineText(&one); err != nil {
		b.Fatal(err)
	}
	blocked.release()
	input := bytes.Repeat(one.Bytes(), 10)
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
	blocked := blockGoroutines(b, benchGoroutines, 0, 0)
	var one bytes.Buffer
	if _, err := WriteGoroutineText(&one); err != nil {
		b.Fatal(err)
	}
	blocked.release()
	s, err := Parse(bytes.NewReader(bytes.Repeat(one.Bytes(), 10)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		Summarize(s, Options{Top: 10})
	}
}

// BenchmarkReadSummary100k reads and summarises the input of
// BenchmarkParse100k without keeping its goroutines, as report does.
func BenchmarkReadSummary100k(b *testing.B) {
	blocked := blockGoroutines(b, benchGoroutines, 0, 0)
	var one bytes.Buffer
	if _, err := WriteGoroutineText(&one); err != nil {
		b.Fatal(err)
	}
	blocked.release()
	input := bytes.Repeat(one.Bytes(), 10)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := ReadSummary(bytes.NewReader(input), Options{Top: 10})
		if err != nil {
			b.Fatal(err)
		}
		if s.Total < 10*benchGoroutines {
			b.Fatalf("read %d goroutines", s.Total)
		}
	}
}
