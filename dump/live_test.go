package dump

import (
	"bytes"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"
)

// Functions the live tests block goroutines in; tests find them by name.
func liveChanRecv(ready func(), ch chan struct{}) { ready(); <-ch }
func liveSelect(ready func(), ch chan struct{}) {
	ready()
	select {
	case <-ch:
	case <-make(chan int):
	}
}
func liveMutex(ready func(), mu *sync.Mutex) {
	ready()
	mu.Lock()
	defer mu.Unlock() // let the next waiter in
}

// blocked is a set of goroutines parked by a test.
type blocked struct {
	ch   chan struct{}
	mu   sync.Mutex
	done sync.WaitGroup
	once sync.Once
}

// blockGoroutines starts recv goroutines in liveChanRecv, sel in liveSelect
// and mu in liveMutex, waits until each has signalled that it is about to
// block, and registers their release with t.Cleanup.
func blockGoroutines(t testing.TB, recv, sel, mu int) *blocked {
	t.Helper()
	b := &blocked{ch: make(chan struct{})}
	b.mu.Lock()
	var started sync.WaitGroup
	start := func(n int, f func(ready func())) {
		started.Add(n)
		b.done.Add(n)
		for range n {
			go func() {
				defer b.done.Done()
				f(started.Done)
			}()
		}
	}
	start(recv, func(ready func()) { liveChanRecv(ready, b.ch) })
	start(sel, func(ready func()) { liveSelect(ready, b.ch) })
	start(mu, func(ready func()) { liveMutex(ready, &b.mu) })
	started.Wait()
	t.Cleanup(b.release)
	return b
}

// release wakes every goroutine and waits for them to exit.
func (b *blocked) release() {
	b.once.Do(func() {
		close(b.ch)
		b.mu.Unlock()
		b.done.Wait()
	})
}

// liveCounts counts, by "func state", the goroutines of s blocked in the
// live* functions.
func liveCounts(s *Snapshot) map[string]int {
	m := map[string]int{}
	for _, g := range s.Goroutines {
		for _, f := range g.Frames {
			if i := strings.LastIndex(f.Func, ".live"); i >= 0 && !strings.Contains(f.Func[i:], "func") {
				m[f.Func[i+1:]+" "+g.State]++
				break
			}
		}
	}
	return m
}

// waitDump takes dumps with WriteGoroutineText until the live goroutines
// are parked as wanted, for at most 20 seconds, and returns the last dump.
func waitDump(t testing.TB, want map[string]int) ([]byte, Stats, *Snapshot) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var buf bytes.Buffer
	for {
		buf.Reset()
		st, err := WriteGoroutineText(&buf)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		got := liveCounts(s)
		if maps.Equal(got, want) {
			return buf.Bytes(), st, s
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines not parked after 20s: got %v, want %v", got, want)
		}
	}
}
