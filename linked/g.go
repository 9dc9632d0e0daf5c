package linked

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"
)

func (gp *G) field(off uintptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(gp), off) }

// Status returns gp's atomicstatus, with the _Gscan bit if it is set.
func (gp *G) Status() uint32 {
	return atomic.LoadUint32((*uint32)(gp.field(offAtomicstatus)))
}

// ID returns gp's goroutine id, as printed in dumps ("goroutine 18 [...]").
func (gp *G) ID() uint64 { return *(*uint64)(gp.field(offGoid)) }

// WaitReason returns gp's wait reason; it means something only while gp is
// waiting.
func (gp *G) WaitReason() WaitReason { return *(*WaitReason)(gp.field(offWaitreason)) }

// WakeResult says what Wake did.
type WakeResult uint8

const (
	// Woken: gp was _Gwaiting and is now runnable.
	Woken WakeResult = iota
	// WokenLeaked: the goroutineleak profile had set gp _Gleaked; Wake
	// restored _Gwaiting and readied it.
	WokenLeaked
	// Busy: gp is _Gleaked and the GC owns its stack (_Gscan) right now.
	// Unlock, let the GC finish, and call Wake again.
	Busy
	// NotWaiting: gp is neither waiting nor leaked, so readying it would
	// throw "bad g->status in ready". It was left alone.
	NotWaiting
)

// Wake readies gp, a goroutine that parked through ParkUnlock (or Gopark)
// with a lock the caller now holds. Holding a runtime lock keeps the world
// from stopping, so no leak-detecting GC can change gp's status between the
// check and the ready. Waking a goroutine that the goroutineleak profile
// marked leaked must also not overlap a walk of that profile: hold
// internal/leaklock.Mu around both (park does).
func Wake(gp *G) WakeResult {
	for {
		switch s := gp.Status(); s &^ statusScan {
		case StatusWaiting:
			// A scan bit here is released by the GC without our help;
			// goready's status CAS waits for it.
			ready(gp, readySkip)
			return Woken
		case StatusLeaked:
			if s&statusScan != 0 {
				return Busy
			}
			if atomic.CompareAndSwapUint32((*uint32)(gp.field(offAtomicstatus)), StatusLeaked, StatusWaiting) {
				ready(gp, readySkip)
				return WokenLeaked
			}
			// The status moved under us (the GC took the scan bit): look again.
		default:
			return NotWaiting
		}
	}
}

// readySkip drops runtime.systemstack_switch, runtime.goready and Wake from
// the stack of the unblock event the tracer records: it starts at Wake's
// caller.
const readySkip = 3

// checkG verifies the g offsets against witnesses that do not depend on
// them: the goroutine id that runtime.Stack prints, the running status of
// the calling goroutine, and the status and wait reason of a goroutine
// blocked in a channel receive.
func checkG() error {
	gp := Getg()
	if got, want := gp.ID(), stackGoid(); got != want {
		return fmt.Errorf("g offset check: goid read at offset %d is %d, runtime.Stack says goroutine %d", offGoid, got, want)
	}
	if s := gp.Status() &^ statusScan; s != StatusRunning { // a stack scan may hold the scan bit
		return fmt.Errorf("g offset check: status read at offset %d is %#x for the running goroutine, want %d (_Grunning)", offAtomicstatus, s, StatusRunning)
	}

	var blocked atomic.Pointer[G]
	release := make(chan struct{})
	started := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		blocked.Store(Getg())
		close(started)
		<-release
	}()
	<-started
	bg := blocked.Load()
	err := awaitStatus(bg, StatusWaiting, "blocked in a channel receive")
	if err == nil {
		if got, want := bg.WaitReason(), chanReceive(); got != want {
			err = fmt.Errorf("g offset check: wait reason read at offset %d is %d, want %d (chan receive)", offWaitreason, got, want)
		}
	}
	close(release)
	<-exited
	return err
}

// awaitStatus polls gp's status, for a few seconds at most.
func awaitStatus(gp *G, status uint32, what string) error {
	deadline := time.Now().Add(5 * time.Second)
	for gp.Status()&^statusScan != status {
		if time.Now().After(deadline) {
			return fmt.Errorf("g offset check: a goroutine %s never showed status %d at offset %d; last read %#x", what, status, offAtomicstatus, gp.Status())
		}
		runtime.Gosched()
	}
	return nil
}

func chanReceive() WaitReason {
	w, _ := vetted.WaitIndex("chan receive")
	return w
}

// stackGoid parses the calling goroutine's id from its own traceback,
// whose first line reads "goroutine 18 [running]:".
func stackGoid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
