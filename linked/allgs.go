package linked

import (
	"sync/atomic"
	"unsafe"
)

// The runtime's list of every goroutine, pulled as two variables. Neither
// is pushed: the build needs -ldflags=-checklinkname=0. Checked on Go
// 1.26.8 and 1.27.3.
//
// runtime/proc.go: var allglen uintptr, allgptr **g. allgadd stores allgptr
// (the array of allgs) before allglen, under allglock; lock-free readers
// (the runtime's forEachGRace) load allglen first, then allgptr, so the
// array they hold has at least that many entries. A grown array replaces
// the old one, which stays valid (and reachable from our local copy of the
// pointer) for as long as we read it. Entries are never removed: a goroutine
// that exits leaves its g in the array as _Gdead, to be reused.
//
//go:linkname allglen runtime.allglen
var allglen uintptr

//go:linkname allgptr runtime.allgptr
var allgptr unsafe.Pointer

// fingStatus says, among other things, whether the finalizer goroutine is
// running user code (runtime.isSystemGoroutine counts it as a user
// goroutine then).
//
// runtime/mfinal.go: var fingStatus atomic.Uint32. Not pushed: the build
// needs -ldflags=-checklinkname=0. Checked on Go 1.26.8 and 1.27.3.
//
//go:linkname fingStatus runtime.fingStatus
var fingStatus uint32

// gLayout is where the census finds each field it reads in a g. The vetted
// layout for this Go version is in allgs_go*.go; tests read with a wrong
// one to show that CheckCensus catches it.
type gLayout struct {
	status, goid, m, waitsince, waitreason, trackingSeq, lockedm,
	runningCleanups, parentGoid, gopc, startpc, labels uintptr
}

// Label mirrors internal/runtime/pprof/label.Label, the element of the
// label set runtime/pprof hangs from a g: {Key, Value string}.
type Label struct {
	Key, Value string
}

// labelSet mirrors runtime/pprof.labelMap, which g.labels points to: a
// struct holding internal/runtime/pprof/label.Set, itself {List []Label},
// sorted by key. runtime/pprof builds a new one for every change
// (WithLabels, Do) and never writes one it has published, so a list read
// through a g stays valid and unchanged for as long as we hold it.
type labelSet struct {
	list []Label
}

// GRecord is one goroutine as its g described it at one moment.
type GRecord struct {
	G      *G     // the g itself: the same for the goroutine's whole life
	ID     uint64 // goid
	Status uint32 // atomicstatus without the _Gscan bit

	// Reason is the wait reason; it means something only for StatusWaiting
	// and StatusLeaked. Text is its text in the runtime's table (custom
	// texts included) for as long as the read lasted, "" for reason 0 or
	// another status.
	Reason WaitReason
	Text   string

	// WaitSince is stamped by the first GC stack scan that finds the
	// goroutine blocked (runtime/mgcmark.go markroot), and cleared when it
	// runs. The stamp is work.tstart: the runtime's nanotime when the
	// previous GC cycle began its mark termination (mgc.go gcMark), not the
	// time it blocked, and 0 in the process's first cycle. Compare it with
	// Nanotime1.
	WaitSince int64

	GoPC     uintptr // return address of the call to newproc in the go statement
	StartPC  uintptr // entry of the goroutine's function
	ParentID uint64  // goid of the goroutine whose go statement started it

	// LockedToThread: runtime.LockOSThread (debug=2: ", locked to thread").
	LockedToThread bool

	// RunningCleanups: a runtime cleanup goroutine running user code,
	// which the runtime then counts as a user goroutine.
	RunningCleanups bool

	// Labels are the goroutine's pprof labels, sorted by key: runtime/pprof's
	// own list, shared, never written. Do not modify it.
	Labels []Label

	// Changing: the g changed under every read (see ReadAllG); ID and
	// Status are the last read's, taken one after the other (a g that
	// exited and was reused in between gives the status of one goroutine
	// and the id of the next), the other fields are zero.
	Changing bool
}

// maxReads bounds the reads of one g that keeps changing under us.
const maxReads = 4

// duringRead, when a test sets it, runs between the two halves of every
// read of a g: the moment another thread's change must be caught.
var duringRead func(gp *G)

// ReadAllG calls fn with a record of every goroutine in the runtime's
// allgs that is not dead, without taking any lock and without stopping the
// world: the runtime's own forEachGRace reads the list the same way. The
// record passed to fn is reused: copy what fn keeps. Goroutines started
// during the walk may be missed. It returns the number of gs it read
// (dead ones included).
//
// A g belongs to another thread while we read it, so no record is taken
// from a g that changed during the read: the status, goid, m and
// trackingSeq are read before and after the other fields, and the record
// counts only if all four are unchanged. Any change of the fields we report
// happens while the goroutine runs, and a goroutine that ran between our
// two reads either still runs (same status, and its fields are its own at
// one moment), or has left _Grunning, which increments trackingSeq, or has
// exited (_Gdead) and maybe been reused (new goid). The runtime stores
// trackingSeq just after its status CAS, and clears m (dropg) just after
// that when it parks: reading the status, then m, then trackingSeq the
// second time closes the gap between the two stores, since stores become
// visible in order on amd64 (TSO). What that leaves open on amd64: a first
// read that lands in the few instructions between a park's CAS and its
// dropg, then a wake, a run and a park again on the same M, all within one
// read of ours (tens of nanoseconds), the second read landing in the same
// window of the second park. arm64 does not order the runtime's plain
// stores: there any park, wake, run and park again within one read of ours
// could, in principle, give a record that mixes its two parks. A g that
// changes on maxReads reads in a row is reported with Changing set.
//
// The _Gscan bit is ignored: the GC or the tracer holds the goroutine's
// stack for a moment, which changes none of the fields read here but
// waitsince, which a GC's stack scan stamps once (either value is true).
//
// Labels: g.labels points into the Go heap, at the label set runtime/pprof
// made. It is read only inside a stable read, as one aligned pointer load
// from the g, which allgs keeps reachable: an ordinary load of a live
// pointer, after which the set is reachable from our record and cannot be
// freed, even if its goroutine replaces it right after (the runtime writes
// g.labels with a write barrier, which shades the old set while the GC
// marks). Only the goroutine itself writes g.labels (setProfLabel), so for
// a goroutine that is not running the pointer is the one it parked with;
// for a running one, the one it had at one moment of the read. The set
// itself is never written once published (see labelSet). Race builds
// acquire the runtime's labelSync first, as the runtime's profilers do.
func ReadAllG(fn func(*GRecord)) int {
	return vettedLayout.readAllG(fn)
}

// tableGen counts the changes of the wait reason table (storeString): odd
// while one is under way. A record's Text is taken from a copy of the
// table made at generation gen, and only if the generation was still gen
// before and after the record was read: park lends a slot before any of
// its goroutines parks with it and gives it back only after all of them
// have returned, so a text read otherwise could name a slot's text of
// another moment.
var tableGen atomic.Uint64

// texts is a copy of the wait reason table at one generation.
type texts struct {
	gen  uint64
	text []string
}

func (t *texts) refresh() {
	if t.text == nil { // never allocate under a runtime lock: an assist could park us holding it
		t.text = make([]string, len(waitReasonStrings))
	}
	Lock(&tableLock)
	t.gen = tableGen.Load()
	for i := range waitReasonStrings {
		h := (*stringHeader)(unsafe.Pointer(&waitReasonStrings[i]))
		t.text[i] = unsafe.String((*byte)(atomic.LoadPointer(&h.data)), atomic.LoadUintptr(&h.len))
	}
	Unlock(&tableLock)
}

func (l *gLayout) readAllG(fn func(*GRecord)) int {
	var t texts
	t.refresh()
	n := atomic.LoadUintptr(&allglen)
	arr := atomic.LoadPointer(&allgptr)
	var r GRecord
	for i := range n {
		gp := (*G)(*(*unsafe.Pointer)(unsafe.Add(arr, i*unsafe.Sizeof(uintptr(0)))))
		if l.read(gp, &r, &t) {
			fn(&r)
		}
	}
	return int(n)
}

// read fills r from gp; false if gp is dead.
func (l *gLayout) read(gp *G, r *GRecord, t *texts) bool {
	p := unsafe.Pointer(gp)
	var s1 uint32
	var id1 uint64
	for range maxReads {
		gen1 := tableGen.Load()
		if gen1 != t.gen {
			t.refresh()
			gen1 = t.gen
		}
		s1 = atomic.LoadUint32((*uint32)(unsafe.Add(p, l.status))) &^ statusScan
		if s1 == StatusDead || s1 == StatusDeadExtra {
			return false
		}
		id1 = atomic.LoadUint64((*uint64)(unsafe.Add(p, l.goid)))
		m1 := atomic.LoadUintptr((*uintptr)(unsafe.Add(p, l.m)))
		q1 := loadByte(p, l.trackingSeq)

		r.Reason = WaitReason(loadByte(p, l.waitreason))
		r.WaitSince = atomic.LoadInt64((*int64)(unsafe.Add(p, l.waitsince)))
		r.GoPC = atomic.LoadUintptr((*uintptr)(unsafe.Add(p, l.gopc)))
		r.StartPC = atomic.LoadUintptr((*uintptr)(unsafe.Add(p, l.startpc)))
		r.ParentID = atomic.LoadUint64((*uint64)(unsafe.Add(p, l.parentGoid)))
		r.LockedToThread = atomic.LoadUintptr((*uintptr)(unsafe.Add(p, l.lockedm))) != 0
		r.RunningCleanups = loadByte(p, l.runningCleanups) != 0
		ls := atomic.LoadPointer((*unsafe.Pointer)(unsafe.Add(p, l.labels)))
		if duringRead != nil {
			duringRead(gp)
		}

		s2 := atomic.LoadUint32((*uint32)(unsafe.Add(p, l.status))) &^ statusScan
		m2 := atomic.LoadUintptr((*uintptr)(unsafe.Add(p, l.m)))
		q2 := loadByte(p, l.trackingSeq)
		id2 := atomic.LoadUint64((*uint64)(unsafe.Add(p, l.goid)))
		gen2 := tableGen.Load()
		if s1 == s2 && id1 == id2 && m1 == m2 && q1 == q2 && gen1 == gen2 && gen1%2 == 0 {
			r.G, r.ID, r.Status, r.Changing = gp, id1, s1, false
			r.Text = ""
			if (s1 == StatusWaiting || s1 == StatusLeaked) && r.Reason != 0 {
				r.Text = "unknown wait reason" // what the runtime's bounds-checked String says
				if int(r.Reason) < len(t.text) {
					r.Text = t.text[r.Reason]
				}
			}
			r.Labels = nil
			if ls != nil {
				acquireLabels()
				r.Labels = (*labelSet)(ls).list
			}
			return true
		}
	}
	*r = GRecord{G: gp, ID: id1, Status: s1, Changing: true}
	return true
}

// loadByte loads the byte at p+off atomically, through the aligned 32-bit
// word that holds it (sync/atomic has no 8-bit load). Little-endian: both
// amd64 and arm64 are.
func loadByte(p unsafe.Pointer, off uintptr) uint8 {
	w := atomic.LoadUint32((*uint32)(unsafe.Add(p, off&^3)))
	return uint8(w >> (8 * (off & 3)))
}

// StatusWord is the word the runtime prints for status s in a debug=2
// header when it shows no wait reason ("running", "runnable", "syscall",
// …), and "???" for an unknown status, as the runtime does.
func StatusWord(s uint32) string {
	if int(s) < len(statusWords) && statusWords[s] != "" {
		return statusWords[s]
	}
	return "???"
}

// FinalizerRunning reports whether the runtime's finalizer goroutine is
// running user code right now (runtime.fingStatus has
// fingRunningFinalizer): runtime.isSystemGoroutine counts it as a user
// goroutine then.
func FinalizerRunning() bool {
	return atomic.LoadUint32(&fingStatus)&fingRunningFinalizer != 0
}
