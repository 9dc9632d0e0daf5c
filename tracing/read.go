package tracing

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/exp/trace"
)

// DefaultTop is the number of stacks per reason gsysint-demo trace shows
// unless --top says otherwise.
const DefaultTop = 5

// Options tunes [Summarize].
type Options struct {
	// Top is how many stacks to keep per reason, most frequent first;
	// 0 or less keeps them all, as dump.Options.Top does.
	Top int
	// MarkFuncPrefix marks block events as "ours": a transition is ours when
	// one of the functions on its stack starts with this prefix (for the
	// park engine, "gsysint-demo/park."). Empty marks nothing.
	MarkFuncPrefix string
}

// Summary is what [Summarize] found in an execution trace. See the package
// documentation for its JSON form.
type Summary struct {
	// Source is the trace file name, set by SummarizeFile (or by the caller);
	// when not empty, WriteText ends with a hint to open it in go tool trace.
	Source string `json:"source,omitempty"`
	// Events is the number of events the reader returned.
	Events int `json:"events"`
	// SyncEvents counts EventSync: the reader emits one before each trace
	// generation and one at the end, so a trace of G generations has G+1.
	SyncEvents int `json:"sync_events"`
	// Blocks is the number of Running→Waiting goroutine transitions.
	Blocks int `json:"blocks"`
	// OurBlocks is how many of them were ours (see Options.MarkFuncPrefix).
	OurBlocks int `json:"our_blocks"`
	// DurationNS is the time between the first and the last event.
	DurationNS int64 `json:"duration_ns"`
	// Reasons has one entry per distinct reason string, most transitions
	// first (ties by reason). Never nil.
	Reasons []Reason `json:"reasons"`
}

// Reason summarises the Running→Waiting transitions that carried one reason
// string (the runtime's trace block reason, e.g. "chan receive").
type Reason struct {
	Reason string `json:"reason"`
	// Transitions is the number of Running→Waiting transitions.
	Transitions int `json:"transitions"`
	// Goroutines is the number of distinct goroutines that made them.
	Goroutines int `json:"goroutines"`
	// OurTransitions and OurGoroutines count only the transitions whose
	// stack has a function starting with Options.MarkFuncPrefix.
	OurTransitions int `json:"our_transitions"`
	OurGoroutines  int `json:"our_goroutines"`
	// OurGoroutineIDs lists those goroutines, ascending. Never nil.
	OurGoroutineIDs []int64 `json:"our_goroutine_ids"`
	// DistinctStacks is the number of distinct function sequences; Stacks
	// holds the top Options.Top of them. Never nil.
	DistinctStacks int     `json:"distinct_stacks"`
	Stacks         []Stack `json:"stacks"`
}

// Stack is one group of block stacks with the same function sequence.
type Stack struct {
	// Funcs are the function names, innermost first (Funcs[0] is where the
	// goroutine blocked as the runtime recorded it). Empty for an event
	// that carried no stack. Never nil.
	Funcs []string `json:"funcs"`
	// First is the innermost frame of the first event seen in this group:
	// for a goroutine parked with the right traceskip, the parking function
	// rather than runtime.gopark.
	First Frame `json:"first"`
	// Count is the number of transitions with this stack.
	Count int `json:"count"`
	// Goroutines is the number of distinct goroutines among them.
	Goroutines int `json:"goroutines"`
	// Ours says the stack has a function starting with Options.MarkFuncPrefix.
	Ours bool `json:"ours"`
}

// Frame is one stack frame.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line uint64 `json:"line"`
}

// SummarizeFile is [Summarize] on the file at path; it sets Summary.Source
// to path. Errors name the path once, and say what was wrong with it:
//
//	out.trace: not a readable execution trace: bad file format: not a Go execution trace?
func SummarizeFile(path string, opt Options) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError: "open out.trace: no such file or directory"
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, want an execution trace file", path)
	}
	s, err := Summarize(f, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Source = path
	return s, nil
}

// Summarize reads an execution trace from r with golang.org/x/exp/trace and
// summarises its block events: every goroutine transition from Running to
// Waiting, grouped by its reason string.
//
// Input that is not a trace gives an error that starts "not a readable
// execution trace"; a truncated or corrupt one, "malformed execution
// trace". Either wraps the parser's error (its panics, if any, are turned
// into errors); no partial summary is returned.
func Summarize(r io.Reader, opt Options) (s *Summary, err error) {
	defer func() {
		// The parser is not meant to panic, but this input is untrusted.
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("malformed execution trace: parser panicked: %w", firstLine{fmt.Errorf("%v", p)})
		}
	}()
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a readable execution trace: %w", firstLine{err})
	}
	acc := newAccumulator(opt)
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed execution trace after %d events: %w", acc.sum.Events, firstLine{err})
		}
		acc.add(&ev)
	}
	if acc.sum.Events == acc.sum.SyncEvents {
		// A header and nothing else (the reader still emits a sync event):
		// runtime/trace always writes at least one generation with the
		// status of every P and goroutine, so the data was cut.
		return nil, fmt.Errorf("malformed execution trace: a header but no events (truncated?)")
	}
	return acc.finish(), nil
}

// firstLine is a parser error cut to its first line, for the errors of a
// command line: x/exp/trace explains a trace it cannot go on with by its
// whole frontier (every M's next event, every G's and P's state), 600 to
// 1,200 lines for a corrupt trace:
//
//	broken trace: failed to advance: frontier:
//	[gen=1]
//
//	M 15480 [ProcSteal time=724613075968 p=1 p_seq=1 m=25]
//	...
//
// Unwrap gives the whole error.
type firstLine struct{ err error }

func (e firstLine) Error() string {
	msg := e.err.Error()
	line, rest, cut := strings.Cut(msg, "\n")
	if !cut {
		return msg
	}
	return fmt.Sprintf("%s (%d more lines of the parser's state left out)", strings.TrimSuffix(line, ":"), strings.Count(rest, "\n")+1)
}

func (e firstLine) Unwrap() error { return e.err }

type accumulator struct {
	opt         Options
	sum         Summary
	first, last trace.Time
	reasons     map[string]*reasonAcc
}

type reasonAcc struct {
	Reason
	goroutines map[trace.GoID]bool
	ours       map[trace.GoID]bool
	stacks     map[string]*stackAcc // by strings.Join(funcs, "\n")
}

type stackAcc struct {
	Stack
	goroutines map[trace.GoID]bool
}

func newAccumulator(opt Options) *accumulator {
	return &accumulator{opt: opt, reasons: make(map[string]*reasonAcc)}
}

func (a *accumulator) add(ev *trace.Event) {
	if a.sum.Events == 0 {
		a.first = ev.Time()
	}
	a.last = ev.Time()
	a.sum.Events++

	switch ev.Kind() {
	case trace.EventSync:
		a.sum.SyncEvents++
		return
	case trace.EventStateTransition:
	default:
		return
	}
	st := ev.StateTransition()
	if st.Resource.Kind != trace.ResourceGoroutine {
		return
	}
	if from, to := st.Goroutine(); from != trace.GoRunning || to != trace.GoWaiting {
		return
	}
	id := st.Resource.Goroutine()

	// Example as go tool trace -d=parsed prints it:
	//	M=6381 P=1 G=5 StateTransition Time=388637765696 GoID=5 Running->Waiting Reason="chan receive"
	//	TransitionStack=
	//		runtime.chanrecv1 @ 0x414751
	//			/usr/local/go/src/runtime/chan.go:509
	funcs := []string{}
	var first Frame
	ours := false
	for f := range st.Stack.Frames() {
		if len(funcs) == 0 {
			first = Frame{Func: f.Func, File: f.File, Line: f.Line}
		}
		funcs = append(funcs, f.Func)
		if a.opt.MarkFuncPrefix != "" && strings.HasPrefix(f.Func, a.opt.MarkFuncPrefix) {
			ours = true
		}
	}

	ra := a.reasons[st.Reason]
	if ra == nil {
		ra = &reasonAcc{
			Reason:     Reason{Reason: st.Reason},
			goroutines: make(map[trace.GoID]bool),
			ours:       make(map[trace.GoID]bool),
			stacks:     make(map[string]*stackAcc),
		}
		a.reasons[st.Reason] = ra
	}
	ra.Transitions++
	ra.goroutines[id] = true
	a.sum.Blocks++
	if ours {
		ra.OurTransitions++
		ra.ours[id] = true
		a.sum.OurBlocks++
	}

	key := strings.Join(funcs, "\n")
	sa := ra.stacks[key]
	if sa == nil {
		sa = &stackAcc{
			Stack:      Stack{Funcs: funcs, First: first, Ours: ours},
			goroutines: make(map[trace.GoID]bool),
		}
		ra.stacks[key] = sa
	}
	sa.Count++
	sa.goroutines[id] = true
}

func (a *accumulator) finish() *Summary {
	s := a.sum
	s.DurationNS = int64(a.last - a.first)
	s.Reasons = []Reason{}
	for _, ra := range a.reasons {
		r := ra.Reason
		r.Goroutines = len(ra.goroutines)
		r.OurGoroutines = len(ra.ours)
		r.OurGoroutineIDs = []int64{}
		for id := range ra.ours {
			r.OurGoroutineIDs = append(r.OurGoroutineIDs, int64(id))
		}
		slices.Sort(r.OurGoroutineIDs)

		r.DistinctStacks = len(ra.stacks)
		r.Stacks = make([]Stack, 0, len(ra.stacks))
		for _, sa := range ra.stacks {
			st := sa.Stack
			st.Goroutines = len(sa.goroutines)
			r.Stacks = append(r.Stacks, st)
		}
		slices.SortFunc(r.Stacks, func(x, y Stack) int {
			if c := cmp.Compare(y.Count, x.Count); c != 0 {
				return c
			}
			return slices.Compare(x.Funcs, y.Funcs)
		})
		if a.opt.Top > 0 && len(r.Stacks) > a.opt.Top {
			r.Stacks = r.Stacks[:a.opt.Top]
		}
		s.Reasons = append(s.Reasons, r)
	}
	slices.SortFunc(s.Reasons, func(x, y Reason) int {
		if c := cmp.Compare(y.Transitions, x.Transitions); c != 0 {
			return c
		}
		return strings.Compare(x.Reason, y.Reason)
	})
	return &s
}

// Lookup returns the entry for reason, or nil if no transition carried it.
func (s *Summary) Lookup(reason string) *Reason {
	for i := range s.Reasons {
		if s.Reasons[i].Reason == reason {
			return &s.Reasons[i]
		}
	}
	return nil
}
