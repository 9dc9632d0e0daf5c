package linked

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestCheck(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
}

// The fast path (goid read at its offset) agrees with the slow path (the id
// runtime.Stack prints) on many goroutines at once.
func TestGoidOffsetAgreesWithStack(t *testing.T) {
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if fast, slow := Getg().ID(), stackGoid(); fast != slow {
				errs <- fmt.Sprintf("offset says %d, runtime.Stack says %d", fast, slow)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestTablesMatchCatalogLive(t *testing.T) {
	cat := Vetted()
	for i, e := range cat.Wait {
		if got := WaitText(WaitReason(i)); got != e.Text {
			t.Errorf("wait %d: live %q, catalog %q", i, got, e.Text)
		}
		if got := waitReasonString(WaitReason(i)); got != e.Text {
			t.Errorf("wait %d: waitReason.String %q, catalog %q", i, got, e.Text)
		}
	}
	for i, e := range cat.Trace {
		if got := TraceText(TraceReason(i)); got != e.Text {
			t.Errorf("trace %d: live %q, catalog %q", i, got, e.Text)
		}
	}
	if got := waitReasonString(WaitReason(len(cat.Wait))); got != "unknown wait reason" {
		t.Errorf("waitReason.String past the end = %q", got)
	}
}

func TestSetTextRestores(t *testing.T) {
	slot := WaitReason(Vetted().WaitSlots[0])
	own := WaitText(slot)
	if old := SetWaitText(slot, "waiting for godot"); old != own {
		t.Fatalf("SetWaitText returned %q, want %q", old, own)
	}
	if got := WaitText(slot); got != "waiting for godot" {
		t.Fatalf("slot holds %q", got)
	}
	// The runtime's own lookup sees it too.
	if got := waitReasonString(slot); got != "waiting for godot" {
		t.Fatalf("waitReason.String sees %q", got)
	}
	SetWaitText(slot, own)
	if got := WaitText(slot); got != own {
		t.Fatalf("restored slot holds %q, want %q", got, own)
	}
}

func TestCatalogShape(t *testing.T) {
	cat := Vetted()
	if len(cat.Wait) != waitReasonCount || len(cat.Trace) != traceReasonCount {
		t.Fatalf("catalog has %d/%d entries, constants say %d/%d", len(cat.Wait), len(cat.Trace), waitReasonCount, traceReasonCount)
	}
	for i, e := range cat.Wait {
		if e.Index != i || e.Note == "" {
			t.Errorf("wait entry %d: %+v", i, e)
		}
	}
	for _, s := range cat.WaitSlots {
		if cat.Wait[s].Class != Borrowable {
			t.Errorf("wait slot %d is %s, want borrowable", s, cat.Wait[s].Class)
		}
	}
	for _, s := range cat.TraceSlots {
		if cat.Trace[s].Class != Borrowable {
			t.Errorf("trace slot %d is %s, want borrowable", s, cat.Trace[s].Class)
		}
	}
	// The suspendG class, exactly as the issue and the runtime list it.
	var refused []int
	for _, e := range cat.Wait {
		if e.Class == Refused {
			refused = append(refused, e.Index)
		}
	}
	if got, want := refused, []int{1, 4, 5, 29, 32, 33, 34, 35, 36, 37}; !slices.Equal(got, want) {
		t.Errorf("refused %v, want %v", got, want)
	}
}

func TestNanotime1IsMonotonic(t *testing.T) {
	a := Nanotime1()
	runtime.Gosched()
	if b := Nanotime1(); b < a || a <= 0 {
		t.Fatalf("Nanotime1 went %d then %d", a, b)
	}
}

// unlockAfterPark is a gopark unlock function: it runs on the system stack
// once the goroutine is in _Gwaiting, where the race detector's
// instrumentation would fault.
//
//go:norace
func unlockAfterPark(_ *G, l unsafe.Pointer) bool {
	Unlock((*Mutex)(l))
	return true
}

// Gopark with an unlock function parks like ParkUnlock does, and Wake
// readies the goroutine under the same lock.
func TestGoparkAndWake(t *testing.T) {
	var mu Mutex
	var gp atomic.Pointer[G]
	done := make(chan struct{})
	go func() {
		Lock(&mu)
		gp.Store(Getg())
		Gopark(unlockAfterPark, unsafe.Pointer(&mu), 19, 7, 1)
		close(done)
	}()
	for gp.Load() == nil {
		runtime.Gosched()
	}
	Lock(&mu) // free once the goroutine is waiting
	status, reason := gp.Load().Status(), gp.Load().WaitReason()
	r := Wake(gp.Load())
	Unlock(&mu)
	<-done
	if status&^statusScan != StatusWaiting || reason != 19 || r != Woken {
		t.Fatalf("parked with status %#x reason %d; Wake = %d", status, reason, r)
	}
}
