package census_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"testing"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/park"
)

// Censuses taken in a loop while everything moves never crash, never read
// a torn record and never list a goroutine twice. Moving: goroutines start
// and exit; workers switch between a channel receive and a select, setting
// a label that names the one they are about to block in; park parks and
// releases goroutines (some with custom text); a GC runs all the time
// (GOGC=1); an execution trace runs; and, where the runtime has it, the
// goroutineleak profile keeps marking park's "chan receive" goroutines
// leaked.
//
// A torn record would mix two moments of one goroutine: a worker labelled
// op=recv shown waiting in "select", or the reverse; a parked goroutine
// whose reason label is not its state.
func TestCensusUnderChurn(t *testing.T) {
	if err := census.Check(); err != nil {
		t.Fatal(err)
	}
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	if err := trace.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer trace.Stop()

	stop := make(chan struct{})
	var bg sync.WaitGroup
	spawn := func(f func()) {
		bg.Add(1)
		go func() { defer bg.Done(); f() }()
	}

	// Goroutines that start and exit.
	spawn(func() {
		var wg sync.WaitGroup
		for {
			select {
			case <-stop:
				wg.Wait()
				return
			default:
			}
			for range 20 {
				wg.Add(1)
				go func() { defer wg.Done(); runtime.Gosched() }()
			}
			wg.Wait()
		}
	})

	// Workers that say, in a label, which wait they are about to enter.
	recvCh, selCh := make(chan int), make(chan int)
	recvCtx := pprof.WithLabels(context.Background(), pprof.Labels("op", "recv"))
	selCtx := pprof.WithLabels(context.Background(), pprof.Labels("op", "select"))
	var workers sync.WaitGroup
	for range 16 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				pprof.SetGoroutineLabels(recvCtx)
				if _, ok := <-recvCh; !ok {
					return
				}
				pprof.SetGoroutineLabels(selCtx)
				select {
				case _, ok := <-selCh:
					if !ok {
						return
					}
				case <-stop:
					return
				}
			}
		}()
	}
	for _, ch := range []chan int{recvCh, selCh} {
		spawn(func() {
			for i := 0; ; i++ {
				select {
				case ch <- i:
				case <-stop:
					return
				}
			}
		})
	}

	// Park and release.
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	spawn(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := p.Park(context.Background(),
				park.Group{Reason: "chan receive", Count: 50},
				park.Group{Reason: "waiting for churn", Count: 50}); err != nil {
				t.Error(err)
				return
			}
			p.Release()
		}
	})

	// The goroutineleak profile, where the runtime has it.
	spawn(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := dump.Write(io.Discard, "goroutineleak", 0); err != nil {
				if !errors.Is(err, dump.ErrNoLeakProfile) {
					t.Error(err)
				}
				return
			}
		}
	})

	other := map[string]string{"recv": "select", "select": "chan receive"}
	var changing, leaked, opWaiting, parkWaiting int
	for round := range rounds {
		var gs []*census.Goroutine
		if round%2 == 0 {
			s, err := census.Take(census.WithSystem(), census.WithParkTimes(p))
			if err != nil {
				t.Fatal(err)
			}
			gs = s.Goroutines
			changing += s.Changing
			if s.Total != len(gs) || s.System == 0 {
				t.Fatalf("round %d: a census WithSystem lists %d goroutines, counts %d of which %d system", round, len(gs), s.Total, s.System)
			}
		} else {
			// The grouped census, read back through its groups' counts.
			g, err := census.TakeGroups(census.WithSystem())
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, gr := range g.Groups {
				total += gr.Count
			}
			if total != g.Total {
				t.Fatalf("round %d: groups count %d goroutines, the census %d", round, total, g.Total)
			}
			continue
		}
		seen := make(map[uint64]bool, len(gs))
		for _, g := range gs {
			if seen[g.ID] {
				t.Fatalf("round %d: goroutine %d listed twice", round, g.ID)
			}
			seen[g.ID] = true
			if g.Status == "dead" || g.Status == "???" || g.ID == 0 {
				t.Fatalf("round %d: goroutine %d has status %q", round, g.ID, g.Status)
			}
			if g.Changing {
				continue
			}
			if g.Start.Func == "" {
				t.Errorf("round %d: goroutine %d has no start function", round, g.ID)
			}
			if g.Status != "waiting" && g.Status != "leaked" {
				continue
			}
			l := g.Labels.Map()
			if g.Leaked {
				leaked++
			}
			if l["op"] != "" {
				opWaiting++
			}
			if isParkWaiter(g) {
				parkWaiting++
			}
			if op := l["op"]; op != "" && g.State == other[op] {
				t.Errorf("round %d: torn record: goroutine %d labelled op=%s is waiting in %q", round, g.ID, op, g.State)
			}
			if r := l["reason"]; r != "" && g.Start.Func != "" && g.Created.Func != "" && isParkWaiter(g) && g.State != r {
				t.Errorf("round %d: torn record: parked goroutine %d labelled reason=%q is waiting in %q", round, g.ID, r, g.State)
			}
		}
	}
	close(stop)
	bg.Wait()
	close(recvCh)
	close(selCh)
	workers.Wait()
	p.Release()
	t.Logf("%d rounds; records seen waiting: %d labelled op, %d parked by park, %d leaked; %d read as changing", rounds, opWaiting, parkWaiting, leaked, changing)
	if opWaiting == 0 || parkWaiting == 0 {
		t.Error("the censuses never saw a worker or a parked goroutine waiting: nothing was checked")
	}
}

// isParkWaiter: started by park, so waiting only where park parked it
// (its reason label is its state), or in the lock it takes first.
func isParkWaiter(g *census.Goroutine) bool {
	return g.Created.Func == "gsysint-demo/park.(*Parker).start.func1" && g.State != "runnable"
}
