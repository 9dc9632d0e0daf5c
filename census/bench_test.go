package census_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/park"
)

// parkTen parks n goroutines in ten groups (one label value each) and
// releases them when the benchmark ends.
func parkTen(b *testing.B, n int) *park.Parker {
	b.Helper()
	if err := census.Check(); err != nil { // its GCs before the goroutines pile up
		b.Fatal(err)
	}
	p, err := park.New()
	if err != nil {
		b.Fatal(err)
	}
	var groups []park.Group
	for i := range 10 {
		groups = append(groups, park.Group{Reason: "sync.Cond.Wait", Count: n / 10, Labels: map[string]string{"group": fmt.Sprint(i)}})
	}
	if _, err := p.Park(context.Background(), groups...); err != nil {
		p.Release()
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Release() })
	return p
}

// pauses counts the stop-the-world pauses so far: the counts of the
// runtime's two pause histograms (GC pauses, and every other cause:
// runtime.Stack, goroutine profiles, ReadMemStats, ...).
type pauses []metrics.Sample

func newPauses() pauses {
	return pauses{{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/sched/pauses/total/other:seconds"}}
}

func (p pauses) count() (n uint64) {
	metrics.Read(p)
	for _, s := range p {
		for _, c := range s.Value.Float64Histogram().Counts {
			n += c
		}
	}
	return n
}

// benchmarkCensus measures, in the same run, a census of n parked
// goroutines (by group, and goroutine by goroutine) against one pre-sized
// runtime.Stack of all of them (what a debug=2 dump costs), and the
// stop-the-world pauses during each: the runtime's pause histograms' counts
// before and after each census only.
func benchmarkCensus(b *testing.B, n int) {
	p := parkTen(b, n)
	pz := newPauses()
	var groupsNs, stackNs float64
	b.Run("groups", func(b *testing.B) {
		b.ReportAllocs()
		var stw uint64
		for b.Loop() {
			before := pz.count()
			gs, err := census.TakeGroups()
			stw += pz.count() - before
			if err != nil {
				b.Fatal(err)
			}
			if gs.Total < n {
				b.Fatalf("census of %d goroutines, %d parked", gs.Total, n)
			}
		}
		groupsNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(stw)/float64(b.N), "stw-pauses/op")
	})
	b.Run("groups+parktimes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := census.TakeGroups(census.WithParkTimes(p)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goroutines", func(b *testing.B) {
		b.ReportAllocs()
		var stw uint64
		for b.Loop() {
			before := pz.count()
			s, err := census.Take()
			stw += pz.count() - before
			if err != nil {
				b.Fatal(err)
			}
			if len(s.Goroutines) < n {
				b.Fatalf("census of %d goroutines, %d parked", len(s.Goroutines), n)
			}
		}
		b.ReportMetric(float64(stw)/float64(b.N), "stw-pauses/op")
	})
	b.Run("runtime.Stack", func(b *testing.B) {
		buf := make([]byte, (n+100)*1024) // sized so that one call holds them all
		var stw uint64
		for b.Loop() {
			before := pz.count()
			m := runtime.Stack(buf, true)
			stw += pz.count() - before
			if m == len(buf) {
				b.Fatalf("runtime.Stack filled its %d bytes", len(buf))
			}
		}
		stackNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(stw)/float64(b.N), "stw-pauses/op")
	})
	// The ratio of the two sub-benchmarks above, which ran in this process
	// against the same goroutines.
	b.Run("ratio", func(b *testing.B) {
		if groupsNs == 0 || stackNs == 0 {
			b.Skip("run the groups and runtime.Stack sub-benchmarks too")
		}
		b.ReportMetric(stackNs/groupsNs, "stack/census")
		b.ReportMetric(groupsNs/float64(time.Millisecond), "census-ms")
		b.ReportMetric(stackNs/float64(time.Millisecond), "stack-ms")
	})
}

func BenchmarkCensus100k(b *testing.B) { benchmarkCensus(b, 100_000) }
func BenchmarkCensus1M(b *testing.B)   { benchmarkCensus(b, 1_000_000) }

// BenchmarkGroupsHeap1M reports the heap a grouped census of a million
// goroutines in ten groups keeps for its result (retained-B), beside what
// it allocates while it reads (B/op, mostly the maps of names it resolves).
func BenchmarkGroupsHeap1M(b *testing.B) {
	const n = 1_000_000
	parkTen(b, n)
	var ms runtime.MemStats
	var retained uint64
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		gs, err := census.TakeGroups()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > before {
			retained = max(retained, ms.HeapAlloc-before)
		}
		if len(gs.Groups) > 20 || gs.Total < n {
			b.Fatalf("%d goroutines in %d groups, want %d in about 10", gs.Total, len(gs.Groups), n)
		}
		runtime.KeepAlive(gs)
	}
	b.ReportMetric(float64(retained), "retained-B")
}
