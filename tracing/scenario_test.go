package tracing

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ourPrefix marks the blocking functions below as "ours" in Options.
const ourPrefix = "gsysint-demo/tracing.ours"

// The blocking functions: each blocks once on one primitive. They are kept
// out of line so each is a frame of its own on the block stack.

//go:noinline
func oursChanRecv(c chan int) { <-c }

//go:noinline
func oursChanSend(c chan int) { c <- 1 }

//go:noinline
func oursSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func oursMutex(mu *sync.Mutex) {
	mu.Lock()
	//lint:ignore SA2001 blocking in Lock is what the test observes.
	mu.Unlock()
}

//go:noinline
func oursCondWait(c *sync.Cond, ready *bool) {
	c.L.Lock()
	for !*ready {
		c.Wait()
	}
	c.L.Unlock()
}

// oursSleep sleeps: the sleep is the block being observed, nothing waits on it.
//
//go:noinline
func oursSleep() { time.Sleep(time.Millisecond) }

// blockCase is one kind of block the scenario produces.
type blockCase struct {
	fn         string // blocking function, without package
	n          int    // goroutines that run it
	traceWhy   string // trace block reason: Reason="..." in the trace
	waitReason string // wait reason in the debug=2 header; "" if not awaited
}

// scenarioCases is what runScenario does, sorted by function.
var scenarioCases = []blockCase{
	{fn: "oursChanRecv", n: 3, traceWhy: "chan receive", waitReason: "chan receive"},
	{fn: "oursChanSend", n: 2, traceWhy: "chan send", waitReason: "chan send"},
	{fn: "oursCondWait", n: 2, traceWhy: "sync.(*Cond).Wait", waitReason: "sync.Cond.Wait"},
	{fn: "oursMutex", n: 2, traceWhy: "sync", waitReason: "sync.Mutex.Lock"},
	{fn: "oursSelect", n: 2, traceWhy: "select", waitReason: "select"},
	{fn: "oursSleep", n: 1, traceWhy: "sleep"},
}

// runScenario starts the goroutines of scenarioCases, waits until each one
// that can be awaited is parked, releases them all and waits for them to
// finish. Call it while a trace is being recorded.
func runScenario() error {
	var wg sync.WaitGroup
	run := func(n int, f func()) {
		for range n {
			wg.Go(f)
		}
	}
	recv := make(chan int)
	send := make(chan int)
	selA, selB := make(chan int), make(chan int)
	var mu sync.Mutex
	mu.Lock()
	cond := sync.NewCond(new(sync.Mutex))
	ready := false

	for _, c := range scenarioCases {
		switch c.fn {
		case "oursChanRecv":
			run(c.n, func() { oursChanRecv(recv) })
		case "oursChanSend":
			run(c.n, func() { oursChanSend(send) })
		case "oursCondWait":
			run(c.n, func() { oursCondWait(cond, &ready) })
		case "oursMutex":
			run(c.n, func() { oursMutex(&mu) })
		case "oursSelect":
			run(c.n, func() { oursSelect(selA, selB) })
		case "oursSleep":
			run(c.n, oursSleep)
		default:
			panic("scenario case " + c.fn + " has no code")
		}
	}
	var err error
	for _, c := range scenarioCases {
		if c.waitReason != "" && err == nil {
			err = waitParked(c.fn, c.waitReason, c.n)
		}
	}

	close(recv)
	for _, c := range scenarioCases {
		if c.fn == "oursChanSend" {
			for range c.n {
				<-send
			}
		}
	}
	close(selA)
	mu.Unlock()
	cond.L.Lock()
	ready = true
	cond.Broadcast()
	cond.L.Unlock()
	wg.Wait()
	return err
}

// waitParked polls the goroutine dump until n goroutines are in fn (of this
// package) with the given wait reason; it gives up after 10 s. A goroutine
// header looks like
//
//	goroutine 18 [chan receive]:
//
// or, after a while, "goroutine 18 [chan receive, 2 minutes]:".
func waitParked(fn, waitReason string, n int) error {
	deadline := time.Now().Add(10 * time.Second)
	pause := 50 * time.Microsecond
	for {
		got := countParked(fn, waitReason)
		if got == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after 10s, %d goroutines parked in %s with [%s], want %d; dump:\n%s",
				got, fn, waitReason, n, allStacks())
		}
		// Poll interval, not synchronisation: back off so that a slow
		// goroutine does not fill the trace with this loop's events.
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}

func countParked(fn, waitReason string) int {
	n := 0
	for g := range strings.SplitSeq(allStacks(), "\n\n") {
		header, body, _ := strings.Cut(g, "\n")
		_, state, ok := strings.Cut(header, " [")
		if !ok {
			continue
		}
		if state != waitReason+"]:" && !strings.HasPrefix(state, waitReason+", ") {
			continue
		}
		if strings.Contains(body, "gsysint-demo/tracing."+fn+"(") {
			n++
		}
	}
	return n
}

func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
