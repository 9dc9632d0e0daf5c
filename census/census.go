// Package census reads every goroutine's state from the runtime's own
// records, without stopping the world.
//
// The runtime keeps every goroutine it ever made in allgs, a list it
// publishes lock-free, and each goroutine's g holds what every goroutine
// report is made from: its status, wait reason, the time a GC first saw it
// blocked, its function, the go statement that made it, its creator and
// its pprof labels. [Take] reads them all (through package linked, which
// checks the runtime's layout first) and returns one [Goroutine] for each;
// [TakeGroups] counts them by state, wait reason, start function, creation
// site and labels in memory that grows with the groups, not with the
// goroutines. Neither stops the world: a debug=2 dump (runtime.Stack)
// stops it for its whole traceback, 0.3 s at 100k goroutines.
//
// What a census cannot give: stacks (it reads records, not stacks: the
// start function and the creation site stand in for them), and goroutines
// started while it reads may be missed, as forEachGRace misses them.
//
// # Parameters
//
// [WithParkTimes] gives the exact times at which goroutines were parked
// (package park's Parker provides them), shown next to the runtime's own
// age of the wait.
//
// [WithSystem] includes the runtime's own goroutines, which a debug=2 dump
// hides unless GOTRACEBACK=system.
//
// # Ages
//
// The runtime does not record when a goroutine blocked: its waitsince is
// stamped by the first GC that scans the goroutine's stack while it is
// blocked, and cleared when it runs again; and the stamp is not that GC's
// time but the previous cycle's (when its mark termination began). So a
// goroutine that blocked five minutes ago in a program that has not run a GC
// since has no age at all; one that blocked just before a GC has, at once,
// the whole time since the GC before, which may be minutes; in between, the
// age is off by up to the time between two GCs, either way. A debug=2
// header's ", N minutes" comes from the same field. Age is that; Parked is
// the real time, for the goroutines package park parked.
//
// # Output
//
// Snapshot and Groups write themselves as a table (WriteText), JSON
// (WriteJSON) and a gzipped pprof protobuf (WriteProto, see Profile for its
// samples and labels); [Handler] serves all three over HTTP.
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package census

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"gsysint-demo/linked"
)

// Goroutine is one goroutine as the census saw it.
type Goroutine struct {
	ID uint64 `json:"id"`

	// Status is the runtime's word for its status: "running", "runnable",
	// "syscall", "waiting", "leaked", "preempted", "copystack", "idle".
	Status string `json:"status"`

	// State is what a debug=2 header shows in brackets: the wait reason
	// for a waiting or leaked goroutine that has one, else the status word
	// ("goroutine 18 [chan receive]:", "goroutine 1 [running]:"). Custom
	// texts written into the runtime's table show as the runtime shows them.
	State string `json:"state"`

	// Leaked: the goroutineleak profile marked it leaked (debug=2 adds
	// " (leaked)" after the state).
	Leaked bool `json:"leaked,omitempty"`

	// Age is how long ago the runtime first saw it blocked (see the
	// package's "Ages"); AgeKnown is false until a GC has seen it blocked,
	// and for goroutines that are not waiting or in a syscall.
	Age      time.Duration `json:"age_ns,omitempty"`
	AgeKnown bool          `json:"age_known,omitempty"`

	// Parked is the real time since package park parked it, when the
	// census was given WithParkTimes and park parked it.
	Parked      time.Duration `json:"parked_ns,omitempty"`
	ParkedKnown bool          `json:"parked_known,omitempty"`

	Start     Site   `json:"start"`      // the function it was started with, at its first line
	Created   Site   `json:"created"`    // the go statement that started it
	CreatorID uint64 `json:"creator_id"` // the goroutine that ran that go statement

	// Labels are its pprof labels, sorted by key: a copy of runtime/pprof's
	// set, which the census never hands out (the runtime's own profiles
	// read it), shared by the goroutines of one census that had the same
	// set.
	Labels Labels `json:"labels,omitempty"`

	// System: a runtime goroutine, by the runtime's own rule
	// (isSystemGoroutine): started in a runtime function other than
	// runtime.main, the finalizer and cleanup goroutines only while they
	// run no user code.
	System bool `json:"system,omitempty"`

	LockedToThread bool `json:"locked_to_thread,omitempty"`

	// Changing: its g changed under every read; only ID and Status hold.
	Changing bool `json:"changing,omitempty"`
}

// Minutes is the wait age in whole minutes, as a debug=2 header would
// print it (", 2 minutes" from one minute on), and -1 when unknown.
func (g *Goroutine) Minutes() int64 {
	if !g.AgeKnown {
		return -1
	}
	return int64(g.Age / time.Minute)
}

// Site is a place in the source.
type Site struct {
	Func string `json:"func,omitempty"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

func (s Site) String() string {
	if s.Func == "" {
		return "?"
	}
	return fmt.Sprintf("%s %s:%d", s.Func, s.File, s.Line)
}

// Label is one pprof label.
type Label struct {
	Key, Value string
}

// Labels are a goroutine's pprof labels, sorted by key: the census's copy
// of runtime/pprof's set, shared by the goroutines of one census that had
// the same set.
type Labels []Label

// String reads as {job: w7, reason: chan receive}, sorted by key.
func (ls Labels) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Key)
		b.WriteString(": ")
		b.WriteString(l.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// Map returns the labels as a map.
func (ls Labels) Map() map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Key] = l.Value
	}
	return m
}

// ParkTimes reports when the goroutines it parked did park, in the runtime
// clock (linked.Nanotime1): goroutine by goroutine (by goroutine id, which
// the runtime never gives out twice, unlike a g) for Take and Find, group
// by group (by label set) for TakeGroups. *park.Parker implements it.
type ParkTimes interface {
	ParkTimes(fn func(goid uint64, nanotime int64))
	ParkedGroups(fn func(labels map[string]string, parked int, first, last int64))
}

// Option configures a census.
type Option func(*config)

type config struct {
	park   ParkTimes
	system bool
}

// WithParkTimes gives the census the real park times of p's goroutines.
func WithParkTimes(p ParkTimes) Option { return func(c *config) { c.park = p } }

// WithSystem includes the runtime's own goroutines.
func WithSystem() Option { return func(c *config) { c.system = true } }

// Header says when a census was taken, how long it took and what it
// counted.
type Header struct {
	TakenAt time.Time     `json:"taken_at"`
	Took    time.Duration `json:"took_ns"`
	Total   int           `json:"total"`  // goroutines counted, system ones included
	System  int           `json:"system"` // of which the runtime's own
	// WithSystem: the runtime's own goroutines are listed too.
	SystemListed bool `json:"system_listed,omitempty"`
	// Changing counts the goroutines whose g changed under every read.
	Changing int `json:"changing"`
}

// Snapshot is one census, goroutine by goroutine.
type Snapshot struct {
	Header
	Goroutines []*Goroutine `json:"goroutines"` // system ones only WithSystem
}

// ErrRuntime wraps the reason a census refused to read this runtime.
var ErrRuntime = errors.New("the runtime does not match what gsysint-demo was vetted on")

// Check verifies the runtime's layout for the census, once per process
// (linked.CheckCensus): it runs two GCs, so call it before the goroutines
// you want to count pile up. Take calls it if nobody has.
func Check() error {
	if err := linked.CheckCensus(); err != nil {
		return fmt.Errorf("%w, so the census reads nothing: %v", ErrRuntime, err)
	}
	return nil
}

// Take reads every goroutine's record. It takes no lock the runtime takes
// and never stops the world. Its memory grows with the goroutines: for a
// large process, TakeGroups.
func Take(opts ...Option) (*Snapshot, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	// By goroutine id: a goroutine released after this and its g given to
	// a goroutine started before the walk reads it leaves its time to
	// nobody.
	var parked map[uint64]int64
	if cfg.park != nil {
		parked = map[uint64]int64{}
		cfg.park.ParkTimes(func(id uint64, at int64) { parked[id] = at })
	}
	s := &Snapshot{}
	r := newResolver()
	var slab []Goroutine // goroutines are allocated a slab at a time
	var total, system, changing int
	s.Header = walk(func(rec *linked.GRecord, now int64) {
		if len(slab) == cap(slab) {
			slab = make([]Goroutine, 0, 1024)
		}
		slab = slab[:len(slab)+1]
		g := &slab[len(slab)-1]
		r.fill(g, rec, now)
		if at, ok := parked[g.ID]; ok && !g.Changing {
			g.Parked, g.ParkedKnown = time.Duration(now-at), true
		}
		total++
		if g.System {
			system++
		}
		if g.Changing {
			changing++
		}
		if g.System && !cfg.system {
			slab = slab[:len(slab)-1]
			return
		}
		s.Goroutines = append(s.Goroutines, g)
	})
	s.Total, s.System, s.Changing = total, system, changing
	s.SystemListed = cfg.system
	return s, nil
}

func configure(opts []Option) (config, error) {
	var cfg config
	if err := Check(); err != nil {
		return cfg, err
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg, nil
}

// walk calls fn with every goroutine's record and the runtime clock at the
// start of the walk, and returns the header with its time and duration.
func walk(fn func(rec *linked.GRecord, now int64)) Header {
	h := Header{TakenAt: time.Now()}
	start := linked.Nanotime1()
	linked.ReadAllG(func(rec *linked.GRecord) { fn(rec, start) })
	h.Took = time.Duration(linked.Nanotime1() - start)
	return h
}

// resolver turns pcs into names once per pc.
type resolver struct {
	starts map[uintptr]startInfo
	sites  map[uintptr]Site

	// finalizerRunning: the finalizer goroutine ran user code when the
	// census began (runtime.fingStatus).
	finalizerRunning bool

	// The last answers, for the next goroutine, which often shares them.
	lastStartPC, lastSitePC uintptr
	lastStart               startInfo
	lastSite                Site

	// labels are the copies of the label sets read so far (see own).
	labels map[labelSetID]Labels
}

// own returns a copy of ls, a label set of runtime/pprof's that a g points
// to: a caller that changed what the census returned would otherwise change
// the labels of a live goroutine under the runtime's profilers. Each set is
// copied once (up to maxLabelTexts sets, then again), so the goroutines of
// one group cost one copy.
func (r *resolver) own(ls []linked.Label) Labels {
	if len(ls) == 0 {
		return nil
	}
	id := labelSetID{&ls[0], len(ls)}
	if c, ok := r.labels[id]; ok {
		return c
	}
	if r.labels == nil || len(r.labels) >= maxLabelTexts {
		r.labels = map[labelSetID]Labels{}
	}
	c := make(Labels, len(ls))
	for i, l := range ls {
		c[i] = Label(l)
	}
	r.labels[id] = c
	return c
}

type startInfo struct {
	site   Site
	system sysRule
}

// sysRule is runtime.isSystemGoroutine's verdict for a start function.
type sysRule uint8

const (
	userFunc sysRule = iota
	runtimeFunc
	finalizerFunc // system unless the finalizer goroutine runs user code
	cleanupFunc   // system unless the cleanup goroutine runs user code
)

func newResolver() *resolver {
	return &resolver{starts: map[uintptr]startInfo{}, sites: map[uintptr]Site{}, finalizerRunning: linked.FinalizerRunning()}
}

func (r *resolver) start(pc uintptr) startInfo {
	if pc == r.lastStartPC && pc != 0 {
		return r.lastStart
	}
	s, ok := r.starts[pc]
	if !ok {
		s = r.resolveStart(pc)
		r.starts[pc] = s
	}
	r.lastStartPC, r.lastStart = pc, s
	return s
}

func (r *resolver) resolveStart(pc uintptr) startInfo {
	var s startInfo
	if f := runtime.FuncForPC(pc); f != nil {
		file, line := f.FileLine(pc)
		s.site = Site{Func: f.Name(), File: file, Line: line}
		switch s.site.Func {
		case "runtime.main", "runtime.corostart", "runtime.handleAsyncEvent":
		case "runtime.runFinalizers":
			s.system = finalizerFunc
		case "runtime.runCleanups":
			s.system = cleanupFunc
		default:
			if strings.HasPrefix(s.site.Func, "runtime.") {
				s.system = runtimeFunc
			}
		}
	}
	return s
}

// system applies runtime.isSystemGoroutine's rule.
func (r *resolver) system(st startInfo, runningCleanups bool) bool {
	switch st.system {
	case runtimeFunc:
		return true
	case finalizerFunc:
		return !r.finalizerRunning
	case cleanupFunc:
		return !runningCleanups
	}
	return false
}

func (r *resolver) site(pc uintptr) Site {
	if pc == r.lastSitePC && pc != 0 {
		return r.lastSite
	}
	s, ok := r.sites[pc]
	if !ok {
		fn, file, line := linked.CreationSite(pc)
		s = Site{Func: fn, File: file, Line: line}
		r.sites[pc] = s
	}
	r.lastSitePC, r.lastSite = pc, s
	return s
}

func (r *resolver) fill(g *Goroutine, rec *linked.GRecord, now int64) {
	*g = Goroutine{ID: rec.ID, Status: linked.StatusWord(rec.Status), Changing: rec.Changing}
	g.State = g.Status
	if rec.Changing {
		return
	}
	if rec.Text != "" {
		g.State = rec.Text
	}
	g.Leaked = rec.Status == linked.StatusLeaked
	if (rec.Status == linked.StatusWaiting || rec.Status == linked.StatusSyscall) && rec.WaitSince != 0 {
		g.Age, g.AgeKnown = time.Duration(now-rec.WaitSince), true
	}
	st := r.start(rec.StartPC)
	g.Start = st.site
	g.System = r.system(st, rec.RunningCleanups)
	if rec.ID != 1 { // the runtime prints no creator for the main goroutine
		g.Created = r.site(rec.GoPC)
		g.CreatorID = rec.ParentID
	}
	g.Labels = r.own(rec.Labels)
	g.LockedToThread = rec.LockedToThread
}
