package census_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/linked"
	"gsysint-demo/park"
)

// The runtime gives a dead goroutine's g to the next goroutine it starts.
// A census whose parked goroutines are released after it asked for their
// park times, and whose g's then run new goroutines, gives none of those a
// park time: the times name goroutines, not g's.
func TestReusedGGetsNoParkTime(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Park(context.Background(), park.Group{Reason: "chan receive", Count: 64}); err != nil {
		t.Fatal(err)
	}
	r := &releaseAndReuse{t: t, p: p, stop: make(chan struct{})}
	defer r.wg.Wait()
	defer close(r.stop)
	s, err := census.Take(census.WithParkTimes(r))
	if err != nil {
		t.Fatal(err)
	}
	if r.reused == 0 {
		t.Fatal("no new goroutine ran on a released goroutine's g")
	}
	found := false
	for _, g := range s.Goroutines {
		if g.ParkedKnown {
			t.Errorf("goroutine %d [%s] has a park time of %v: park parked none of the goroutines the census read (all were released first)", g.ID, g.State, g.Parked)
		}
		found = found || g.ID == r.reused
	}
	if !found {
		t.Fatalf("goroutine %d, on a released goroutine's g, is not in the census", r.reused)
	}
}

// Find reads goroutine id's g first and asks for park times afterwards; by
// then the goroutine may be gone and its g parked by p as another.
func TestFindReusedGGetsNoParkTime(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if _, err := p.Park(context.Background(), park.Group{Reason: "chan receive", Count: 8}); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	p.ParkTimes(func(id uint64, _ int64) { ids = append(ids, id) })
	r := &releaseAndReuse{t: t, p: p, stop: make(chan struct{}), repark: true}
	defer r.wg.Wait()
	defer close(r.stop)
	g, _, err := census.Find(ids[0], census.WithParkTimes(r))
	if err != nil {
		t.Fatal(err)
	}
	if g == nil {
		t.Fatalf("goroutine %d, parked, not found", ids[0])
	}
	if r.reused == 0 {
		t.Fatal("p parked no goroutine on a released goroutine's g")
	}
	if g.ParkedKnown {
		t.Errorf("goroutine %d, released before Find asked for park times, has a park time of %v (goroutine %d's, parked on its g since)", g.ID, g.Parked, r.reused)
	}
}

// releaseAndReuse gives a census p's park times, then releases p's
// goroutines and starts goroutines until one runs on a g that one of them
// ran on: new ones blocked until stop, or with repark, new ones parked by p.
type releaseAndReuse struct {
	t      *testing.T
	p      *park.Parker
	repark bool
	stop   chan struct{}
	wg     sync.WaitGroup
	reused uint64 // the goid of the goroutine found on a reused g
}

func (r *releaseAndReuse) ParkTimes(fn func(goid uint64, nanotime int64)) {
	released := gsOf(r.p)
	if !r.repark {
		r.p.ParkTimes(fn) // the times of the goroutines about to go
	}
	r.p.Release()
	if !r.repark {
		// Release returns once each goroutine has left park, not once it
		// has exited: one still exiting would be in the census, running,
		// with its own (rightful) park time.
		awaitGone(r.t, released)
	}
	// The released goroutines' g's go back to the runtime as they exit,
	// onto the free list of the P each exits on; they are reused from
	// there first. The bound is far more goroutines than any free list
	// holds.
	for range 1 << 14 {
		if r.repark {
			if _, err := r.p.Park(context.Background(), park.Group{Reason: "chan receive", Count: 1}); err != nil {
				r.t.Fatal(err)
			}
			for gp, id := range gsOf(r.p) {
				if released[gp] != 0 {
					r.reused = id
					r.p.ParkTimes(fn)
					return
				}
			}
			continue
		}
		got := make(chan *linked.G)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			got <- linked.Getg()
			<-r.stop
		}()
		if gp := <-got; released[gp] != 0 {
			r.reused = gp.ID()
			return
		}
	}
}

func (r *releaseAndReuse) ParkedGroups(fn func(labels map[string]string, parked int, first, last int64)) {
	r.p.ParkedGroups(fn)
}

// gsOf returns the g's of the goroutines p has parked, with their ids.
func gsOf(p *park.Parker) map[*linked.G]uint64 {
	ids := map[uint64]bool{}
	p.ParkTimes(func(id uint64, _ int64) { ids[id] = true })
	gs := map[*linked.G]uint64{}
	linked.ReadAllG(func(rec *linked.GRecord) {
		if ids[rec.ID] && !rec.Changing {
			gs[rec.G] = rec.ID
		}
	})
	return gs
}

// awaitGone returns once no goroutine of ids (by g) is alive, and fails
// the test if one still is after a bound far past any exit.
func awaitGone(t *testing.T, ids map[*linked.G]uint64) {
	gone := map[uint64]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		alive := uint64(0)
		linked.ReadAllG(func(rec *linked.GRecord) {
			if gone[rec.ID] {
				alive = rec.ID
			}
		})
		if alive == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutine %d, released, has not exited after 10s", alive)
		}
		runtime.Gosched()
	}
}
