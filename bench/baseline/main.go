// Command baseline is the yardstick scripts/bench.sh measures gsysint-demo
// against: the least a program can do to park N goroutines through the same
// binding (package linked), dump them, and serve them over HTTP, with none
// of package park's bookkeeping.
//
// Every goroutine gets a runtime lock and an atomic state, takes the lock,
// records its g, says it is parked and calls linked.ParkUnlock with a
// runtime wait reason; release takes each lock and calls linked.Wake. That
// is the wake protocol of DESIGN.md and nothing more: no groups, no labels,
// no borrowed slots, no progress.
//
// Results go to stderr, one line each, as space-separated key=value pairs
// after the word BENCH; dumps go to stdout (scripts/bench.sh sends them to
// /dev/null, as it does gsysint-demo's).
//
//	baseline -mode park -n 1000000 -dumps 3
//	    park, then 3 × (pre-sized runtime.Stack, pprof WriteTo(w, 2)), release
//	baseline -mode http -n 100000
//	    park, serve net/http/pprof on 127.0.0.1:0, release on SIGTERM or SIGINT
//
// Build and run with -ldflags=-checklinkname=0, as everything that imports
// gsysint-demo/linked.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gsysint-demo/internal/procstat"
	"gsysint-demo/linked"
)

// States of a waiter, as in the wake protocol of DESIGN.md.
const (
	starting uint32 = iota
	parked
	wakePending
)

// waiter and its park mirror park/park.go's waiter, without labels,
// groups or the woken state: keep the two in step, or the comparison
// measures the difference.
type waiter struct {
	mu    linked.Mutex
	state atomic.Uint32
	g     atomic.Pointer[linked.G]
}

//go:noinline
func (w *waiter) park(reason linked.WaitReason, trace linked.TraceReason, done *sync.WaitGroup) {
	linked.Lock(&w.mu)
	if w.state.Load() == wakePending {
		linked.Unlock(&w.mu)
	} else {
		w.g.Store(linked.Getg())
		w.state.Store(parked)
		linked.ParkUnlock(&w.mu, reason, trace, 2)
	}
	done.Done()
}

// parkAll starts n goroutines and returns once every one is in _Gwaiting
// (its lock is free again only after goparkunlock switched its status).
func parkAll(ws []waiter, reason linked.WaitReason, trace linked.TraceReason, done *sync.WaitGroup) {
	done.Add(len(ws))
	for i := range ws {
		go ws[i].park(reason, trace, done)
	}
	for i := range ws {
		w := &ws[i]
		for w.state.Load() == starting {
			runtime.Gosched()
		}
		linked.Lock(&w.mu)
		linked.Unlock(&w.mu)
	}
}

// releaseAll readies every goroutine and waits for them to return.
func releaseAll(ws []waiter, done *sync.WaitGroup) (notWaiting int) {
	for i := range ws {
		w := &ws[i]
		for {
			linked.Lock(&w.mu)
			if w.state.Load() == starting {
				w.state.Store(wakePending)
				linked.Unlock(&w.mu)
				break
			}
			r := linked.Wake(w.g.Load())
			linked.Unlock(&w.mu)
			if r == linked.Busy {
				runtime.Gosched()
				continue
			}
			if r == linked.NotWaiting {
				notWaiting++
			}
			break
		}
	}
	if notWaiting == 0 {
		done.Wait()
	}
	return notWaiting
}

// timedWriter passes writes through, notes when the last one ended and
// keeps a running count of goroutine headers, so that the count costs
// nothing to the time measured (pprof writes its text in one Write).
type timedWriter struct {
	w       io.Writer
	n       int64
	headers int
	end     time.Time
	first   bool
}

func (t *timedWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.end = time.Now()
	t.n += int64(n)
	t.headers += bytes.Count(p, []byte("\ngoroutine "))
	if !t.first {
		t.first = true
		if bytes.HasPrefix(p, []byte("goroutine ")) {
			t.headers++
		}
	}
	return n, err
}

func main() {
	mode := flag.String("mode", "park", "park: park, dump, release; http: park and serve net/http/pprof until SIGTERM")
	n := flag.Int("n", 100000, "goroutines to park")
	reasonText := flag.String("reason", "sync.Cond.Wait", "a runtime wait reason's text; the trace reason is the runtime's pairing")
	dumps := flag.Int("dumps", 0, "park mode: dump this many times with a pre-sized runtime.Stack before releasing")
	pprofDumps := flag.Int("pprof-dumps", -1, "park mode: dump this many times with pprof WriteTo(w, 2), alternating with the others (-1: as many as -dumps)")
	perG := flag.Int("bytes-per-goroutine", 512, "park mode: the pre-sized runtime.Stack buffer is this many bytes per goroutine (plus 1 MiB)")
	flag.Parse()

	if err := linked.Check(); err != nil {
		fail("the runtime does not match the vetted catalog: %v", err)
	}
	cat := linked.Vetted()
	reason, ok := cat.WaitIndex(*reasonText)
	if !ok {
		fail("-reason %q: not a runtime wait reason", *reasonText)
	}
	trace := cat.DefaultTrace(reason)
	if err := cat.CheckParkable(reason, trace); err != nil {
		fail("-reason %q: %v", *reasonText, err)
	}
	if *n < 1 {
		fail("-n %d: want at least 1", *n)
	}

	ws := make([]waiter, *n)
	var done sync.WaitGroup
	runtime.GC()
	rss0, _ := procstat.Resident(0)
	start := time.Now()
	parkAll(ws, reason, trace, &done)
	parkTook := time.Since(start)
	rss1, _ := procstat.Resident(0)
	grew := rss1 - rss0
	emit("mode=park go=%s n=%d park_ns=%d rss_grew=%d rss_per_g=%d",
		runtime.Version(), *n, parkTook.Nanoseconds(), grew, grew/int64(*n))

	switch *mode {
	case "park":
		if *pprofDumps < 0 {
			*pprofDumps = *dumps
		}
		dumpAll(*dumps, *pprofDumps, *n, *perG)
	case "http":
		serve()
	default:
		fail("-mode %q: want park or http", *mode)
	}

	start = time.Now()
	notWaiting := releaseAll(ws, &done)
	emit("mode=release n=%d release_ns=%d not_waiting=%d", *n, time.Since(start).Nanoseconds(), notWaiting)
}

// dumpAll takes the debug=2 text k times with one runtime.Stack call into
// a buffer sized from the goroutine count (allocated by the first call and
// reused, as gsysint-demo does), and p times with
// pprof.Lookup("goroutine").WriteTo(w, 2), alternately. Both write to
// stdout.
func dumpAll(k, p, n, perG int) {
	var buf []byte
	stack := func(i int) {
		start := time.Now()
		if buf == nil {
			buf = make([]byte, runtime.NumGoroutine()*perG+1<<20)
		}
		attempts := 1
		m := runtime.Stack(buf, true)
		for m == len(buf) { // filled: the estimate was short
			buf = make([]byte, 2*len(buf))
			m = runtime.Stack(buf, true)
			attempts++
		}
		tw := &timedWriter{w: os.Stdout}
		if _, err := tw.Write(buf[:m]); err != nil {
			fail("writing dump: %v", err)
		}
		emit("mode=dump method=stack rep=%d n=%d ns=%d bytes=%d headers=%d attempts=%d",
			i, n, tw.end.Sub(start).Nanoseconds(), tw.n, tw.headers, attempts)
	}
	prof := pprof.Lookup("goroutine")
	viaPprof := func(i int) {
		tw := &timedWriter{w: os.Stdout}
		start := time.Now()
		if err := prof.WriteTo(tw, 2); err != nil {
			fail("pprof WriteTo: %v", err)
		}
		emit("mode=dump method=pprof rep=%d n=%d ns=%d bytes=%d headers=%d",
			i, n, tw.end.Sub(start).Nanoseconds(), tw.n, tw.headers)
	}
	for i := 1; i <= max(k, p); i++ {
		if i <= k {
			stack(i)
		}
		if i <= p {
			viaPprof(i)
		}
	}
}

// serve serves http.DefaultServeMux, where net/http/pprof registered its
// handlers, on a free loopback port until SIGTERM or SIGINT.
func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	emit("mode=http addr=%s", ln.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
}

func emit(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "BENCH "+format+"\n", args...)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "baseline: "+format+"\n", args...)
	os.Exit(1)
}
