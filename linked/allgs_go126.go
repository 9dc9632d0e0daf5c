//go:build go1.26 && !go1.28 && linux && (amd64 || arm64)

package linked

// The census's view of runtime.g (runtime/runtime2.go) and of the label set
// runtime/pprof hangs from it. Checked against the DWARF of programs built
// for amd64 and arm64 with Go 1.26.8 and 1.27.3 (identical there: g is 456
// bytes), and at run time by CheckCensus against independent witnesses.
var vettedLayout = gLayout{
	status:          offAtomicstatus, // atomicstatus atomic.Uint32
	goid:            offGoid,         // goid uint64
	m:               48,              // m *m: nil while parked (dropg)
	waitsince:       168,             // waitsince int64: nanotime, stamped by a GC
	waitreason:      offWaitreason,   // waitreason waitReason (uint8)
	trackingSeq:     191,             // trackingSeq uint8: +1 on every switch out of _Grunning/_Gsyscall
	lockedm:         208,             // lockedm muintptr: nonzero while locked to a thread
	runningCleanups: 220,             // runningCleanups atomic.Bool
	parentGoid:      280,             // parentGoid uint64
	gopc:            288,             // gopc uintptr: return address of the go statement's newproc call
	startpc:         304,             // startpc uintptr: entry of the goroutine's function
	labels:          352,             // labels unsafe.Pointer: *runtime/pprof.labelMap or nil
}

// More goroutine statuses (runtime/runtime2.go), for the census.
const (
	StatusIdle      = 0  // _Gidle: just allocated
	StatusRunnable  = 1  // _Grunnable
	StatusSyscall   = 3  // _Gsyscall
	StatusDead      = 6  // _Gdead: on a free list, or never started
	StatusCopystack = 8  // _Gcopystack
	StatusPreempted = 9  // _Gpreempted
	StatusDeadExtra = 11 // _Gdeadextra: dead, attached to an extra M for cgo callbacks
)

// statusWords are the runtime's gStatusStrings (runtime/traceback.go): the
// word a debug=2 header shows when a goroutine has no wait reason.
var statusWords = [...]string{
	StatusIdle:      "idle",
	StatusRunnable:  "runnable",
	StatusRunning:   "running",
	StatusSyscall:   "syscall",
	StatusWaiting:   "waiting",
	StatusDead:      "dead",
	StatusCopystack: "copystack",
	StatusLeaked:    "leaked",
	StatusPreempted: "preempted",
	StatusDeadExtra: "waiting for cgo callback",
}

// fingRunningFinalizer is the bit of runtime.fingStatus set while the
// finalizer goroutine runs user code (runtime/mfinal.go: fingCreated is 1,
// fingRunningFinalizer 2).
const fingRunningFinalizer = 2
