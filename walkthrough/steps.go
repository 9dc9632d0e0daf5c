package walkthrough

// The tour, step by step. Explanations are facts checked on Go 1.26.8 and
// 1.27.3 (linux/amd64); the live demonstrations show them again on
// whatever Go runs the tour.
var steps = []Step{
	{
		Title: "Unexported names: why the runtime's scheduler functions are out of reach",
		Explain: `
A Go package exports a name only if it starts with a capital letter. The scheduler's
primitives are all lower-case names in package runtime: gopark parks the calling goroutine,
goready makes a parked goroutine runnable again, lock and unlock take and release the
runtime's own mutex. No other package can name them, so no Go program parks a goroutine
by hand: it blocks on a channel, a mutex or a timer, and the runtime calls gopark for it.
The functions are compiled into every Go program all the same.`,
		Code:   labSnippets("unexported/main.go"),
		builds: unexportedBuilds,
		live:   liveUnexported,
		Notice: `
The compiler stops at the name: outside package runtime, runtime.gopark is "undefined". Yet
the function is linked into this very program, and runs whenever a goroutine blocks: the
goroutine blocked in a channel receive sits in runtime.gopark, called by runtime.chanrecv.
Steps 2 to 4 are the three ways around the compiler: a //go:linkname pull, a //go:linkname
push, and assembly.`,
	},
	{
		Title: "//go:linkname pull: runtime.gopark links, runtime.lock does not",
		Explain: `
//go:linkname local runtime.name, on a declaration without a body, tells the compiler that
local is the symbol runtime.name: a call to local is a call to the runtime's function. That
is a pull. The file must import "unsafe", and rightly so: nothing checks that the signature
you wrote is the runtime's.

Since Go 1.23 the linker accepts a pull of a standard-library symbol only if its own package
agrees, by naming the symbol in a //go:linkname of its own: a push. The runtime pushes the
names that widely used modules were found pulling, gopark and goready among them, but not
lock, unlock or goparkunlock. -ldflags=-checklinkname=0 turns the check off; that is why gsysint-demo is
built with it.`,
		Code:   labSnippets("pullgopark/main.go", "pulllock/main.go"),
		builds: pullBuilds,
		live:   livePull,
		Notice: `
The compiler is content with both programs; it is the linker that refuses pulllock, with
"invalid reference to runtime.lock", because the runtime does not push lock. With
-ldflags=-checklinkname=0 the same program links, and really takes and releases a runtime
lock. pullgopark prints runtime.gopark: the local name is only another name for the
runtime's symbol.`,
	},
	{
		Title: "//go:linkname push into a bodyless declaration",
		Explain: `
A push goes the other way: a function with a body says, with //go:linkname greeting
main.greeting, that its body is the symbol main.greeting. Package main declares
func greeting() string without a body, and calls it.

The compiler accepts a function without a body only if the body may come from elsewhere.
go build tells the compiler when a package has nothing but .go files; then a bodyless
function that has no //go:linkname of its own is an error, "missing function body". One
assembly file in the package, even an empty one, lifts that rule. The linker does not mind
the push: it checks pulls of standard-library symbols, and this is a push between two of
your own packages. gsysint-demo's main.go and stub.s work this way (linked/push pushes the
body of buildDescription; only main imports it, so a program that imports the library keeps
its own main.buildDescription free).`,
		Code:   labSnippets("pushnostub/main.go", "greet/greet.go", "pushstub/stub.s"),
		builds: pushBuilds,
		live:   livePush,
		Notice: `
The two packages differ only by stub.s, which holds no code. "missing function body" is
the compiler's error, before the linker ever sees the push. Once the compiler lets the
declaration through, the linker joins greet's body to main's name, and no flag is needed.`,
	},
	{
		Title: "Assembly JMP stubs: runtime·nanotime1 (ABI0) and runtime·lock (ABIInternal)",
		Explain: `
Assembly names symbols directly, exported or not: a one-instruction stub,
JMP runtime·nanotime1(SB), hands its frame to the runtime's function. Whether that links
depends on calling conventions. Assembly uses ABI0 (arguments and results on the stack);
functions written in Go use ABIInternal (arguments in registers, since Go 1.17 on amd64 and
1.18 on arm64). runtime·nanotime1 is written in assembly, so it is ABI0 and the jump lines
up. runtime·lock is written in Go. The compiler gives a Go function an ABI0 wrapper only in
a few cases, chiefly when assembly in its own package refers to it, and the runtime's
assembly never refers to lock: there is no ABI0 runtime·lock to jump to, and no flag makes
one.

Go 1.26's linker does not apply the push check of step 2 to symbols written in assembly.
Go 1.27's does, and runtime·nanotime1 is not pushed: from 1.27 on, the stub needs
-ldflags=-checklinkname=0 as well.`,
		Code:   labSnippets("asmnanotime/main.go", "asmnanotime/jmp.s", "asmlock/jmp.s"),
		builds: asmBuilds,
		live:   liveAsm,
		Notice: `
The asmlock error names both conventions: "relocation target runtime.lock not defined for
ABI0 (but is defined for ABIInternal)", and it stands with the linkname check off: it is a
missing symbol, not a policy. Functions written in Go are reached with //go:linkname (step
2), which binds a Go declaration to the ABIInternal symbol. gsysint-demo uses assembly only
for what the runtime writes in assembly (linked/nanotime_*.s) and to read the current g
(linked/getg_*.s).`,
	},
	{
		Title: "Parking a goroutine with goparkunlock and a runtime wait reason",
		Explain: `
goparkunlock(lock, reason, traceReason, traceskip) is how the runtime itself blocks a
goroutine: it sets the calling goroutine's status to waiting, records the wait reason,
releases the runtime lock it was given, and runs something else. The goroutine runs again
only when another calls goready on it. Package park, gsysint-demo's engine, pulls both and
closes the race between them: the parker takes its runtime lock and records its g before it
parks; the waker takes the same lock and either readies a goroutine that is waiting, or
leaves it a note not to park at all.

Here one goroutine parks with the runtime's own reason "chan receive", with no channel
anywhere, and the goroutine dump (the debug=2 text of runtime.Stack) shows it.`,
		Code: []Snippet{
			{Name: "linked/bindings.go", Quoted: true, Text: `//go:linkname ParkUnlock runtime.goparkunlock
func ParkUnlock(l *Mutex, reason WaitReason, traceReason TraceReason, traceskip int)

//go:linkname ready runtime.goready
func ready(gp *G, traceskip int)`},
			{Name: "park/park.go", Quoted: true, Text: `func (w *waiter) park(reason linked.WaitReason, trace linked.TraceReason, done *sync.WaitGroup) {
	at := linked.Nanotime1()
	linked.Lock(&w.mu)
	if w.state.Load() == wakePending {
		linked.Unlock(&w.mu)
	} else {
		gp := linked.Getg()
		w.g.Store(gp)
		w.id.Store(gp.ID())
		w.at.Store(at)
		w.state.Store(parked)
		linked.ParkUnlock(&w.mu, reason, trace, 2)
	}
	done.Done()
}`},
			{Name: "using package park", Text: `p, err := park.New()
parked, err := p.Park(ctx, park.Group{Reason: "chan receive", Count: 1})
defer p.Release()`},
		},
		live: liveParkRuntimeReason,
		Notice: `
"goroutine N [chan receive]:" is all the runtime says: it prints entry 19 of its table of
wait reasons, and cannot tell this goroutine from one blocked on a real channel. The stack
starts at park.(*waiter).park: goroutine dumps leave out unexported runtime frames such as
runtime.gopark unless GOTRACEBACK=system.`,
	},
	{
		Title: "Custom wait reason text through a borrowed slot of the runtime's table",
		Explain: `
The text in the brackets is runtime.waitReasonStrings[reason], an ordinary array of strings
in the runtime's data. Package linked pulls the array as a variable, so it can write it too.
park writes your text into a slot the runtime hardly ever uses (the first one it lends is
31, "debug call", which only a debugger injecting a call uses), parks with that index, and
writes the runtime's text back when the last goroutine using it is released.`,
		Code: []Snippet{
			{Name: "linked/tables.go", Quoted: true, Text: `//go:linkname waitReasonStrings runtime.waitReasonStrings
var waitReasonStrings [waitReasonCount]string
...
func SetWaitText(w WaitReason, text string) (old string) {
	return storeString(&waitReasonStrings[w], text)
}`},
			{Name: "using package park", Text: `p.Park(ctx, park.Group{Reason: "waiting for godot", Count: 1})`},
		},
		live: liveCustomReason,
		Notice: `
"goroutine N [waiting for godot]:" comes from the runtime's own traceback; nothing edited
the dump. While the slot is lent, anything the runtime parked as "debug call" would show the
same text: that is why only rarely used slots are lent. The string is replaced word by word
under a runtime lock, in an order (and with padding) that never lets a traceback on another
thread read outside a string.`,
	},
	{
		Title: "The same moment in debug=1 and the protobuf: no wait reason, but our labels carry it",
		Explain: `
The two other forms of the goroutine profile group goroutines by stack: debug=1 is text with
a count per stack, and the protobuf (debug=0, what go tool pprof reads) has a sample per
stack. Neither has room for a goroutine's state or wait reason. Both keep pprof labels,
which pprof.Do sets and which a goroutine passes on to the goroutines it starts. park starts
its goroutines inside pprof.Do with the labels reason and trace_reason, so the reason
travels anyway.`,
		Code: []Snippet{
			{Name: "park/park.go", Quoted: true, Text: `// Goroutines inherit the labels of the goroutine that starts them, so
// starting them inside pprof.Do labels them all at no cost per goroutine.
pprof.Do(ctx, pprof.Labels(labels...), func(ctx context.Context) {
	...
		go gr.waiters[i].park(wait, trace, &gr.done)`},
			{Name: "park/plan.go", Quoted: true, Text: `labels["reason"] = wait.Text
labels["trace_reason"] = trace.Text`},
		},
		live: liveLabels,
		Notice: `
The debug=1 record has a "# labels:" line and the protobuf sample the same map; apart from
them, nothing in either says "waiting for godot". The debug=2 text shows labels only with
GODEBUG=tracebacklabels=1, in a form that changed between Go 1.26 and 1.27. To look with
go tool pprof: gsysint-demo park --debug 0 --dumps 1 > g.pb.gz && go tool pprof -tags g.pb.gz`,
	},
	{
		Title: "The trace block reason in an execution trace, read back",
		Explain: `
An execution trace records every change of a goroutine's state. When a goroutine parks, its
Running→Waiting event carries a trace block reason, from a second table
(runtime.traceBlockReasonStrings) that the caller of gopark picks separately from the wait
reason. Custom text can borrow a slot there too, with one catch: the tracer copies the table
into the trace when a generation starts (about once a second), so the text must be in place
before trace.Start. park's WithBeforeStart hook is that moment. traceskip 2 makes the
event's stack start at the function that called goparkunlock.`,
		Code: []Snippet{
			{Name: "linked/tables.go", Quoted: true, Text: `//go:linkname traceBlockReasonStrings runtime.traceBlockReasonStrings
var traceBlockReasonStrings [traceReasonCount]string`},
			{Name: "walkthrough/live.go", Quoted: true, Text: `startTrace := park.WithBeforeStart(func() error {
	rec, err = tracing.Start(path)
...
groups := []park.Group{{Reason: "waiting for godot", TraceReason: "waiting for the bus", Count: 2}}`},
		},
		live: liveTrace,
		Notice: `
The block reason is the custom text, read back from the file with golang.org/x/exp/trace;
go tool trace shows the same. Each goroutine made one Running→Waiting transition, and the
first frame of its stack is park.(*waiter).park, not runtime.gopark. To keep such a trace:
gsysint-demo park --reason "waiting for godot" --trace-reason "waiting for the bus" --trace out.trace,
then gsysint-demo trace out.trace.`,
	},
	{
		Title: "Go 1.27's goroutineleak profile: a goroutine parked as \"chan receive\" is declared leaked",
		Explain: `
Go 1.27 has a goroutineleak profile (Go 1.26 only with GOEXPERIMENT=goroutineleakprofile).
Taking it runs a garbage collection that looks for goroutines blocked on something no
running goroutine can reach: such a goroutine can never wake up, and the GC marks it leaked
(status _Gleaked). A goroutine that park parks as "chan receive" waits on no channel at all,
so it is declared leaked. That is a trap: goready on a goroutine that is not waiting throws
"bad g->status in ready" and ends the process. park's release holds the goroutine's runtime
lock, turns _Gleaked back into waiting with a compare-and-swap (after the GC, if it is
scanning that stack right then), and only then calls goready.`,
		Code: []Snippet{
			{Name: "linked/g.go", Quoted: true, Text: `case StatusLeaked:
	if s&statusScan != 0 {
		return Busy
	}
	if atomic.CompareAndSwapUint32((*uint32)(gp.field(offAtomicstatus)), StatusLeaked, StatusWaiting) {
		ready(gp, readySkip)
		return WokenLeaked
	}`},
		},
		live: liveLeak,
		Notice: `
"[chan receive (leaked)]" is the runtime's verdict, printed by the profile itself. The
release recovered the goroutine anyway: it returned, and a dump taken after the release has
no goroutine left in park.(*waiter).park. The sync reasons (sync.Cond.Wait,
sync.WaitGroup.Wait) are checked another way and are never declared leaked; gsysint-demo
reasons lists which reasons are leak candidates.`,
	},
	{
		Title: "What is refused and why, and how the version guard works",
		Explain: `
Some reasons do more than show. The runtime gives the suspendG class ("GC assist marking",
"garbage collection", "stopping the world", ...) a meaning: a goroutine waiting with one of
them is taken to be running on the system stack, so the GC and the tracer treat it as busy,
not parked, and traces stop parsing. And only waitReason.String checks its index: other
tables indexed by the wait reason, and the tracer's table of block reasons, are read
unchecked, so an index past the end crashes the process at the next GC or trace. park
refuses both, and says why.

The version guard has two halves. At compile time, package linked has a file that builds
only where nothing was vetted (another Go version, OS or architecture), and it refers to an
identifier that exists nowhere: its name is the error message. At run time, park.New checks
the live tables (their lengths, every entry) and the g field offsets against the catalog
before it parks anything.`,
		Code: []Snippet{
			{Name: "linked/catalog.go", Quoted: true, Text: `func (c *Catalog) CheckParkable(w WaitReason, t TraceReason) error {
	if int(w) >= len(c.Wait) {
	...
	if e := c.Wait[w]; !e.Class.Parkable() {`},
			{Name: "linked/unsupported.go", Quoted: true, Text: `//go:build !go1.26 || go1.28 || !linux || !(amd64 || arm64)

package linked
...
var _ = gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME`},
			{Name: "linked/catalog_go126.go", Quoted: true, Text: `//go:build go1.26 && !go1.28 && linux && (amd64 || arm64)
...
{1, "GC assist marking", Refused, "suspendG class: ...`},
		},
		live: liveRefused,
		Notice: `
Each refusal names the reason, its index and the rule it would break, and nothing was
parked. On Go 1.28, or on another OS or architecture, gsysint-demo does not build at all:
the compiler says "undefined: gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME", and
the README says what to compare before adding a catalog for the new version.`,
	},
	censusStep, // census.go
}
