// Command scenario blocks goroutines in known ways and writes the runtime's
// own goroutine dumps, the fixtures of package dump's tests. It is run by
// `go test ./dump -run TestUpdate -update` (once per toolchain); see
// fixtures_test.go.
//
// Usage:
//
//	scenario -mode MODE -out DIR
//
// Modes (each writes files named MODE.*):
//
//	blocked    every group below; MODE.debug2.txt, MODE.debug1.txt, MODE.pb.gz,
//	           MODE.want.json, and, where the goroutineleak profile exists,
//	           MODE.leak.debug2.txt, MODE.leak.debug1.txt, MODE.leak.pb.gz
//	labels     a few groups with pprof labels; run with GODEBUG=tracebacklabels=1
//	ancestors  goroutines started by goroutines; run with GODEBUG=tracebackancestors=3
//	system     a few groups, a GC, then panic in main; run with GOTRACEBACK=system
//	           (crash text on stderr: runtime.Stack ignores GOTRACEBACK)
//	panic      a few groups, then panic in main; run with GOTRACEBACK=all
//	           (crash text on stderr)
//	deadlock   goroutines blocked on channels only: "all goroutines are asleep"
//	mapwrites  concurrent map writes (crash text on stderr)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"gsysint-demo/dump/internal/fixture"
)

// Primitives the groups block on. They are package-level, hence reachable:
// the goroutine leak detector must not report their waiters.
var (
	chRecv   = make(chan int)
	chSend   = make(chan int)
	chSelA   = make(chan int)
	chSelB   = make(chan int)
	mu       sync.Mutex
	rwRead   sync.RWMutex // write-locked by main: readers wait
	rwWrite  sync.RWMutex // read-locked by main: a writer waits
	condMu   sync.Mutex
	cond     = sync.NewCond(&condMu)
	wg       sync.WaitGroup
	pipeR    *os.File
	pipeW    *os.File
	keepOpen []*os.File
)

// group is a number of goroutines blocked in one function for one reason.
type group struct {
	fn     string // function the goroutines block in, as printed
	reason string // wait reason the runtime prints
	n      int
	labels []string // pprof label pairs, if any
	leaks  bool     // blocked forever: on an unreachable or nil channel, or select {}
	start  func(ready func())
}

func blockChanRecv(ready func()) { ready(); <-chRecv }
func blockChanSend(ready func()) { ready(); chSend <- 1 }
func blockSelect(ready func()) {
	ready()
	select {
	case <-chSelA:
	case chSelB <- 1:
	}
}
func blockSelectNoCases(ready func()) { ready(); select {} }
func blockNilRecv(ready func())       { var c chan int; ready(); <-c }
func blockNilSend(ready func())       { var c chan int; ready(); c <- 1 }
func blockMutex(ready func())         { ready(); mu.Lock() }
func blockRLock(ready func())         { ready(); rwRead.RLock() }
func blockWLock(ready func())         { ready(); rwWrite.Lock() }
func blockCond(ready func()) {
	condMu.Lock()
	ready()
	cond.Wait()
}
func blockWaitGroup(ready func()) { ready(); wg.Wait() }
func blockSleep(ready func())     { ready(); time.Sleep(time.Hour) }
func blockPipeRead(ready func()) {
	ready()
	var b [1]byte
	pipeR.Read(b[:])
}
func blockLabeled(ready func()) { ready(); <-chRecv }
func blockLocked(ready func()) {
	runtime.LockOSThread()
	ready()
	<-chRecv
}

// blockDeep recurses n times before blocking: deeper than the runtime
// prints, so the dump has "...N frames elided...".
func blockDeep(n int, ready func()) {
	if n > 0 {
		blockDeep(n-1, ready)
		return
	}
	ready()
	<-chRecv
}

func leakyRecv(ready func()) {
	ch := make(chan int) // referenced by nothing else: leaked once blocked
	ready()
	<-ch
}

// ancestorsSpawn starts a goroutine that starts another, which blocks:
// with GODEBUG=tracebackancestors the dump shows both creators.
func ancestorsSpawn(ready func()) {
	go ancestorsMiddle(ready)
}

func ancestorsMiddle(ready func()) {
	go blockChanRecv(ready)
}

var groups = map[string]group{
	"chanrecv":      {fn: "main.blockChanRecv", reason: "chan receive", n: 3, start: blockChanRecv},
	"chansend":      {fn: "main.blockChanSend", reason: "chan send", n: 2, start: blockChanSend},
	"select":        {fn: "main.blockSelect", reason: "select", n: 2, start: blockSelect},
	"selectnocases": {fn: "main.blockSelectNoCases", reason: "select (no cases)", n: 1, leaks: true, start: blockSelectNoCases},
	"nilrecv":       {fn: "main.blockNilRecv", reason: "chan receive (nil chan)", n: 1, leaks: true, start: blockNilRecv},
	"nilsend":       {fn: "main.blockNilSend", reason: "chan send (nil chan)", n: 1, leaks: true, start: blockNilSend},
	"mutex":         {fn: "main.blockMutex", reason: "sync.Mutex.Lock", n: 2, start: blockMutex},
	"rlock":         {fn: "main.blockRLock", reason: "sync.RWMutex.RLock", n: 1, start: blockRLock},
	"wlock":         {fn: "main.blockWLock", reason: "sync.RWMutex.Lock", n: 1, start: blockWLock},
	"cond":          {fn: "main.blockCond", reason: "sync.Cond.Wait", n: 2, start: blockCond},
	"waitgroup":     {fn: "main.blockWaitGroup", reason: "sync.WaitGroup.Wait", n: 1, start: blockWaitGroup},
	"sleep":         {fn: "main.blockSleep", reason: "sleep", n: 2, start: blockSleep},
	"pipe":          {fn: "main.blockPipeRead", reason: "IO wait", n: 1, start: blockPipeRead},
	"labeled-w7":    {fn: "main.blockLabeled", reason: "chan receive", n: 2, labels: []string{"job", "w7", "path", "a b}\"x"}, start: blockLabeled},
	"labeled-w8":    {fn: "main.blockLabeled", reason: "chan receive", n: 1, labels: []string{"job", "w8"}, start: blockLabeled},
	"deep":          {fn: "main.blockDeep", reason: "chan receive", n: 1, start: func(ready func()) { blockDeep(120, ready) }},
	"locked":        {fn: "main.blockLocked", reason: "chan receive", n: 1, start: blockLocked},
	"leaky":         {fn: "main.leakyRecv", reason: "chan receive", n: 2, leaks: true, start: leakyRecv},
	"ancestors":     {fn: "main.blockChanRecv", reason: "chan receive", n: 2, start: ancestorsSpawn},
}

var modes = map[string][]string{
	"blocked": {"chanrecv", "chansend", "select", "selectnocases", "nilrecv", "nilsend", "mutex", "rlock",
		"wlock", "cond", "waitgroup", "sleep", "pipe", "labeled-w7", "labeled-w8", "deep", "locked", "leaky"},
	"labels":    {"chanrecv", "labeled-w7", "labeled-w8"},
	"ancestors": {"ancestors"},
	"system":    {"chanrecv", "mutex"},
	"panic":     {"chanrecv", "select"},
	"deadlock":  {"chanrecv", "chansend", "select"},
	"mapwrites": {},
}

func main() {
	mode := flag.String("mode", "blocked", "scenario to run")
	out := flag.String("out", ".", "directory to write the dumps into")
	flag.Parse()
	names, ok := modes[*mode]
	if !ok {
		var all []string
		for m := range modes {
			all = append(all, m)
		}
		sort.Strings(all)
		fail("unknown -mode %q: want one of %s", *mode, strings.Join(all, ", "))
	}
	setup()
	if *mode == "mapwrites" {
		mapWrites()
	}
	want := start(names)
	want.Version = runtime.Version()
	waitBlocked(names)
	want.Total = runtime.NumGoroutine()
	want.LeakProfile = *mode == "blocked" && pprof.Lookup("goroutineleak") != nil

	prefix := filepath.Join(*out, *mode)
	js, _ := json.MarshalIndent(want, "", "  ")
	write(prefix+".want.json", append(js, '\n'))
	switch *mode {
	case "system":
		// Start the GC workers, which GOTRACEBACK=system shows in the crash.
		runtime.GC()
		panic(fmt.Errorf("boom %d", 42))
	case "panic":
		panic(fmt.Errorf("boom %d", 42))
	case "deadlock":
		<-make(chan int)
	}
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 2)
	write(prefix+".debug2.txt", buf.Bytes())
	if *mode != "blocked" {
		return
	}
	buf.Reset()
	pprof.Lookup("goroutine").WriteTo(&buf, 1)
	write(prefix+".debug1.txt", buf.Bytes())
	buf.Reset()
	pprof.Lookup("goroutine").WriteTo(&buf, 0)
	write(prefix+".pb.gz", buf.Bytes())
	if p := pprof.Lookup("goroutineleak"); p != nil {
		for debug, suffix := range map[int]string{2: ".leak.debug2.txt", 1: ".leak.debug1.txt", 0: ".leak.pb.gz"} {
			buf.Reset()
			p.WriteTo(&buf, debug)
			write(prefix+suffix, buf.Bytes())
		}
	}
}

func setup() {
	var err error
	pipeR, pipeW, err = os.Pipe()
	if err != nil {
		fail("pipe: %v", err)
	}
	keepOpen = append(keepOpen, pipeR, pipeW)
	rwRead.Lock()
	rwWrite.RLock()
	mu.Lock()
	wg.Add(1)
}

// start starts the groups; each goroutine calls ready just before it blocks.
func start(names []string) fixture.Want {
	w := fixture.Want{Reasons: map[string]int{}, Funcs: map[string]int{}, Labels: map[string]int{}, Leaked: map[string]int{}}
	var started sync.WaitGroup
	for _, name := range names {
		g := groups[name]
		for range g.n {
			started.Add(1)
			if g.labels != nil {
				go pprof.Do(context.Background(), pprof.Labels(g.labels...), func(context.Context) { g.start(started.Done) })
			} else {
				go g.start(started.Done)
			}
		}
		w.Reasons[g.reason] += g.n
		w.Funcs[g.fn] += g.n
		for i := 0; i+1 < len(g.labels); i += 2 {
			w.Labels[g.labels[i]+"="+g.labels[i+1]] += g.n
		}
		if g.leaks {
			w.Leaked[g.fn] += g.n
		}
	}
	started.Wait()
	return w
}

// waitBlocked polls runtime.Stack until every goroutine of the groups is
// parked with its reason, for at most 10 seconds.
func waitBlocked(names []string) {
	want := map[string]int{} // "fn\x00reason" -> n
	for _, name := range names {
		g := groups[name]
		want[g.fn+"\x00"+g.reason] += g.n
	}
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.Stack(buf, true)
		got := map[string]int{}
		for _, block := range strings.Split(string(buf[:n]), "\n\n") {
			header, _, _ := strings.Cut(block, "\n")
			for key := range want {
				fn, reason, _ := strings.Cut(key, "\x00")
				if strings.Contains(block, "\n"+fn+"(") && strings.Contains(header, "["+reason) {
					got[key]++
					break
				}
			}
		}
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			fail("goroutines not blocked after 10s: got %v, want %v", got, want)
		}
		runtime.Gosched()
	}
}

// mapWrites writes one map from two goroutines until the runtime throws.
func mapWrites() {
	m := map[int]int{}
	for i := range 2 {
		go func() {
			for j := 0; ; j++ {
				m[j%64+i] = j
			}
		}()
	}
	time.Sleep(30 * time.Second) // the throw comes within milliseconds
	fail("no concurrent map write detected in 30s")
}

func write(name string, b []byte) {
	if err := os.WriteFile(name, b, 0o644); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scenario: "+format+"\n", args...)
	os.Exit(1)
}
