package walkthrough

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"gsysint-demo/dump"
	"gsysint-demo/linked"
	"gsysint-demo/park"
	"gsysint-demo/tracing"
)

// errSkipped is returned by a demonstration that could not run here and
// said why; the step then has nothing to notice, and has not failed.
var errSkipped = errors.New("skipped")

// --- steps 1–4: the compile demonstrations ---

func liveUnexported(ctx context.Context, t *tour) error {
	ok, err := t.toolchain(ctx)
	if err != nil {
		return err
	}
	if ok {
		if _, err := t.build(ctx, "unexported"); err != nil {
			return err
		}
	}
	t.printf("\n")
	t.note("Meanwhile, in this process: a goroutine blocked in an ordinary channel receive, as")
	t.note("the goroutine profile (protobuf) records its stack, innermost frame first:")
	frames, err := blockedReceiveStack(ctx)
	if err != nil {
		return err
	}
	for _, f := range frames {
		t.indent(f)
	}
	if !ok {
		return errSkipped
	}
	return nil
}

// blockedReceiveFunc is the function blockedReceiveStack blocks in.
const blockedReceiveFunc = "gsysint-demo/walkthrough.blockedReceive"

// blockedReceive blocks in a plain channel receive until ch is closed.
//
//go:noinline
func blockedReceive(ch <-chan struct{}, done chan<- struct{}) {
	<-ch
	close(done)
}

// blockedReceiveStack starts a goroutine that blocks in a channel receive,
// and returns its stack as the goroutine profile records it, one
// "address function (file:line)" a frame, once runtime.gopark is on it.
func blockedReceiveStack(ctx context.Context) ([]string, error) {
	ch, done := make(chan struct{}), make(chan struct{})
	go blockedReceive(ch, done)
	defer func() {
		close(ch)
		<-done
	}()
	// The goroutine may not have blocked yet: look again, a bounded number
	// of times, until its stack reaches runtime.gopark.
	for range 1000 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var pb bytes.Buffer
		if _, err := dump.Write(&pb, "goroutine", 0); err != nil {
			return nil, err
		}
		prof, err := profile.Parse(&pb)
		if err != nil {
			return nil, fmt.Errorf("decoding the goroutine profile: %w", err)
		}
		for _, smp := range prof.Sample {
			var frames []string
			ours, parked := false, false
			for _, loc := range smp.Location {
				for _, line := range loc.Line {
					if line.Function == nil {
						continue
					}
					name := line.Function.Name
					ours = ours || name == blockedReceiveFunc
					parked = parked || name == "runtime.gopark"
					frames = append(frames, fmt.Sprintf("%#x  %-40s (%s:%d)", loc.Address, name, filepath.Base(line.Function.Filename), line.Line))
				}
			}
			if ours && parked {
				return frames, nil
			}
		}
		runtime.Gosched()
	}
	return nil, fmt.Errorf("the goroutine in %s did not block in runtime.gopark", blockedReceiveFunc)
}

func livePull(ctx context.Context, t *tour) error {
	if ok, err := t.toolchain(ctx); !ok || err != nil {
		return cmp.Or(err, errSkipped)
	}
	for _, id := range []string{"pullgopark", "pulllock", "pulllock-unchecked"} {
		if _, err := t.build(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func livePush(ctx context.Context, t *tour) error {
	if ok, err := t.toolchain(ctx); !ok || err != nil {
		return cmp.Or(err, errSkipped)
	}
	if _, err := t.build(ctx, "pushnostub"); err != nil {
		return err
	}
	t.note("pushstub/ is pushnostub/ plus the empty stub.s:")
	_, err := t.build(ctx, "pushstub")
	return err
}

func liveAsm(ctx context.Context, t *tour) error {
	if ok, err := t.toolchain(ctx); !ok || err != nil {
		return cmp.Or(err, errSkipped)
	}
	j, err := t.build(ctx, "asmnanotime")
	if err != nil {
		return err
	}
	if j.err != nil {
		if strings.Contains(j.out, "invalid reference to runtime.nanotime1") {
			t.note("This linker checks assembly symbols too (Go 1.27 on): runtime·nanotime1 is")
			t.note("not pushed, so the stub needs the flag of step 2:")
		}
		if _, err := t.build(ctx, "asmnanotime-unchecked"); err != nil {
			return err
		}
	} else {
		t.note("No flag needed: this linker (%s) does not check references to assembly symbols.", t.lab.goVersion())
	}
	t.note("The same stub jumping to runtime·lock, with the linkname check off:")
	_, err = t.build(ctx, "asmlock")
	return err
}

// --- steps 5–9: the engine, live in this process ---

// withParked parks groups with a new Parker, calls during, and releases
// everything, whatever happens (an error, a panic, a cancelled ctx). It
// returns what the release did.
func withParked(ctx context.Context, opts []park.Option, groups []park.Group, during func([]park.Parked) error) (r park.Released, err error) {
	p, err := park.New(opts...)
	if err != nil {
		return r, err
	}
	defer func() {
		r = p.Release()
		if r.NotWaiting > 0 && err == nil {
			err = fmt.Errorf("%d goroutines were neither waiting nor leaked and were left alone", r.NotWaiting)
		}
	}()
	parked, err := p.Park(ctx, groups...)
	if err != nil {
		return r, err
	}
	return r, during(parked)
}

// ourRecords returns the records of text (blocks separated by blank lines:
// goroutines in debug=2 text, stacks in debug=1 text) that have a frame in
// park.WaiterFunc.
func ourRecords(text string) []string {
	var out []string
	for _, rec := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if strings.Contains(rec, park.WaiterFunc) {
			out = append(out, rec)
		}
	}
	return out
}

// showOurGoroutines writes a text profile (debug=2: one block per
// goroutine, from runtime.Stack; debug=1: one record per stack) and prints
// the blocks of the goroutines park parked.
func showOurGoroutines(t *tour, profileName dump.Profile, debug dump.Debug) error {
	var buf bytes.Buffer
	st, err := dump.Write(&buf, profileName, debug)
	if err != nil {
		return err
	}
	t.note("%s profile, debug=%d: %d goroutines, %d bytes; what park parked:", profileName, debug, st.Goroutines, st.Bytes)
	recs := ourRecords(buf.String())
	if len(recs) == 0 {
		return fmt.Errorf("nothing in %s in the %s profile, debug=%d", park.WaiterFunc, profileName, debug)
	}
	for _, rec := range recs {
		t.indent(rec)
	}
	return nil
}

func liveParkRuntimeReason(ctx context.Context, t *tour) error {
	r, err := withParked(ctx, nil, []park.Group{{Reason: "chan receive", Count: 1}}, func(parked []park.Parked) error {
		t.note("parked %v", parked[0])
		return showOurGoroutines(t, "goroutine", 2)
	})
	if err != nil {
		return err
	}
	t.note("released %s", goroutines(r.Released))
	return nil
}

func liveCustomReason(ctx context.Context, t *tour) error {
	var slot int
	r, err := withParked(ctx, nil, []park.Group{{Reason: "waiting for godot", Count: 1}}, func(parked []park.Parked) error {
		slot = parked[0].Wait.Index
		t.note("parked %v", parked[0])
		t.note("slot %d of runtime.waitReasonStrings now reads %q", slot, linked.WaitText(linked.WaitReason(slot)))
		return showOurGoroutines(t, "goroutine", 2)
	})
	if err != nil {
		return err
	}
	t.note("released %s; slot %d reads %q again", goroutines(r.Released), slot, linked.WaitText(linked.WaitReason(slot)))
	return nil
}

func liveLabels(ctx context.Context, t *tour) error {
	group := park.Group{Reason: "waiting for godot", Count: 1, Labels: map[string]string{"step": "7"}}
	_, err := withParked(ctx, nil, []park.Group{group}, func(parked []park.Parked) error {
		t.note("parked %v, labels %s", parked[0], labelList(parked[0].Labels))
		if err := showOurGoroutines(t, "goroutine", 1); err != nil {
			return err
		}

		var pb bytes.Buffer
		if _, err := dump.Write(&pb, "goroutine", 0); err != nil {
			return err
		}
		size := pb.Len()
		prof, err := profile.Parse(&pb)
		if err != nil {
			return fmt.Errorf("decoding the protobuf profile: %w", err)
		}
		var types []string
		for _, st := range prof.SampleType {
			types = append(types, st.Type+"/"+st.Unit)
		}
		t.printf("\n")
		t.note("goroutine profile, protobuf (%d bytes gzipped), decoded with github.com/google/pprof/profile:", size)
		t.indent(fmt.Sprintf("sample types: %s; %d samples", strings.Join(types, ", "), len(prof.Sample)))
		found := false
		for _, s := range prof.Sample {
			if !slices.Contains(s.Label["reason"], "waiting for godot") {
				continue
			}
			found = true
			t.indent(fmt.Sprintf("the sample labelled reason=%q:", "waiting for godot"))
			t.indent(fmt.Sprintf("  value:  %v", s.Value))
			for _, k := range slices.Sorted(maps.Keys(s.Label)) {
				t.indent(fmt.Sprintf("  label:  %s = %q", k, strings.Join(s.Label[k], ", ")))
			}
			var funcs []string
			for _, loc := range s.Location {
				for _, line := range loc.Line {
					if line.Function != nil {
						funcs = append(funcs, line.Function.Name)
					}
				}
			}
			t.indent("  stack:  " + strings.Join(funcs, " ← "))
		}
		if !found {
			return errors.New("no sample labelled reason=\"waiting for godot\" in the protobuf profile")
		}
		return nil
	})
	return err
}

func liveTrace(ctx context.Context, t *tour) error {
	path := filepath.Join(t.scratch, "walkthrough.trace")
	var rec *tracing.Recording
	// The trace starts once park has written the custom texts into the
	// runtime's tables, before the goroutines park.
	startTrace := park.WithBeforeStart(func() error {
		var err error
		rec, err = tracing.Start(path)
		return err
	})
	groups := []park.Group{{Reason: "waiting for godot", TraceReason: "waiting for the bus", Count: 2}}
	r, err := withParked(ctx, []park.Option{startTrace}, groups, func(parked []park.Parked) error {
		t.note("tracing to a file, then parked %v", parked[0])
		return nil
	})
	if rec == nil { // the hook runs before any goroutine starts
		return fmt.Errorf("the trace did not start: %v", err)
	}
	defer rec.Abort() // after Stop, nothing to do
	if err != nil {
		return err
	}
	if err := rec.Stop(); err != nil {
		return err
	}
	t.note("released %s, then stopped the trace", goroutines(r.Released))
	s, err := tracing.SummarizeFile(path, tracing.Options{MarkFuncPrefix: park.WaiterFunc})
	if err != nil {
		return err
	}
	t.note("read back with golang.org/x/exp/trace (package tracing): %d events, %d Running→Waiting transitions", s.Events, s.Blocks)
	width := 0
	for _, reason := range s.Reasons {
		width = max(width, len(strconv.Quote(reason.Reason)))
	}
	for _, reason := range s.Reasons {
		mark := ""
		if reason.OurTransitions > 0 {
			mark = fmt.Sprintf("   ← ours: goroutines %v", reason.OurGoroutineIDs)
		}
		t.indent(fmt.Sprintf("%-*q %3d Running→Waiting%s", width, reason.Reason, reason.Transitions, mark))
	}
	ours := s.Lookup("waiting for the bus")
	if ours == nil || ours.OurTransitions == 0 {
		return errors.New(`no block event with reason "waiting for the bus" in the trace`)
	}
	if len(ours.Stacks) > 0 {
		f := ours.Stacks[0].First
		t.note("the first frame of their block stack: %s (%s:%d)", f.Func, filepath.Base(f.File), f.Line)
	}
	return nil
}

func liveLeak(ctx context.Context, t *tour) error {
	if pprof.Lookup("goroutineleak") == nil {
		t.note("This runtime, %s, has no goroutineleak profile: Go 1.26 registers it only in", runtime.Version())
		t.note("programs built with GOEXPERIMENT=goroutineleakprofile, Go 1.27 always. Skipped here;")
		t.note("to see it: GOTOOLCHAIN=go1.27.3 go run -ldflags=-checklinkname=0 . walkthrough --step 9")
		return errSkipped
	}
	r, err := withParked(ctx, nil, []park.Group{{Reason: "chan receive", Count: 1}}, func(parked []park.Parked) error {
		t.note("parked %v", parked[0])
		return showOurGoroutines(t, "goroutineleak", 2)
	})
	if err != nil {
		return err
	}
	t.note("released %s, of which %d had been marked leaked: made waiting again first, then readied", goroutines(r.Released), r.LeakedRecovered)
	var after bytes.Buffer
	if _, err := dump.WriteGoroutineText(&after); err != nil {
		return err
	}
	left := len(ourRecords(after.String()))
	t.note("goroutines left in %s after the release: %d", park.WaiterFunc, left)
	if left != 0 {
		return fmt.Errorf("%d goroutines still in %s after the release", left, park.WaiterFunc)
	}
	return nil
}

// --- step 10: what is refused ---

func liveRefused(ctx context.Context, t *tour) error {
	cat := linked.Vetted()
	show := func(call string, err error) {
		t.indent(call)
		if err == nil {
			t.indent("  → nil")
			return
		}
		t.indent("  → " + err.Error())
	}
	p, err := park.New()
	if err != nil {
		return err
	}
	defer p.Release()
	_, err = p.Resolve(park.Group{Reason: "GC assist marking", Count: 1})
	show(`p.Resolve(park.Group{Reason: "GC assist marking", Count: 1})`, err)
	show(`linked.Vetted().CheckParkable(1, 0)  // "GC assist marking", "unspecified"`, cat.CheckParkable(1, 0))
	last := len(cat.Wait) - 1
	show(fmt.Sprintf("linked.Vetted().CheckParkable(%d, 0)", last+1), cat.CheckParkable(linked.WaitReason(last+1), 0))
	show(fmt.Sprintf("linked.Vetted().CheckParkable(19, %d)", len(cat.Trace)), cat.CheckParkable(19, linked.TraceReason(len(cat.Trace))))
	pk, err := p.Resolve(park.Group{Reason: fmt.Sprint(last + 1), Count: 1})
	if err != nil {
		return err
	}
	t.indent(fmt.Sprintf(`p.Resolve(park.Group{Reason: "%d", Count: 1})`, last+1))
	t.indent(fmt.Sprintf("  → %v: text that is not the runtime's is custom, so no index can be named", pk[0]))
	t.printf("\n")
	t.note("The run-time half of the guard, as park.New ran it a moment ago:")
	check := "matches"
	if err := park.Check(); err != nil {
		check = "DOES NOT match: " + err.Error()
	}
	t.indent(fmt.Sprintf("this runtime, %s %s/%s, %s catalog %s:", runtime.Version(), runtime.GOOS, runtime.GOARCH, check, cat.Name))
	t.indent(fmt.Sprintf("%d wait reasons, %d trace block reasons, every text, and the g field offsets", len(cat.Wait), len(cat.Trace)))
	return nil
}

// labelList formats labels as k=v pairs, sorted by key.
func labelList(labels map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		kv = append(kv, k+"="+strconv.Quote(labels[k]))
	}
	return strings.Join(kv, ", ")
}

// goroutines says "1 goroutine" or "N goroutines".
func goroutines(n int) string {
	if n == 1 {
		return "1 goroutine"
	}
	return fmt.Sprintf("%d goroutines", n)
}
