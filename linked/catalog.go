package linked

import (
	"fmt"
)

// Class says what parking a goroutine with a reason does beyond showing it.
type Class uint8

const (
	// Runtime: the runtime parks goroutines with this reason itself, for its
	// own goroutines or for blocking operations; parking with it has no side
	// effect we know of beyond what it shows.
	Runtime Class = iota
	// Borrowable: the runtime seldom uses this reason, so its slot in the
	// table may be borrowed to show custom text. Parking with its own text
	// is allowed too.
	Borrowable
	// MetricSideEffect: the runtime accounts the wait in
	// /sync/mutex/wait/total:seconds, which grows by the parked time.
	MetricSideEffect
	// LeakCandidate: the goroutineleak profile (Go 1.27; Go 1.26 with
	// GOEXPERIMENT=goroutineleakprofile) declares such a goroutine leaked and
	// sets it _Gleaked; readying it then needs the status restored first.
	LeakCandidate
	// Zero: index 0 has no text; a goroutine parked with it prints as
	// [waiting]. No text names it, so park cannot select it.
	Zero
	// Refused: parking with it breaks the runtime or its tools.
	Refused
)

var classNames = [...]string{
	Runtime:          "runtime",
	Borrowable:       "borrowable",
	MetricSideEffect: "metric side effect",
	LeakCandidate:    "leak candidate",
	Zero:             "zero",
	Refused:          "refused",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// MarshalText makes a Class read as its name in JSON.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Parkable reports whether park may park a goroutine with a reason of this
// class.
func (c Class) Parkable() bool { return c != Refused && c != Zero }

// Entry describes one reason of a runtime table.
type Entry struct {
	Index int    `json:"index"`
	Text  string `json:"text"`  // the runtime's text, as vetted
	Class Class  `json:"class"` // what parking with it does
	Note  string `json:"note"`  // why it has its class, in a few words
}

// Catalog is what gsysint-demo knows of one range of Go versions.
type Catalog struct {
	Name  string  // the Go versions it was vetted on, e.g. "go1.26–go1.27"
	Wait  []Entry // runtime.waitReasonStrings, by index
	Trace []Entry // runtime.traceBlockReasonStrings, by index

	// WaitSlots and TraceSlots are the indexes whose text may be borrowed
	// for custom reasons, in the order they are handed out: the same in
	// every binary, test binaries included.
	WaitSlots  []int
	TraceSlots []int
}

// Vetted returns the catalog of the running Go version. Files named for
// the version range provide it; no other version compiles.
func Vetted() *Catalog { return &vetted }

// CheckParkable returns nil if a goroutine may be parked with these reasons,
// else an error that says why not.
func (c *Catalog) CheckParkable(w WaitReason, t TraceReason) error {
	if int(w) >= len(c.Wait) {
		return fmt.Errorf("wait reason %d is out of range (the runtime has %d, 0–%d): the runtime indexes its tables with it unchecked, and the first GC or trace would crash the process", w, len(c.Wait), len(c.Wait)-1)
	}
	if int(t) >= len(c.Trace) {
		return fmt.Errorf("trace reason %d is out of range (the runtime has %d, 0–%d): the tracer indexes its table with it unchecked", t, len(c.Trace), len(c.Trace)-1)
	}
	if e := c.Wait[w]; !e.Class.Parkable() {
		return fmt.Errorf("wait reason %d %q is %s: %s", w, e.Text, e.Class, e.Note)
	}
	if e := c.Trace[t]; !e.Class.Parkable() {
		return fmt.Errorf("trace reason %d %q is %s: %s", t, e.Text, e.Class, e.Note)
	}
	return nil
}

// WaitIndex returns the index of the wait reason whose runtime text is text.
func (c *Catalog) WaitIndex(text string) (WaitReason, bool) {
	for _, e := range c.Wait {
		if e.Text == text && e.Class != Zero {
			return WaitReason(e.Index), true
		}
	}
	return 0, false
}

// DefaultTrace returns the trace reason the runtime itself pairs with wait
// reason w when it parks (chan receive → "chan receive", select →
// "select", sync.Cond.Wait → "sync.(*Cond).Wait", …), and 0 "unspecified"
// where it has no pairing.
func (c *Catalog) DefaultTrace(w WaitReason) TraceReason {
	if int(w) < len(pairedTrace) {
		return pairedTrace[w]
	}
	return 0
}
