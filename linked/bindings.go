package linked

import (
	"unsafe"
)

// WaitReason mirrors runtime.waitReason (uint8): why a goroutine in
// _Gwaiting waits. It indexes runtime.waitReasonStrings.
type WaitReason uint8

// TraceReason mirrors runtime.traceBlockReason (uint8): the reason the
// execution tracer records on a goroutine's Running→Waiting transition. It
// indexes runtime.traceBlockReasonStrings.
type TraceReason uint8

// G stands for the runtime's g, the goroutine descriptor. It is opaque: a
// *G is only ever a pointer the runtime gave us (Getg) and is read through
// the vetted offsets of g_go126.go. The runtime never frees a g (dead ones are
// reused), so holding a *G is safe; holding it also keeps it reachable.
type G struct{ _ [0]func() }

// Pull bindings. Each names the runtime definition it mirrors, and whether
// the runtime pushes it (marks it //go:linkname itself, so that a plain
// build may pull it) or not (the build needs -ldflags=-checklinkname=0).
// Checked on Go 1.26.8 and 1.27.3.

// Lock takes a runtime lock. While it is held the M cannot be preempted, so
// the world cannot be stopped: keep the critical section short, and never
// call into the scheduler (runtime.Gosched throws "schedule: holding locks").
//
// runtime/lock_spinbit.go: func lock(l *mutex). Not pushed.
//
//go:linkname Lock runtime.lock
func Lock(l *Mutex)

// Unlock releases a lock taken by Lock.
//
// runtime/lock_spinbit.go: func unlock(l *mutex). Not pushed.
//
//go:linkname Unlock runtime.unlock
func Unlock(l *Mutex)

// ParkUnlock parks the calling goroutine in _Gwaiting with the given wait
// and trace block reasons, then unlocks l: the runtime switches the status
// before it unlocks, so whoever takes l next sees a waiting goroutine. The
// goroutine runs again only when another readies it (Ready). traceskip is
// the number of frames the tracer drops from the block event's stack: frame
// 0 is runtime.gopark, so 2 starts it at the function that called
// ParkUnlock. Both reasons must be ones the catalog allows (see
// CheckParkable): others crash the runtime.
//
// runtime/proc.go: func goparkunlock(lock *mutex, reason waitReason,
// traceReason traceBlockReason, traceskip int). Not pushed.
//
//go:linkname ParkUnlock runtime.goparkunlock
func ParkUnlock(l *Mutex, reason WaitReason, traceReason TraceReason, traceskip int)

// Gopark is the general form of ParkUnlock: it parks the calling goroutine
// in _Gwaiting and then, on the system stack, calls unlockf(gp, lock); if
// unlockf returns false the goroutine resumes at once. unlockf runs on the
// scheduler's stack with the goroutine already switched out: it must not
// block, allocate or grow the stack, and it must be //go:norace, since the
// race detector's instrumentation faults there. The reasons must pass
// CheckParkable.
//
// runtime/proc.go: func gopark(unlockf func(*g, unsafe.Pointer) bool,
// lock unsafe.Pointer, reason waitReason, traceReason traceBlockReason,
// traceskip int). Pushed (the runtime marks it //go:linkname gopark): links
// without the flag.
//
//go:linkname Gopark runtime.gopark
func Gopark(unlockf func(gp *G, lock unsafe.Pointer) bool, lock unsafe.Pointer, reason WaitReason, traceReason TraceReason, traceskip int)

// ready makes gp runnable. It throws "bad g->status in ready" unless gp is
// in _Gwaiting: see Wake, which checks.
//
// runtime/proc.go: func goready(gp *g, traceskip int). Pushed (the runtime
// marks it //go:linkname goready for gvisor): links without the flag.
//
//go:linkname ready runtime.goready
func ready(gp *G, traceskip int)

// waitReasonString is the runtime's bounds-checked lookup in
// waitReasonStrings: past the end it returns "unknown wait reason". It is
// the independent witness of the table's length (see checkTables).
//
// runtime/runtime2.go: func (w waitReason) String() string. Not pushed.
//
//go:linkname waitReasonString runtime.waitReason.String
func waitReasonString(w WaitReason) string
