package park

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"gsysint-demo/linked"
)

func newParker(t *testing.T) *Parker {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Release() })
	return p
}

// allStacks returns the debug=2 text of every goroutine, as runtime.Stack
// prints it.
func allStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// ids returns the goroutine ids of a group, read through the g offsets.
func ids(p *Parker, group int) []uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	gr := p.groups[group]
	out := make([]uint64, len(gr.waiters))
	for i := range out {
		out[i] = gr.waiters[i].g.Load().ID()
	}
	return out
}

// settle waits, with a bound, until no goroutine parked by p is left and
// the goroutine count is back to base or below (goroutines of earlier tests
// may still be exiting when base is taken). Released goroutines have
// returned from park when Release returns, but may still be exiting.
func settle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ours := strings.Count(allStacks(), WaiterFunc+"(")
		n := runtime.NumGoroutine()
		if ours == 0 && n <= base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still in park, %d goroutines in all, want 0 and at most %d", ours, n, base)
		}
		runtime.Gosched()
	}
}

func TestEveryParkableReasonShowsInDebug2(t *testing.T) {
	cat := linked.Vetted()
	for _, e := range cat.Wait {
		if !e.Class.Parkable() {
			continue
		}
		t.Run(e.Text, func(t *testing.T) {
			base := runtime.NumGoroutine()
			p := newParker(t)
			pks, err := p.Park(context.Background(), Group{Reason: e.Text, Count: 1})
			if err != nil {
				t.Fatal(err)
			}
			pk := pks[0]
			if pk.Wait.Custom || pk.Wait.Index != e.Index {
				t.Fatalf("parked as %v, want the runtime's index %d", pk.Wait, e.Index)
			}
			header := fmt.Sprintf("goroutine %d [%s]:\n", ids(p, 0)[0], e.Text)
			if dump := allStacks(); !strings.Contains(dump, header) {
				t.Fatalf("debug=2 dump lacks %q", header)
			}
			if r := p.Release(); r.Released != 1 || r.NotWaiting != 0 {
				t.Fatalf("Release = %+v, want 1 released", r)
			}
			settle(t, base)
		})
	}
}

func TestCustomReasonBorrowsAndRestoresSlot(t *testing.T) {
	base := runtime.NumGoroutine()
	p := newParker(t)
	pks, err := p.Park(context.Background(), Group{Reason: "waiting for godot", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	pk := pks[0]
	if !pk.Wait.Custom {
		t.Fatalf("parked as %v, want custom", pk.Wait)
	}
	slot := linked.WaitReason(pk.Wait.Index)
	own := linked.Vetted().Wait[slot].Text
	if got := linked.WaitText(slot); got != "waiting for godot" {
		t.Fatalf("slot %d holds %q while parked", slot, got)
	}
	if pk.Trace.Text != "unspecified" || pk.Trace.Index != 0 {
		t.Fatalf("trace reason %v, want \"unspecified\" (0) for custom text", pk.Trace)
	}
	dump := allStacks()
	for _, id := range ids(p, 0) {
		if header := fmt.Sprintf("goroutine %d [waiting for godot]:\n", id); !strings.Contains(dump, header) {
			t.Fatalf("debug=2 dump lacks %q", header)
		}
	}
	if r := p.Release(); r.Released != 3 {
		t.Fatalf("Release = %+v, want 3 released", r)
	}
	if got := linked.WaitText(slot); got != own {
		t.Fatalf("slot %d holds %q after release, want its own %q", slot, got, own)
	}
	settle(t, base)
}

func TestCustomTraceReasonBorrowsAndRestoresSlot(t *testing.T) {
	p := newParker(t)
	pks, err := p.Park(context.Background(), Group{Reason: "chan send", TraceReason: "waiting for godot (trace)", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	pk := pks[0]
	slot := linked.TraceReason(pk.Trace.Index)
	if !pk.Trace.Custom || linked.TraceText(slot) != "waiting for godot (trace)" {
		t.Fatalf("trace reason %v, slot holds %q", pk.Trace, linked.TraceText(slot))
	}
	p.Release()
	if got, want := linked.TraceText(slot), linked.Vetted().Trace[slot].Text; got != want {
		t.Fatalf("trace slot %d holds %q after release, want %q", slot, got, want)
	}
}

func TestRuntimePairingIsTheDefaultTraceReason(t *testing.T) {
	for wait, trace := range map[string]string{
		"chan receive":        "chan receive",
		"chan send":           "chan send",
		"select":              "select",
		"select (no cases)":   "forever",
		"sync.Cond.Wait":      "sync.(*Cond).Wait",
		"sync.Mutex.Lock":     "sync",
		"sync.WaitGroup.Wait": "sync",
		"sleep":               "sleep",
		"IO wait":             "network",
		"coroutine":           "unspecified",
	} {
		p := newParker(t)
		pk, err := p.Resolve(Group{Reason: wait, Count: 1})
		if err != nil {
			t.Fatal(err)
		}
		if pk[0].Trace.Text != trace {
			t.Errorf("%q pairs with trace reason %v, want %q", wait, pk[0].Trace, trace)
		}
	}
}

func TestRefusedReasonsParkNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	p := newParker(t)
	for _, e := range linked.Vetted().Wait {
		if e.Class != linked.Refused {
			continue
		}
		_, err := p.Park(context.Background(), Group{Reason: e.Text, Count: 2})
		if err == nil || !strings.Contains(err.Error(), "suspendG") {
			t.Errorf("reason %q: err = %v, want a refusal that names the suspendG class", e.Text, err)
		}
	}
	if n := runtime.NumGoroutine(); n != base {
		t.Fatalf("%d goroutines after refusals, want %d", n, base)
	}
	if r := p.Release(); r != (Released{}) {
		t.Fatalf("Release after refusals = %+v, want nothing", r)
	}
}

func TestOutOfRangeIsRefusedByTheCatalog(t *testing.T) {
	cat := linked.Vetted()
	if err := cat.CheckParkable(linked.WaitReason(len(cat.Wait)), 0); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("wait reason %d: err = %v", len(cat.Wait), err)
	}
	if err := cat.CheckParkable(19, linked.TraceReason(len(cat.Trace))); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("trace reason %d: err = %v", len(cat.Trace), err)
	}
}

func TestTooManyCustomReasons(t *testing.T) {
	p := newParker(t)
	slots := linked.Vetted().WaitSlots
	var groups []Group
	for i := range len(slots) + 1 {
		groups = append(groups, Group{Reason: fmt.Sprintf("custom %d", i), TraceReason: "forever", Count: 1})
	}
	if _, err := p.Resolve(groups[:len(slots)]...); err != nil {
		t.Fatalf("%d custom reasons for %d slots: %v", len(slots), len(slots), err)
	}
	_, err := p.Resolve(groups...)
	if !errors.Is(err, ErrTooManyCustom) || !strings.Contains(err.Error(), fmt.Sprint(len(slots))) {
		t.Fatalf("err = %v, want ErrTooManyCustom naming the limit %d", err, len(slots))
	}
}

func TestLentSlotConflictsWithItsRuntimeText(t *testing.T) {
	p := newParker(t)
	pks, err := p.Park(context.Background(), Group{Reason: "waiting for godot", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	pk := pks[0]
	own := linked.Vetted().Wait[pk.Wait.Index].Text
	if _, err := p.Park(context.Background(), Group{Reason: own, Count: 1}); err == nil || !strings.Contains(err.Error(), "lent") {
		t.Fatalf("parking with %q while its slot is lent: err = %v", own, err)
	}
}

func TestLabelsReachDebug1AndProtobuf(t *testing.T) {
	p := newParker(t)
	if _, err := p.Park(context.Background(), Group{Reason: "select", Count: 4, Labels: map[string]string{"job": "w7"}}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	want := `4 @ `
	labels := `# labels: {"job":"w7", "reason":"select", "trace_reason":"select"}`
	if !strings.Contains(b.String(), labels) || !strings.Contains(b.String(), want) {
		t.Fatalf("debug=1 lacks %q for 4 goroutines:\n%s", labels, b.String())
	}
}

func TestReservedLabel(t *testing.T) {
	p := newParker(t)
	if _, err := p.Resolve(Group{Count: 1, Labels: map[string]string{"reason": "x"}}); err == nil {
		t.Fatal("label reason=x accepted")
	}
}

func TestCancelWhileParking(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := New(WithProgress(func(started, total int) { cancel() }))
	if err != nil {
		t.Fatal(err)
	}
	pks, err := p.Park(ctx, Group{Count: 200000})
	if len(pks) != 1 {
		t.Fatalf("Park returned %d groups, want 1", len(pks))
	}
	pk := pks[0]
	if !errors.Is(err, context.Canceled) || pk.Count == 0 || pk.Count >= 200000 {
		t.Fatalf("Park = %d parked, %v; want some parked and context.Canceled", pk.Count, err)
	}
	if r := p.Release(); r.Released != pk.Count {
		t.Fatalf("released %d, parked %d", r.Released, pk.Count)
	}
	settle(t, base)
}

func TestLeakedGoroutinesAreRecovered(t *testing.T) {
	leak := pprof.Lookup("goroutineleak")
	if leak == nil {
		t.Skip("this runtime has no goroutineleak profile: Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile")
	}
	base := runtime.NumGoroutine()
	p := newParker(t)
	if _, err := p.Park(context.Background(), Group{Reason: "chan receive", Count: 5}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := leak.WriteTo(&b, 2); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids(p, 0) {
		if header := fmt.Sprintf("goroutine %d [chan receive (leaked)]:\n", id); !strings.Contains(b.String(), header) {
			t.Fatalf("goroutineleak debug=2 lacks %q:\n%s", header, b.String())
		}
	}
	r := p.Release()
	if r.Released != 5 || r.LeakedRecovered != 5 {
		t.Fatalf("Release = %+v, want 5 released, 5 of them leaked", r)
	}
	settle(t, base)
}

func TestMain(m *testing.M) {
	// The first check of the runtime starts and ends a witness goroutine:
	// have it done before tests take their goroutine baselines.
	if err := linked.Check(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestBeforeStartSeesCustomTextAndNoGoroutine(t *testing.T) {
	var seen string
	var p *Parker
	p, err := New(WithBeforeStart(func() error {
		seen = linked.TraceText(12)
		if n := len(p.groups); n != 1 || len(p.groups[0].waiters) != 0 {
			return fmt.Errorf("before start: %d groups, want 1 with nothing started", n)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	if _, err := p.Park(context.Background(), Group{Reason: "chan send", TraceReason: "waiting for godot (trace)", Count: 2}); err != nil {
		t.Fatal(err)
	}
	if seen != "waiting for godot (trace)" {
		t.Fatalf("before start, trace slot 12 held %q", seen)
	}
}

func TestSeveralGroupsAtOnce(t *testing.T) {
	p := newParker(t)
	pks, err := p.Park(context.Background(),
		Group{Reason: "chan receive", Count: 2},
		Group{Reason: "waiting for godot", Count: 3},
		Group{Reason: "waiting for lefty", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(pks) != 3 || pks[1].Wait.Index == pks[2].Wait.Index || !pks[1].Wait.Custom {
		t.Fatalf("Park = %+v, want 3 groups, two custom texts in different slots", pks)
	}
	if r := p.Release(); r.Released != 6 {
		t.Fatalf("Release = %+v, want 6", r)
	}
}

// The reason tables belong to the process: two Parkers never lend one slot
// to two texts, and each slot gets its own text back.
func TestParkersShareTheTables(t *testing.T) {
	a, b := newParker(t), newParker(t)
	pa, err := a.Park(context.Background(), Group{Reason: "foo", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Park(context.Background(), Group{Reason: "bar", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if pa[0].Wait.Index == pb[0].Wait.Index {
		t.Fatalf("both Parkers lent slot %d", pa[0].Wait.Index)
	}
	dump := allStacks()
	for _, h := range []string{
		fmt.Sprintf("goroutine %d [foo]:\n", ids(a, 0)[0]),
		fmt.Sprintf("goroutine %d [bar]:\n", ids(b, 0)[0]),
	} {
		if !strings.Contains(dump, h) {
			t.Errorf("dump lacks %q", h)
		}
	}
	a.Release()
	b.Release()
	for _, pk := range []Parked{pa[0], pb[0]} {
		if got, want := linked.WaitText(linked.WaitReason(pk.Wait.Index)), linked.Vetted().Wait[pk.Wait.Index].Text; got != want {
			t.Errorf("slot %d holds %q after both releases, want %q", pk.Wait.Index, got, want)
		}
	}
}

func TestCustomTextLimits(t *testing.T) {
	p := newParker(t)
	for _, g := range []Group{
		{Reason: strings.Repeat("x", linked.MaxCustomText+1), Count: 1},
		{Reason: "two\nlines", Count: 1},
		{TraceReason: strings.Repeat("t", 70000), Count: 1},
	} {
		if _, err := p.Park(context.Background(), g); err == nil {
			t.Errorf("parked with a reason of %d bytes: %.40q", len(g.Reason+g.TraceReason), g.Reason+g.TraceReason)
		}
	}
	if _, err := p.Park(context.Background(), Group{Reason: strings.Repeat("x", linked.MaxCustomText), Count: 1}); err != nil {
		t.Fatalf("a reason of exactly %d bytes: %v", linked.MaxCustomText, err)
	}
}

// Custom text that would make a debug=2 header read as the runtime's own,
// or that has a character that does not print, is refused by park itself,
// for every user of the library, with a *TextError that names the text.
func TestResolveRefusesForgedText(t *testing.T) {
	p := newParker(t)
	for _, tc := range []struct {
		g    Group
		kind string
		text string
		why  string // a part of TextError.Why
	}{
		{Group{Reason: "running", Count: 1}, "wait", "running", "goroutine's state"},
		{Group{Reason: "godot (leaked)", Count: 1}, "wait", "godot (leaked)", `"(leaked)"`},
		{Group{Reason: "godot, 5 minutes", Count: 1}, "wait", "godot, 5 minutes", "N minutes"},
		{Group{Reason: "godot, locked to thread", Count: 1}, "wait", "godot, locked to thread", "locked to thread"},
		{Group{Reason: "godot labels:{job: w7}", Count: 1}, "wait", "godot labels:{job: w7}", "labels:"},
		{Group{Reason: "godot] {job: w7", Count: 1}, "wait", "godot] {job: w7", "[, ], { or }"},
		{Group{Reason: "go\u200bdot", Count: 1}, "wait", "go\u200bdot", "U+200B"},
		{Group{Reason: "godot", TraceReason: "bell\a", Count: 1}, "trace", "bell\a", "U+0007"},
	} {
		_, err := p.Resolve(tc.g)
		var te *TextError
		if !errors.As(err, &te) {
			t.Errorf("Resolve(%+v) = %v, want a *TextError", tc.g, err)
			continue
		}
		if te.Kind != tc.kind || te.Text != tc.text || !strings.Contains(te.Why, tc.why) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.text)) {
			t.Errorf("Resolve(%+v): %#v (%v), want kind %s, text %q and a reason with %q", tc.g, te, err, tc.kind, tc.text, tc.why)
		}
		if _, err := p.Park(context.Background(), tc.g); !errors.As(err, &te) {
			t.Errorf("Park(%+v) = %v, want a *TextError", tc.g, err)
		}
	}
	// A trace reason shows in no goroutine header: only printing counts.
	if _, err := p.Resolve(Group{Reason: "godot", TraceReason: "running", Count: 1}); err != nil {
		t.Errorf("trace reason \"running\": %v, want it accepted", err)
	}
}

// A goroutine that Release finds not waiting may still park, with the slot
// its group's custom text borrowed: Release keeps that slot lent (and its
// text in the runtime's table) rather than give it to the next custom
// text, and still releases the other groups. The runtime never makes a
// parked goroutine run without our wake-up, so the test plants a waiter
// whose g is the running test goroutine, as Park would have recorded it.
func TestReleaseKeepsSlotOfNotWaitingGoroutine(t *testing.T) {
	p := newParker(t)
	ok, err := p.Park(context.Background(), Group{Reason: "waiting for estragon", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	pk, err := p.Resolve(Group{Reason: "waiting for godot", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	stuck := &group{parked: pk[0], waiters: make([]waiter, 1)}
	stuck.waiters[0].g.Store(linked.Getg())
	stuck.waiters[0].state.Store(parked)
	stuck.done.Add(1) // it never returns: Release must not wait for it
	tables.Lock()
	tables.wait.hold(pk[0].Wait)
	tables.trace.hold(pk[0].Trace)
	tables.Unlock()
	t.Cleanup(func() { // give the slot back for the other tests, if Release kept it
		tables.Lock()
		defer tables.Unlock()
		if _, held := tables.wait.lent[pk[0].Wait.Text]; held {
			tables.wait.release(pk[0].Wait)
			tables.trace.release(pk[0].Trace)
		}
	})
	p.mu.Lock()
	p.groups = append(p.groups, stuck)
	p.mu.Unlock()

	if r := p.Release(); r.NotWaiting != 1 || r.Released != 2 {
		t.Fatalf("Release() = %+v, want 2 released and 1 not waiting", r)
	}
	slot := linked.WaitReason(pk[0].Wait.Index)
	if got := linked.WaitText(slot); got != "waiting for godot" {
		t.Errorf("slot %d of the goroutine found not waiting holds %q after Release, want its custom text %q kept", slot, got, "waiting for godot")
	}
	next, err := p.Resolve(Group{Reason: "waiting for pozzo", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if next[0].Wait.Index == pk[0].Wait.Index {
		t.Errorf("a new custom text is lent slot %d, which a goroutine found not waiting may still park with", pk[0].Wait.Index)
	}
	if got, want := linked.WaitText(linked.WaitReason(ok[0].Wait.Index)), linked.Vetted().Wait[ok[0].Wait.Index].Text; got != want {
		t.Errorf("slot %d of the released group holds %q, want its own text %q back", ok[0].Wait.Index, got, want)
	}
}
