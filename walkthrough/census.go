package walkthrough

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/park"
)

// --- step 11: the census ---

var censusStep = Step{
	Title: "The census: the runtime's own record of every goroutine, read without stopping the world",
	Explain: `
Every report above is made from the same records. The runtime lists every goroutine it ever
made in allgs, published lock-free as runtime.allglen and runtime.allgptr (its own
forEachGRace reads them that way), and each goroutine's g holds its status, wait reason,
waitsince, the function it was started with (startpc), the go statement that started it
(gopc), its creator (parentGoid) and its pprof labels. A debug=2 dump prints them, but walks
every stack with the world stopped to do it. A census reads only the records, with no lock
and no stop-the-world. A g belongs to another thread while it is read: each record counts
only if the status, id, M and switch counter read before the fields are the same after them.

The runtime's age of a wait is not the wait: waitsince is stamped only when a GC scans a
blocked goroutine's stack, and with the time the GC before it ended (its mark termination),
not the time the goroutine blocked. park records the real park time.`,
	Code: []Snippet{
		{Name: "linked/allgs.go", Quoted: true, Text: `//go:linkname allglen runtime.allglen
var allglen uintptr
...
n := atomic.LoadUintptr(&allglen)
arr := atomic.LoadPointer(&allgptr)`},
		{Name: "linked/allgs_go126.go", Quoted: true, Text: `waitsince:       168,             // waitsince int64: nanotime, stamped by a GC
...
startpc:         304,             // startpc uintptr: entry of the goroutine's function
labels:          352,             // labels unsafe.Pointer: *runtime/pprof.labelMap or nil`},
	},
	live: liveCensus,
	Notice: `
One goroutine, four reports: the census has its state, creator, start function, creation site,
labels and ages; debug=2 has the state and a stack but labels only on request; debug=1 and
the protobuf have labels and stacks but no state. The runtime's age appears only after a GC
has seen the goroutine blocked, and it may be longer than the real wait: the stamp is the
time of the GC before. And the pause: a census stops nothing, where runtime.Stack
stopped the world for all of its traceback. To see it at scale:
gsysint-demo park -n 100000 -r "chan receive" --profile census --dumps 1, and scripts/bench.sh.`,
}

// censusGoroutines is how many goroutines the step times a census and a
// runtime.Stack of.
const censusGoroutines = 20000

func liveCensus(ctx context.Context, t *tour) error {
	if err := census.Check(); err != nil {
		return err
	}
	p, err := park.New()
	if err != nil {
		return err
	}
	defer p.Release()
	if _, err := p.Park(ctx, park.Group{Reason: "waiting for godot", Count: 1, Labels: map[string]string{"step": "11"}}); err != nil {
		return err
	}
	one := func() (*census.Goroutine, error) {
		s, err := census.Take(census.WithParkTimes(p))
		if err != nil {
			return nil, err
		}
		for _, g := range s.Goroutines {
			if g.Labels.Map()["step"] == "11" {
				return g, nil
			}
		}
		return nil, fmt.Errorf("the goroutine parked as %q is not in the census", "waiting for godot")
	}
	g, err := one()
	if err != nil {
		return err
	}
	t.note("parked 1 goroutine; its record, as census.Take read it:")
	showRecord(t, g)
	t.printf("\n")
	t.note("two GCs later (runtime.GC()), the runtime has an age for it:")
	runtime.GC()
	runtime.GC()
	if g, err = one(); err != nil {
		return err
	}
	t.indent(fmt.Sprintf("age (runtime): %s; parked (real): %v", age(g), g.Parked.Round(time.Microsecond)))

	t.printf("\n")
	t.note("what each report of the runtime shows of the same goroutine:")
	var d2, d1 bytes.Buffer
	if _, err := dump.Write(&d2, "goroutine", 2); err != nil {
		return err
	}
	if _, err := dump.Write(&d1, "goroutine", 1); err != nil {
		return err
	}
	header := fmt.Sprintf("goroutine %d [", g.ID)
	for _, line := range strings.Split(d2.String(), "\n") {
		if strings.HasPrefix(line, header) {
			t.indent("debug=2 header:  " + line)
		}
	}
	for _, line := range strings.Split(d1.String(), "\n") {
		if strings.HasPrefix(line, "# labels: ") && strings.Contains(line, `"step":"11"`) {
			t.indent("debug=1 labels:  " + line)
		}
	}
	t.indent("protobuf:        the same labels on a sample with a stack; no state, no id")

	t.printf("\n")
	if _, err := p.Park(ctx, park.Group{Reason: "chan receive", Count: censusGoroutines}); err != nil {
		return err
	}
	t.note("the pause each costs, measured now with %d more goroutines parked:", censusGoroutines)
	pauses := []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/sched/pauses/total/other:seconds"}}
	count := func() (n uint64) {
		metrics.Read(pauses)
		for _, s := range pauses {
			for _, c := range s.Value.Float64Histogram().Counts {
				n += c
			}
		}
		return n
	}
	before := count()
	start := time.Now()
	gs, err := census.TakeGroups()
	took := time.Since(start)
	stw := count() - before
	if err != nil {
		return err
	}
	t.indent(fmt.Sprintf("census.TakeGroups: %d goroutines in %d groups in %v; stop-the-world pauses during it: %d",
		gs.Total, len(gs.Groups), took.Round(time.Microsecond), stw))
	buf := make([]byte, (censusGoroutines+1000)*1024)
	before = count()
	start = time.Now()
	n := runtime.Stack(buf, true)
	took = time.Since(start)
	stw = count() - before
	t.indent(fmt.Sprintf("runtime.Stack (debug=2): %d bytes in %v; stop-the-world pauses during it: %d, the world stopped for all of it",
		n, took.Round(time.Microsecond), stw))
	return nil
}

func showRecord(t *tour, g *census.Goroutine) {
	t.indent(fmt.Sprintf("id %d, status %s, state %q", g.ID, g.Status, g.State))
	t.indent(fmt.Sprintf("start function: %s", g.Start.Func))
	t.indent(fmt.Sprintf("created at:     %s:%d by goroutine %d, in %s", path.Base(g.Created.File), g.Created.Line, g.CreatorID, g.Created.Func))
	t.indent(fmt.Sprintf("labels:         %s", g.Labels))
	t.indent(fmt.Sprintf("age (runtime): %s; parked (real): %v", age(g), g.Parked.Round(time.Microsecond)))
}

func age(g *census.Goroutine) string {
	if !g.AgeKnown {
		return "none yet (no GC has seen it blocked)"
	}
	return g.Age.Round(time.Microsecond).String()
}
