package census_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/linked"
	"gsysint-demo/park"
)

// parkEveryReason parks goroutines with every reason park accepts (but the
// borrowable ones, whose slots the custom texts take) and two custom texts,
// and returns the texts with their counts.
func parkEveryReason(t *testing.T, perReason int) (*park.Parker, map[string]int) {
	t.Helper()
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	var groups []park.Group
	for _, e := range linked.Vetted().Wait {
		if e.Class.Parkable() && e.Class != linked.Borrowable {
			groups = append(groups, park.Group{Reason: e.Text, Count: perReason})
			want[e.Text] = perReason
		}
	}
	for _, text := range []string{"waiting for godot", "waiting, (for) lefty"} {
		groups = append(groups, park.Group{Reason: text, Count: perReason + 1, Labels: map[string]string{"job": "census test"}})
		want[text] = perReason + 1
	}
	if _, err := p.Park(context.Background(), groups...); err != nil {
		p.Release()
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Release() })
	return p, want
}

// key is what the census and a debug=2 dump both say of a goroutine.
type key struct {
	State       string
	Leaked      bool
	Locked      bool
	CreatedBy   string
	CreatedFile string
	CreatedLine int
	Creator     uint64
}

func censusKeys(s *census.Snapshot) map[uint64]key {
	m := map[uint64]key{}
	for _, g := range s.Goroutines {
		m[g.ID] = key{g.State, g.Leaked, g.LockedToThread, g.Created.Func, g.Created.File, g.Created.Line, g.CreatorID}
	}
	return m
}

func dumpKeys(s *dump.Snapshot) map[uint64]key {
	m := map[uint64]key{}
	for _, g := range s.Goroutines {
		m[uint64(g.ID)] = key{g.State, g.Leaked, g.LockedToThread, g.CreatedBy, g.CreatedByFile, g.CreatedByLine, uint64(g.CreatedByGoroutine)}
	}
	return m
}

// On a quiescent park of every parkable reason and custom text, a census
// agrees exactly with a debug=2 dump taken between two censuses that agree
// with each other: the same goroutine ids, and for each the same state
// (custom texts included), creator and creation site.
func TestAgreesWithDebug2Dump(t *testing.T) {
	if err := census.Check(); err != nil {
		t.Fatal(err)
	}
	_, want := parkEveryReason(t, 2)
	// A goroutine locked to its thread (", locked to thread").
	locked, unlock := make(chan struct{}), make(chan struct{})
	go func() {
		runtime.LockOSThread()
		close(locked)
		<-unlock
		runtime.UnlockOSThread()
	}()
	<-locked
	defer close(unlock)
	// Where the runtime has it, the goroutineleak profile marks the parked
	// leak candidates leaked ("[chan receive (leaked)]").
	leaks := 0
	if _, err := dump.Write(io.Discard, "goroutineleak", 0); err == nil {
		leaks = 1
	} else if !errors.Is(err, dump.ErrNoLeakProfile) {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		before, err := census.Take()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := dump.WriteGoroutineText(&b); err != nil {
			t.Fatal(err)
		}
		after, err := census.Take()
		if err != nil {
			t.Fatal(err)
		}
		if before.Total != len(before.Goroutines)+before.System || before.System == 0 {
			t.Fatalf("census lists %d goroutines and counts %d, of which %d system", len(before.Goroutines), before.Total, before.System)
		}
		cb, ca := censusKeys(before), censusKeys(after)
		if !maps.Equal(cb, ca) {
			if attempt == 20 {
				t.Fatalf("no two censuses in a row agreed in %d attempts: the process never stood still", attempt)
			}
			continue // something moved between them: the dump is not of the same moment
		}
		d, err := dump.Parse(&b)
		if err != nil {
			t.Fatal(err)
		}
		dk := dumpKeys(d)
		for _, id := range slices.Sorted(maps.Keys(dk)) {
			if c, ok := cb[id]; !ok {
				t.Errorf("goroutine %d is in the dump (%+v), not in the census", id, dk[id])
			} else if c != dk[id] {
				t.Errorf("goroutine %d: census %+v, dump %+v", id, c, dk[id])
			}
		}
		for _, id := range slices.Sorted(maps.Keys(cb)) {
			if _, ok := dk[id]; !ok {
				t.Errorf("goroutine %d is in the census (%+v), not in the dump", id, cb[id])
			}
		}
		t.Logf("attempt %d: census and dump agree on %d goroutines", attempt, len(dk))
		states := map[string]int{}
		lockedN, leakedN := 0, 0
		for _, g := range before.Goroutines {
			states[g.State]++
			if g.LockedToThread {
				lockedN++
			}
			if g.Leaked {
				leakedN++
			}
		}
		if lockedN == 0 || (leaks > 0) != (leakedN > 0) {
			t.Errorf("census: %d goroutines locked to a thread (want 1 at least), %d leaked after %d goroutineleak profiles", lockedN, leakedN, leaks)
		}
		for text, n := range want {
			if states[text] < n {
				t.Errorf("census: %d goroutines in state %q, parked %d", states[text], text, n)
			}
		}
		return
	}
}

// The census of park's goroutines knows when each one parked, and the
// groups count them as parked. (Goroutines of an earlier Parker may still
// be on their way out, running or runnable: those have no park time.)
func TestParkTimesAndGroups(t *testing.T) {
	p, want := parkEveryReason(t, 3)
	gs, err := census.TakeGroups(census.WithParkTimes(p))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, g := range gs.Groups {
		if !parkStarted(g) && g.ParkedCount != 0 {
			t.Errorf("group %+v: park times for goroutines park did not start", g)
		}
		if g.ParkedCount == 0 {
			continue
		}
		if g.ParkedCount != g.Count || g.MinParked <= 0 || g.MinParked > g.MaxParked {
			t.Errorf("group %q: %d goroutines, %d with park times, parked %v–%v ago", g.State, g.Count, g.ParkedCount, g.MinParked, g.MaxParked)
		}
		if l := g.Labels.Map(); l["reason"] != g.State {
			t.Errorf("group %q has labels %v", g.State, l)
		}
		got[g.State] += g.Count
	}
	if !maps.Equal(got, want) {
		t.Errorf("park's goroutines by group: %v, parked %v", got, want)
	}
	// The snapshot's own grouping agrees with TakeGroups on park's goroutines.
	s, err := census.Take(census.WithParkTimes(p))
	if err != nil {
		t.Fatal(err)
	}
	again := map[string]int{}
	for _, g := range s.Group().Groups {
		again[g.State] += g.ParkedCount
	}
	for state, n := range again {
		if n == 0 {
			delete(again, state)
		}
	}
	if !maps.Equal(again, want) {
		t.Errorf("Snapshot.Group: %v, parked %v", again, want)
	}
}

// parkStarted: the go statement that started the group is park's.
func parkStarted(g *census.Group) bool {
	return strings.HasPrefix(g.Created.Func, "gsysint-demo/park.(*Parker).start")
}

func ExampleTakeGroups() {
	release := make(chan struct{})
	defer close(release)
	ready := make(chan struct{})
	pprof.Do(context.Background(), pprof.Labels("job", "example"), func(context.Context) {
		for range 3 {
			go func() {
				ready <- struct{}{}
				<-release
			}()
		}
	})
	for range 3 {
		<-ready
	}
	// They may not have reached the receive yet: count until they have.
	for range 100000 {
		gs, err := census.TakeGroups()
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, g := range gs.Groups {
			if g.Labels.Map()["job"] == "example" && g.State == "chan receive" && g.Count == 3 {
				fmt.Println(g.Count, g.State, g.Labels, path.Base(g.Created.File))
				return
			}
		}
		runtime.Gosched()
	}
	fmt.Println("the three goroutines never showed in a census")
	// Output:
	// 3 chan receive {job: example} census_test.go
}

// The labels a census returns are its own copy: changing them changes
// neither runtime/pprof's set, which the goroutine still has (the next
// census reads it whole), nor the labels of another census.
func TestLabelsAreACopy(t *testing.T) {
	const key = "gsysint-demo/census.TestLabelsAreACopy"
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	pprof.Do(context.Background(), pprof.Labels(key, "original"), func(context.Context) {
		go func() { close(started); <-release }()
	})
	<-started
	find := func() *census.Goroutine {
		t.Helper()
		for range 1000 { // a record read while the goroutine changed has no labels: read again
			s, err := census.Take()
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range s.Goroutines {
				if !g.Changing && len(g.Labels) == 1 && g.Labels[0].Key == key {
					return g
				}
			}
			runtime.Gosched()
		}
		t.Fatalf("no census in 1000 shows the goroutine labelled %s", key)
		return nil
	}
	g := find()
	g.Labels[0].Value = "changed by the caller"
	if got := find().Labels[0].Value; got != "original" {
		t.Errorf("after a caller changed a census's labels, the next census reads %s=%q, want \"original\"", key, got)
	}
	gs, err := census.TakeGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, gr := range gs.Groups {
		for i := range gr.Labels {
			gr.Labels[i].Value = "changed by the caller"
		}
	}
	if got := find().Labels[0].Value; got != "original" {
		t.Errorf("after a caller changed a grouped census's labels, the next census reads %s=%q, want \"original\"", key, got)
	}
}
