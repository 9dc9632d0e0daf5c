package park

import (
	"context"
	"testing"
)

// benchmarkPark parks n goroutines and releases them, b.N times, with a
// runtime wait reason and with custom text (a borrowed slot, written and
// restored each time). It reports the time per goroutine: park and release
// together, as a Parker's user sees them. scripts/bench.sh compares the
// same work with a minimal program at a million goroutines.
func benchmarkPark(b *testing.B, n int) {
	for _, reason := range []string{"sync.Cond.Wait", "parked by a benchmark"} {
		b.Run(reason, func(b *testing.B) {
			p, err := New()
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				pk, err := p.Park(ctx, Group{Reason: reason, Count: n})
				if err != nil {
					b.Fatal(err)
				}
				if pk[0].Count != n {
					b.Fatalf("parked %d goroutines, want %d", pk[0].Count, n)
				}
				if r := p.Release(); r.Released != n || r.NotWaiting != 0 {
					b.Fatalf("released %+v, want %d", r, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/goroutine")
		})
	}
}

func BenchmarkPark1k(b *testing.B)   { benchmarkPark(b, 1_000) }
func BenchmarkPark100k(b *testing.B) { benchmarkPark(b, 100_000) }
