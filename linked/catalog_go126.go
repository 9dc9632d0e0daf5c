//go:build go1.26 && !go1.28 && linux && (amd64 || arm64)

package linked

// The reason tables of runtime/runtime2.go (waitReasonStrings) and
// runtime/traceruntime.go (traceBlockReasonStrings), identical in Go 1.26.8
// and 1.27.3, with what parking with each reason does in those runtimes.

const (
	waitReasonCount  = 47
	traceReasonCount = 17
)

var vetted = Catalog{
	Name: "go1.26–go1.27",
	Wait: []Entry{
		{0, "", Zero, "waitReasonZero: no text; a goroutine parked with it prints as [waiting]"},
		{1, "GC assist marking", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{2, "IO wait", Runtime, "the network poller parks goroutines with it"},
		{3, "dumping heap", Borrowable, "only debug.WriteHeapDump uses it"},
		{4, "garbage collection", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{5, "garbage collection scan", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{6, "panicwait", Borrowable, "only a goroutine waiting for another's panic to print uses it"},
		{7, "GC assist wait", Runtime, "goroutines waiting for GC credit"},
		{8, "GC sweep wait", Runtime, "the runtime's background sweeper"},
		{9, "GC scavenge wait", Runtime, "the runtime's background scavenger"},
		{10, "finalizer wait", Runtime, "the runtime's finalizer goroutine"},
		{11, "force gc (idle)", Runtime, "the runtime's forced-GC goroutine"},
		{12, "GOMAXPROCS updater (idle)", Runtime, "the runtime's GOMAXPROCS updater"},
		{13, "semacquire", Runtime, "runtime semaphores"},
		{14, "sleep", Runtime, "time.Sleep; gopark skips its timer check for it"},
		{15, "chan receive (nil chan)", LeakCandidate, "the goroutineleak profile declares it leaked"},
		{16, "chan send (nil chan)", LeakCandidate, "the goroutineleak profile declares it leaked"},
		{17, "select (no cases)", LeakCandidate, "the goroutineleak profile declares it leaked"},
		{18, "select", LeakCandidate, "the goroutineleak profile declares it leaked: it waits on no reachable channel"},
		{19, "chan receive", LeakCandidate, "the goroutineleak profile declares it leaked: it waits on no reachable channel"},
		{20, "chan send", LeakCandidate, "the goroutineleak profile declares it leaked: it waits on no reachable channel"},
		{21, "sync.Cond.Wait", Runtime, "sync waits are leak-checked through gp.waiting, which is nil for us: never leaked"},
		{22, "sync.Mutex.Lock", MetricSideEffect, "/sync/mutex/wait/total:seconds grows by the parked time"},
		{23, "sync.RWMutex.RLock", MetricSideEffect, "/sync/mutex/wait/total:seconds grows by the parked time"},
		{24, "sync.RWMutex.Lock", MetricSideEffect, "/sync/mutex/wait/total:seconds grows by the parked time"},
		{25, "sync.WaitGroup.Wait", Runtime, "sync waits are leak-checked through gp.waiting, which is nil for us: never leaked"},
		{26, "trace reader (blocked)", Runtime, "the execution tracer's reader goroutine"},
		{27, "wait for GC cycle", Runtime, "runtime.GC waiting for a cycle to end"},
		{28, "GC worker (idle)", Runtime, "idle GC mark workers"},
		{29, "GC worker (active)", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{30, "preempted", Runtime, "the runtime uses it with _Gpreempted, not _Gwaiting; as a wait reason it is only text"},
		{31, "debug call", Borrowable, "only a debugger injecting a call uses it"},
		{32, "GC mark termination", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{33, "stopping the world", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{34, "flushing proc caches", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{35, "trace goroutine status", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{36, "trace proc status", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{37, "page trace flush", Refused, "suspendG class: the GC and the tracer treat the goroutine as running on the system stack; traces stop parsing"},
		{38, "coroutine", Runtime, "iter.Pull coroutines; idle inside a synctest bubble"},
		{39, "GC weak to strong wait", Runtime, "weak.Pointer.Value waiting for the GC"},
		{40, "synctest.Run", Borrowable, "only testing/synctest uses it; lending it changes only how its goroutines print"},
		{41, "synctest.Wait", Borrowable, "only testing/synctest uses it; lending it changes only how its goroutines print"},
		{42, "chan receive (durable)", Borrowable, "only testing/synctest bubbles use it; lending it changes only how their goroutines print"},
		{43, "chan send (durable)", Borrowable, "only testing/synctest bubbles use it; lending it changes only how their goroutines print"},
		{44, "select (durable)", Borrowable, "only testing/synctest bubbles use it; lending it changes only how their goroutines print"},
		{45, "sync.WaitGroup.Wait (durable)", Borrowable, "only testing/synctest bubbles use it; lending it changes only how their goroutines print"},
		{46, "cleanup wait", Runtime, "the runtime's cleanup (runtime.AddCleanup) goroutine"},
	},
	Trace: []Entry{
		{0, "unspecified", Borrowable, "the runtime's generic block reason; borrowed last"},
		{1, "forever", Runtime, "select {}, nil channels, panicwait"},
		{2, "network", Runtime, "the network poller"},
		{3, "select", Runtime, "select with cases"},
		{4, "sync.(*Cond).Wait", Runtime, "sync.Cond"},
		{5, "sync", Runtime, "sync.Mutex, RWMutex, WaitGroup, semaphores"},
		{6, "chan send", Runtime, "channel sends"},
		{7, "chan receive", Runtime, "channel receives"},
		{8, "GC mark assist wait for work", Runtime, "GC assists"},
		{9, "GC background sweeper wait", Runtime, "the background sweeper"},
		{10, "system goroutine wait", Runtime, "the runtime's own goroutines"},
		{11, "preempted", Runtime, "preempted goroutines"},
		{12, "wait for debug call", Borrowable, "only a debugger injecting a call uses it"},
		{13, "wait until GC ends", Runtime, "runtime.GC"},
		{14, "sleep", Runtime, "time.Sleep"},
		{15, "GC weak to strong wait", Runtime, "weak.Pointer.Value"},
		{16, "synctest", Borrowable, "only testing/synctest uses it; lending it changes only how its goroutines print"},
	},
	WaitSlots:  []int{31, 3, 6, 40, 41, 42, 43, 44, 45},
	TraceSlots: []int{12, 16, 0},
}

// pairedTrace is the trace block reason the runtime passes to gopark along
// with each wait reason (runtime/chan.go, select.go, sema.go, time.go, …).
var pairedTrace = [waitReasonCount]TraceReason{
	2:  2,  // IO wait → network
	6:  1,  // panicwait → forever
	7:  8,  // GC assist wait → GC mark assist wait for work
	8:  9,  // GC sweep wait → GC background sweeper wait
	9:  10, // GC scavenge wait → system goroutine wait
	10: 10, // finalizer wait → system goroutine wait
	11: 10, // force gc (idle) → system goroutine wait
	12: 10, // GOMAXPROCS updater (idle) → system goroutine wait
	13: 5,  // semacquire → sync
	14: 14, // sleep → sleep
	15: 1,  // chan receive (nil chan) → forever
	16: 1,  // chan send (nil chan) → forever
	17: 1,  // select (no cases) → forever
	18: 3,  // select → select
	19: 7,  // chan receive → chan receive
	20: 6,  // chan send → chan send
	21: 4,  // sync.Cond.Wait → sync.(*Cond).Wait
	22: 5,  // sync.Mutex.Lock → sync
	23: 5,  // sync.RWMutex.RLock → sync
	24: 5,  // sync.RWMutex.Lock → sync
	25: 5,  // sync.WaitGroup.Wait → sync
	26: 10, // trace reader (blocked) → system goroutine wait
	27: 13, // wait for GC cycle → wait until GC ends
	28: 10, // GC worker (idle) → system goroutine wait
	30: 11, // preempted → preempted
	31: 12, // debug call → wait for debug call
	39: 15, // GC weak to strong wait → GC weak to strong wait
	40: 16, // synctest.Run → synctest
	41: 16, // synctest.Wait → synctest
	42: 7,  // chan receive (durable) → chan receive
	43: 6,  // chan send (durable) → chan send
	44: 3,  // select (durable) → select
	45: 5,  // sync.WaitGroup.Wait (durable) → sync
	46: 10, // cleanup wait → system goroutine wait
}
