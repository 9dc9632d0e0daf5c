package series

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"gsysint-demo/dump"
)

// block starts n goroutines blocked on a channel receive and returns the
// function that releases them.
func block(n int) (release func()) {
	ch := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	for range n {
		go func() {
			started.Done()
			<-ch
		}()
	}
	started.Wait()
	return func() { close(ch) }
}

// writeDump writes a debug=2 dump of this process to path, and checks it
// holds at least least goroutines.
func writeDump(b *testing.B, path string, least int) {
	var buf bytes.Buffer
	st, err := dump.WriteGoroutineText(&buf)
	if err != nil {
		b.Fatal(err)
	}
	if st.Goroutines < least {
		b.Fatalf("dump of %d goroutines, want %d", st.Goroutines, least)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// readFile is what report does with one file: dump.ReadDumps on it.
func readFile(b *testing.B, path string) []*dump.Summary {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sums, err := dump.ReadDumps(f, dump.Options{}, false)
	if err != nil {
		b.Fatal(err)
	}
	return sums
}

// BenchmarkDiff100k compares, in one run, report of one debug=2 dump of
// 100k goroutines with the diff of two such dumps (the second with 1000
// goroutines more), read as report reads them (concurrently, each file
// mapped): the metric diff/report is the ratio of their times.
func BenchmarkDiff100k(b *testing.B) {
	dir := b.TempDir()
	a, c := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	release := block(100_000)
	writeDump(b, a, 100_000)
	more := block(1000)
	writeDump(b, c, 101_000)
	more()
	release()
	runtime.GC()

	var one, diff time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		readFile(b, a)
		one += time.Since(start)

		start = time.Now()
		var sa, sc []*dump.Summary
		var wg sync.WaitGroup
		wg.Go(func() { sa = readFile(b, a) })
		wg.Go(func() { sc = readFile(b, c) })
		wg.Wait()
		s := Build([]Dump{{Name: "a"}, {Name: "b"}}, []*dump.Summary{sa[0], sc[0]}, Options{})
		diff += time.Since(start)
		if s.Dumps == nil || len(s.Groups) == 0 {
			b.Fatal("no groups")
		}
	}
	b.ReportMetric(float64(one.Microseconds())/float64(b.N)/1000, "ms/report")
	b.ReportMetric(float64(diff.Microseconds())/float64(b.N)/1000, "ms/diff")
	b.ReportMetric(float64(diff)/float64(one), "diff/report")
}

// BenchmarkMerge reads 10 and 100 debug=2 dumps of 10k goroutines each
// into one merged view, GOMAXPROCS files at a time as report does, and
// reports the time per merge and the peak heap while merging: it grows
// with the groups (the same in every input here), not with the inputs.
func BenchmarkMerge(b *testing.B) {
	dir := b.TempDir()
	release := block(10_000)
	one := filepath.Join(dir, "one.txt")
	writeDump(b, one, 10_000)
	release()
	text, err := os.ReadFile(one)
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	for i := range 100 {
		p := filepath.Join(dir, fmt.Sprintf("svc-%03d.txt", i))
		if err := os.WriteFile(p, text, 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("inputs=%d", n), func(b *testing.B) {
			runtime.GC()
			peak := watchHeap()
			for b.Loop() {
				sources := make([]Source, n)
				for i := range sources {
					sources[i] = Source{Name: filepath.Base(paths[i]), Input: paths[i]}
				}
				m := NewMerger(sources)
				sem := make(chan struct{}, runtime.GOMAXPROCS(0))
				var wg sync.WaitGroup
				for i := range n {
					sem <- struct{}{}
					wg.Go(func() {
						defer func() { <-sem }()
						sums := readFile(b, paths[i])
						m.Add(i, sums[len(sums)-1], len(sums))
					})
				}
				wg.Wait()
				if v := m.Merged(10); v.Total != n*v.Sources[0].Total {
					b.Fatalf("merged %d goroutines", v.Total)
				}
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
}

// watchHeap samples the live heap every millisecond until the function
// it returns is called, which returns the largest sample.
func watchHeap() func() uint64 {
	done := make(chan struct{})
	var top uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			top = max(top, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return top
	}
}
