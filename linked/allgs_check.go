package linked

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

var (
	censusMu      sync.Mutex
	censusChecked bool
)

// CheckCensus verifies, once per process until it passes, the g fields
// ReadAllG reads, each against a witness that does not depend on our
// offsets: a goroutine it starts itself, locked to its thread and blocked
// in a channel receive, must show the id, function, creation line and
// creator that the runtime's own traceback prints for it, the pprof label
// set the checker gave it, a lockedm, and a waitsince stamped between the
// checker's two clock readings (the mark termination of its first GC,
// stamped by the second's scan of the witness). It
// runs two GCs (about a millisecond each in a small heap; each stops the
// world twice, briefly): call it before the goroutines you want to count
// pile up. Check must pass first (the status, goid and wait reason).
func CheckCensus() error {
	censusMu.Lock()
	defer censusMu.Unlock()
	if censusChecked {
		return nil
	}
	if err := Check(); err != nil {
		return err
	}
	if err := vettedLayout.check(); err != nil {
		return err
	}
	censusChecked = true
	return nil
}

// The witness goroutine: started with no arguments, so that its startpc is
// censusWitness's own entry rather than a wrapper's.
var (
	witnessG       atomic.Pointer[G]
	witnessStack   atomic.Pointer[[]byte]
	witnessStarted = make(chan struct{}, 1)
	witnessRelease = make(chan struct{})
	witnessExited  = make(chan struct{}, 1)
)

const witnessLabel = "gsysint-demo/linked.CheckCensus"

//go:noinline
func censusWitness() {
	runtime.LockOSThread() // the witness of lockedm
	defer runtime.UnlockOSThread()
	witnessG.Store(Getg())
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	witnessStack.Store(&buf)
	witnessStarted <- struct{}{}
	<-witnessRelease
	witnessExited <- struct{}{}
}

func (l *gLayout) check() error {
	me := Getg().ID()
	token := strconv.FormatInt(Nanotime1(), 36)
	t0 := Nanotime1()
	runtime.GC() // its mark termination, after t0, is the stamp the next scan uses
	pprof.Do(context.Background(), pprof.Labels(witnessLabel, token), func(context.Context) {
		go censusWitness() // the line the witness's stack names as its creator
	})
	<-witnessStarted
	gp := witnessG.Load()
	stack := *witnessStack.Load()
	release := func() { witnessRelease <- struct{}{}; <-witnessExited }
	if err := awaitStatus(gp, StatusWaiting, "blocked in a channel receive"); err != nil {
		release()
		return err
	}
	runtime.GC() // scans the witness's stack: stamps waitsince with the first GC's time
	t1 := Nanotime1()
	var r GRecord
	var t texts
	t.refresh()
	ok := l.read(gp, &r, &t)
	release()
	if !ok || r.Changing {
		return fmt.Errorf("census check: the witness goroutine read as dead or changing (status at offset %d)", l.status)
	}
	return l.verify(&r, witness{me: me, stack: stack, token: token, t0: t0, t1: t1})
}

// witness is what the checker knows of its goroutine from elsewhere than
// the g: its own goid, the witness's traceback, the label value, and the
// clock before the first GC and after the second.
type witness struct {
	me     uint64
	stack  []byte
	token  string
	t0, t1 int64
}

func (l *gLayout) verify(r *GRecord, w witness) error {
	// "goroutine 7 [running]:" … "created by gsysint-demo/linked.(*gLayout).check.func1 in goroutine 1\n\t/path/allgs_check.go:71 +0x25"
	id, fn, created, parent, err := parseOwnStack(w.stack)
	if err != nil {
		return fmt.Errorf("census check: %w", err)
	}
	if r.ID != id {
		return fmt.Errorf("census check: goid read at offset %d is %d, the witness's traceback says goroutine %d", l.goid, r.ID, id)
	}
	if r.Status != StatusWaiting || r.Reason != chanReceive() || r.Text != "chan receive" {
		return fmt.Errorf("census check: the witness read as status %d reason %d, want %d (_Gwaiting) and %d (chan receive)", r.Status, r.Reason, StatusWaiting, chanReceive())
	}
	f := runtime.FuncForPC(r.StartPC)
	if f == nil || f.Entry() != r.StartPC || f.Name() != fn {
		return fmt.Errorf("census check: startpc read at offset %d is %#x (%s), want the entry of %s", l.startpc, r.StartPC, funcName(f), fn)
	}
	if file, line := creationSite(r.GoPC); file+":"+strconv.Itoa(line) != created {
		return fmt.Errorf("census check: gopc read at offset %d is %#x (%s:%d), the witness's traceback says it was created at %s", l.gopc, r.GoPC, file, line, created)
	}
	if r.ParentID != parent || parent != w.me {
		return fmt.Errorf("census check: parentGoid read at offset %d is %d, the witness was started by goroutine %d (traceback says %d)", l.parentGoid, r.ParentID, w.me, parent)
	}
	if want := []Label{{witnessLabel, w.token}}; !slices.Equal(r.Labels, want) {
		return fmt.Errorf("census check: labels read at offset %d are %v, the checker set %v", l.labels, r.Labels, want)
	}
	if r.WaitSince < w.t0 || r.WaitSince > w.t1 {
		return fmt.Errorf("census check: waitsince read at offset %d is %d, want a GC's mark termination time between %d and %d", l.waitsince, r.WaitSince, w.t0, w.t1)
	}
	if !r.LockedToThread {
		return fmt.Errorf("census check: lockedm read at offset %d is 0, the witness is locked to its thread", l.lockedm)
	}
	if r.RunningCleanups {
		return fmt.Errorf("census check: runningCleanups read at offset %d is set for the witness, which runs no cleanups", l.runningCleanups)
	}
	return nil
}

func funcName(f *runtime.Func) string {
	if f == nil {
		return "no function"
	}
	return f.Name()
}

// creationSite is where the runtime says a goroutine was created: gopc is
// the return address of the call to newproc, so the line is that of the
// instruction before it, as runtime.printcreatedby computes it.
func creationSite(gopc uintptr) (string, int) {
	f := runtime.FuncForPC(gopc)
	if f == nil {
		return "", 0
	}
	pc := gopc
	if pc > f.Entry() {
		pc--
	}
	return f.FileLine(pc)
}

// CreationSite is creationSite for the census: the function, file and line
// of the go statement whose newproc call returns to gopc.
func CreationSite(gopc uintptr) (fn, file string, line int) {
	f := runtime.FuncForPC(gopc)
	if f == nil {
		return "", "", 0
	}
	file, line = creationSite(gopc)
	return f.Name(), file, line
}

// parseOwnStack reads what a goroutine's runtime.Stack(buf, false) says of
// it: the id from "goroutine 7 [running]:", its function from the last
// frame before "created by", and the creation site and creator from
//
//	created by gsysint-demo/linked.(*gLayout).check.func1 in goroutine 1
//		/path/linked/allgs_check.go:71 +0x25
func parseOwnStack(b []byte) (id uint64, fn, created string, parent uint64, err error) {
	lines := bytes.Split(b, []byte("\n"))
	head, ok := bytes.CutPrefix(lines[0], []byte("goroutine "))
	if i := bytes.IndexByte(head, ' '); ok && i > 0 {
		id, err = strconv.ParseUint(string(head[:i]), 10, 64)
	}
	if !ok || err != nil || id == 0 {
		return 0, "", "", 0, fmt.Errorf("the witness's traceback starts %q, want \"goroutine N [running]:\"", lines[0])
	}
	for i := 1; i+1 < len(lines); i++ {
		rest, ok := bytes.CutPrefix(lines[i], []byte("created by "))
		if !ok {
			continue
		}
		_, g, _ := bytes.Cut(rest, []byte(" in goroutine "))
		parent, err = strconv.ParseUint(string(g), 10, 64)
		site := bytes.TrimSpace(lines[i+1])
		if j := bytes.LastIndex(site, []byte(" +0x")); j > 0 {
			site = site[:j]
		}
		if i >= 3 { // the frame before: its function line, then its file line
			fn = string(lines[i-2])
			if j := bytes.LastIndexByte(lines[i-2], '('); j > 0 {
				fn = string(lines[i-2][:j])
			}
		}
		if err != nil || fn == "" {
			break
		}
		return id, fn, string(site), parent, nil
	}
	return 0, "", "", 0, fmt.Errorf("no \"created by ... in goroutine N\" line in the witness's traceback:\n%s", b)
}
