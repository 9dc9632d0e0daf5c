// Package park parks goroutines through the runtime's own goparkunlock, with
// the wait reason and execution-trace block reason you choose, and releases
// them safely.
//
// A reason is given as text. Text that equals one of the runtime's reasons
// ("chan receive", "select", "sleep", …) parks with the runtime's index, so
// every tool reports it exactly as it reports the real thing. Other text is
// custom: it is written into a slot of the runtime's table that the runtime
// seldom uses (see Reasons), and the slot's own text is restored on
// release. Reasons that would break the runtime are refused, and so is
// custom text that a dump's reader would take for the runtime's own words
// (see CheckWaitText).
//
// Every parked goroutine carries the pprof labels reason=<text> and
// trace_reason=<text>, so the reasons also reach the debug=1 text and the
// protobuf profile, which have no wait reasons of their own.
//
// # Parameters
//
// A Group says what to park: Count goroutines with Reason and TraceReason,
// and extra Labels. An empty Reason is DefaultReason; an empty TraceReason is
// the runtime's own pairing for a runtime wait reason (chan receive → "chan
// receive", sync.Cond.Wait → "sync.(*Cond).Wait", …) and "unspecified" for
// custom text.
//
// Park returns once every goroutine of the group is in _Gwaiting: each one
// takes its runtime lock, records its g and says it is parked, then calls
// goparkunlock, which switches it to _Gwaiting before it unlocks. The waker
// takes the same lock; a goroutine that has not parked yet finds a wake-up
// waiting for it and does not park at all. Nothing sleeps.
//
// Release readies every goroutine, including those the goroutineleak
// profile declared leaked, and waits for them to return. It holds the lock
// dump.Write takes the goroutineleak profile under while it wakes them:
// take that profile through dump.Write, not with pprof directly.
//
// The reason tables are process-wide: all Parkers of a process share the
// record of which slots are lent to which text. Do not park inside a
// testing/synctest bubble: synctest counts some reasons (sleep,
// sync.Cond.Wait, nil-channel waits) as durably blocked and others not.
//
// Reasons is the catalog of reasons (text, class, note, whether a slot may
// be borrowed), and Check the start-up check every entry point runs.
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package park

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"

	"gsysint-demo/internal/leaklock"
	"gsysint-demo/linked"
)

// DefaultReason is the wait reason of a Group that names none.
const DefaultReason = "parked by gsysint-demo"

// Group is a set of goroutines parked alike.
type Group struct {
	Reason      string            // runtime text or custom; "" is DefaultReason
	TraceReason string            // runtime text or custom; "" pairs it with Reason
	Count       int               // how many goroutines, at least 1
	Labels      map[string]string // pprof labels besides reason and trace_reason
}

// Reason is a resolved wait or trace block reason.
type Reason struct {
	Text   string // what the runtime shows
	Index  int    // its index in the runtime's table
	Custom bool   // Text is custom, shown through the borrowed slot Index
	Class  Class  // Borrowable for custom text
	Note   string // why Class, for a runtime reason
}

func (r Reason) String() string {
	if r.Custom {
		return fmt.Sprintf("%q (custom, slot %d)", r.Text, r.Index)
	}
	return fmt.Sprintf("%q (%d)", r.Text, r.Index)
}

// Parked describes a group that Park parked.
type Parked struct {
	Count       int
	Wait, Trace Reason
	Labels      map[string]string // all labels, reason and trace_reason included
}

// String reads as "3 goroutines: reason "chan receive" (19), trace reason
// "chan receive" (7)".
func (p Parked) String() string {
	noun := "goroutines"
	if p.Count == 1 {
		noun = "goroutine"
	}
	return fmt.Sprintf("%d %s: reason %v, trace reason %v", p.Count, noun, p.Wait, p.Trace)
}

// Released says what Release did.
type Released struct {
	Released        int // goroutines readied and returned
	LeakedRecovered int // of those, how many the goroutineleak profile had marked leaked
	// NotWaiting counts goroutines found neither waiting nor leaked (never
	// expected): they are left alone, not waited for, and as they may
	// still park with their group's reasons, those stay held for the life
	// of the process: a custom text keeps its slot, so no later text
	// overwrites what they would show.
	NotWaiting int
}

// Option configures a Parker.
type Option func(*Parker)

// WithProgress has Park call fn(started, total) as it starts goroutines,
// about every 64k goroutines and once at the end.
func WithProgress(fn func(started, total int)) Option {
	return func(p *Parker) { p.progress = fn }
}

// WithBeforeStart has Park call fn after the groups' custom texts are in
// the runtime's tables and before any goroutine starts. Start an execution
// trace there to have custom trace reasons from its first event: the tracer
// copies the table when a trace generation starts. An error from fn stops
// Park, which returns it; Release still gives the texts back.
func WithBeforeStart(fn func() error) Option {
	return func(p *Parker) { p.beforeStart = fn }
}

// Parker parks groups of goroutines and releases them. Its methods may be
// called from any goroutine.
type Parker struct {
	cat         *linked.Catalog
	progress    func(started, total int)
	beforeStart func() error

	// busy is held by Park while it starts goroutines and by Release, so a
	// Release waits for a Park in progress (cancel its context to hurry it).
	busy sync.Mutex

	mu     sync.Mutex // guards groups
	groups []*group
}

// New checks that the running runtime matches the vetted catalog (tables
// and g layout) and returns a Parker.
func New(opts ...Option) (*Parker, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	p := &Parker{cat: linked.Vetted()}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// Resolve says how Park would park the groups, all together, without
// parking anything: it returns an error for a refused reason or for more
// custom texts than borrowable slots, given the slots already lent to
// custom texts by every Parker of the process. The runtime reasons of all
// the groups are settled first, and custom texts then take the slots none
// of them uses, so the order of the groups does not decide what is refused.
func (p *Parker) Resolve(groups ...Group) ([]Parked, error) {
	tables.Lock()
	defer tables.Unlock()
	return p.snapshot().resolve(groups)
}

// Park starts the groups' goroutines and returns once all of them are
// parked, with one Parked for each group. The groups are resolved together
// (see Resolve) before anything starts. If ctx is cancelled while it starts
// goroutines, it stops starting more and returns ctx's error with what it
// parked so far (Count is then smaller), which Release releases.
func (p *Parker) Park(ctx context.Context, groups ...Group) ([]Parked, error) {
	p.busy.Lock()
	defer p.busy.Unlock()
	tables.Lock()
	pks, err := p.snapshot().resolve(groups)
	if err != nil {
		tables.Unlock()
		return nil, err
	}
	batch := make([]*group, len(pks))
	for i, pk := range pks {
		batch[i] = &group{parked: pk}
		tables.wait.hold(pk.Wait)
		tables.trace.hold(pk.Trace)
	}
	tables.Unlock()
	p.mu.Lock()
	p.groups = append(p.groups, batch...)
	p.mu.Unlock()

	if p.beforeStart != nil {
		if err := p.beforeStart(); err != nil {
			return nil, err
		}
	}
	out := make([]Parked, len(batch))
	for i, gr := range batch {
		out[i] = gr.parked
		if err := p.start(ctx, gr); err != nil {
			out[i].Count = len(gr.waiters)
			return out[:i+1], err
		}
	}
	return out, nil
}

// start starts gr's goroutines and waits until they are parked.
func (p *Parker) start(ctx context.Context, gr *group) error {
	pk := gr.parked
	wait, trace := linked.WaitReason(pk.Wait.Index), linked.TraceReason(pk.Trace.Index)
	if err := p.cat.CheckParkable(wait, trace); err != nil {
		// resolve refuses these first; this is the last line of defence.
		return err
	}
	gr.waiters = make([]waiter, pk.Count)
	var labels []string
	for _, k := range slices.Sorted(maps.Keys(pk.Labels)) {
		labels = append(labels, k, pk.Labels[k])
	}
	// Goroutines inherit the labels of the goroutine that starts them, so
	// starting them inside pprof.Do labels them all at no cost per goroutine.
	gr.done.Add(pk.Count)
	started := 0
	pprof.Do(ctx, pprof.Labels(labels...), func(ctx context.Context) {
		for i := range gr.waiters {
			if i&0x3ff == 0 {
				if ctx.Err() != nil {
					break
				}
				if i&0xffff == 0 {
					p.report(i, pk.Count)
				}
			}
			started++
			go gr.waiters[i].park(wait, trace, &gr.done)
		}
	})
	// From here on the group is the goroutines started: Release wakes
	// these (Park and Release hold busy, so they never overlap).
	gr.waiters = gr.waiters[:started]
	gr.done.Add(started - pk.Count) // the goroutines a cancellation left unstarted
	p.report(started, pk.Count)
	for i := range gr.waiters {
		gr.waiters[i].awaitParked()
	}
	if started < pk.Count {
		return ctx.Err()
	}
	return nil
}

func (p *Parker) report(started, total int) {
	if p.progress != nil {
		p.progress(started, total)
	}
}

// Release readies every goroutine p parked, waits for them to return, and
// restores the borrowed slots. p may park again afterwards. A group with a
// goroutine that was not waiting (see Released.NotWaiting) is neither
// waited for nor given back its reasons: that goroutine may yet park with
// its slot, and must show its own text when it does.
func (p *Parker) Release() Released {
	p.busy.Lock()
	defer p.busy.Unlock()
	p.mu.Lock()
	groups := p.groups
	p.groups = nil
	p.mu.Unlock()

	var r Released
	// stuck marks the groups with a goroutine found not waiting.
	stuck := make([]bool, len(groups))
	leaklock.Mu.Lock()
	for gi, gr := range groups {
		// The woken goroutines write gr.done, which may share a cache line
		// with gr.waiters: read the slice once, not once a wake-up.
		ws := gr.waiters
		for i := range ws {
			switch ws[i].wake() {
			case linked.Woken:
				r.Released++
			case linked.WokenLeaked:
				r.Released++
				r.LeakedRecovered++
			case linked.NotWaiting:
				r.NotWaiting++
				stuck[gi] = true
			}
		}
	}
	leaklock.Mu.Unlock()
	for gi, gr := range groups {
		if !stuck[gi] {
			gr.done.Wait()
		}
	}
	tables.Lock()
	for gi, gr := range groups {
		if stuck[gi] {
			continue // its reasons stay held: see Released.NotWaiting
		}
		tables.wait.release(gr.parked.Wait)
		tables.trace.release(gr.parked.Trace)
	}
	tables.Unlock()
	return r
}

// group is one Park call's goroutines.
type group struct {
	parked  Parked
	waiters []waiter
	done    sync.WaitGroup
}

// A waiter's state moves from starting to parked (the goroutine parked) or
// to wakePending (it was woken before it parked), then to woken.
const (
	starting uint32 = iota
	parked
	wakePending
	woken
)

// waiter is one parked goroutine. mu is the runtime lock it parks with;
// state and g are handed over under mu, and are atomics only because the
// race detector cannot see runtime locks.
type waiter struct {
	mu    linked.Mutex
	state atomic.Uint32
	g     atomic.Pointer[linked.G]
	id    atomic.Uint64 // its goroutine's goid, for ParkTimes
	at    atomic.Int64  // linked.Nanotime1 just before it parked, for ParkTimes
}

// WaiterFunc is the function every parked goroutine sits in, as stacks,
// profiles and traces name it: the first frame of its dumped stack and of
// its trace block event, and the mark of the goroutines park parked.
const WaiterFunc = "gsysint-demo/park.(*waiter).park"

// park is the body of a parked goroutine: goparkunlock is called from
// here, so traceskip 2 starts the block event's stack at this function.
//
//go:noinline
func (w *waiter) park(reason linked.WaitReason, trace linked.TraceReason, done *sync.WaitGroup) {
	// The clock is read before the runtime lock is taken: read under it
	// (the first version), every later debug=2 dump of the process was
	// ~20 % slower (100k goroutines: 127 ms against 107 ms, bisected to
	// that one line; the cause inside the runtime is not established).
	at := linked.Nanotime1()
	linked.Lock(&w.mu)
	if w.state.Load() == wakePending {
		linked.Unlock(&w.mu)
	} else {
		gp := linked.Getg()
		w.g.Store(gp)
		w.id.Store(gp.ID())
		w.at.Store(at)
		w.state.Store(parked)
		linked.ParkUnlock(&w.mu, reason, trace, 2)
	}
	done.Done()
}

// awaitParked returns once w's goroutine is in _Gwaiting: it has said it
// parked, and its lock has been released, which goparkunlock does only
// after switching it to _Gwaiting.
func (w *waiter) awaitParked() {
	for w.state.Load() == starting {
		runtime.Gosched()
	}
	linked.Lock(&w.mu)
	linked.Unlock(&w.mu)
}

// wake readies w's goroutine, or leaves a wake-up for it if it has not
// parked yet.
func (w *waiter) wake() linked.WakeResult {
	for {
		linked.Lock(&w.mu)
		switch w.state.Load() {
		case starting:
			w.state.Store(wakePending)
			linked.Unlock(&w.mu)
			return linked.Woken
		case parked:
			r := linked.Wake(w.g.Load())
			if r == linked.Busy {
				linked.Unlock(&w.mu)
				runtime.Gosched()
				continue
			}
			if r != linked.NotWaiting {
				w.state.Store(woken)
			}
			linked.Unlock(&w.mu)
			return r
		default:
			linked.Unlock(&w.mu)
			return linked.Woken
		}
	}
}

// ParkTimes calls fn for every goroutine p parked and has not released,
// with its goroutine id and the runtime's clock (linked.Nanotime1) read
// just before it parked: the real time of the wait, which the runtime
// itself does not keep (see package census). The id, not the g, names the
// goroutine: the runtime gives a released goroutine's g to the next
// goroutine it starts, but never gives out a goroutine id twice. It waits
// for a Park or Release in progress.
func (p *Parker) ParkTimes(fn func(goid uint64, nanotime int64)) {
	p.eachParked(func(_ *group, w *waiter) { fn(w.id.Load(), w.at.Load()) })
}

// ParkedGroups calls fn for every group p parked and has not released,
// with the group's labels (reason and trace_reason included), how many of
// its goroutines are parked, and the runtime's clock when the first and
// the last of them parked: the real times a grouped census shows beside
// the runtime's age, without a record per goroutine. It waits for a Park
// or Release in progress.
func (p *Parker) ParkedGroups(fn func(labels map[string]string, parked int, first, last int64)) {
	var cur *group
	n, first, last := 0, int64(0), int64(0)
	flush := func() {
		if n > 0 {
			fn(cur.parked.Labels, n, first, last)
		}
	}
	p.eachParked(func(gr *group, w *waiter) {
		if gr != cur {
			flush()
			cur, n = gr, 0
		}
		at := w.at.Load()
		if n == 0 || at < first {
			first = at
		}
		if n == 0 || at > last {
			last = at
		}
		n++
	})
	flush()
}

// eachParked calls fn for every goroutine p parked and has not released,
// group by group, holding busy so that no Park or Release runs meanwhile.
func (p *Parker) eachParked(fn func(gr *group, w *waiter)) {
	p.busy.Lock()
	defer p.busy.Unlock()
	p.mu.Lock()
	groups := p.groups
	p.mu.Unlock()
	for _, gr := range groups {
		for i := range gr.waiters {
			if w := &gr.waiters[i]; w.state.Load() == parked {
				fn(gr, w)
			}
		}
	}
}

// ErrTooManyCustom is returned (wrapped) when more distinct custom texts
// are asked for than the runtime has borrowable slots.
var ErrTooManyCustom = errors.New("too many custom reasons")
