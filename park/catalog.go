package park

import (
	"fmt"
	"slices"

	"gsysint-demo/linked"
)

// Class says what parking a goroutine with a reason does beyond showing it
// (runtime, borrowable, metric side effect, leak candidate, zero, refused).
// It is the classification of the catalog the running Go version was
// vetted with; users of park need not import the bindings to name it.
type Class = linked.Class

// The classes of Class.
const (
	Runtime          = linked.Runtime          // the runtime parks with it itself; no side effect known
	Borrowable       = linked.Borrowable       // seldom used: its slot may show custom text
	MetricSideEffect = linked.MetricSideEffect // /sync/mutex/wait/total:seconds grows by the parked time
	LeakCandidate    = linked.LeakCandidate    // the goroutineleak profile declares the goroutine leaked
	Zero             = linked.Zero             // index 0, no text: cannot be named
	Refused          = linked.Refused          // parking with it breaks the runtime or its tools
)

// Check verifies, once per process, that the running runtime matches the
// catalog gsysint-demo was vetted on: the reason tables (length and every
// text) and the g field offsets. New, Reasons and CatalogName's users all
// rely on it; nothing parks or reads the tables unless it returns nil.
func Check() error {
	if err := linked.Check(); err != nil {
		return fmt.Errorf("the runtime does not match catalog %s, which gsysint-demo was vetted on: %w", linked.Vetted().Name, err)
	}
	return nil
}

// CatalogName names the range of Go versions whose catalog this build
// carries, e.g. "go1.26–go1.27".
func CatalogName() string { return linked.Vetted().Name }

// CatalogReason is one reason of a runtime table: what the catalog says of
// it and the text the runtime shows for it now (a slot lent to custom text
// shows that text).
type CatalogReason struct {
	Index      int    `json:"index"`
	Text       string `json:"text"`
	Class      Class  `json:"class"`
	Parkable   bool   `json:"parkable"`   // Park accepts it
	Borrowable bool   `json:"borrowable"` // custom text may borrow its slot
	Note       string `json:"note"`       // why it has its class, in a few words
}

// Catalog is the reason tables as park sees them.
type Catalog struct {
	Name  string          // the Go versions it was vetted on
	Wait  []CatalogReason // runtime.waitReasonStrings, by index
	Trace []CatalogReason // runtime.traceBlockReasonStrings, by index
	// WaitSlots and TraceSlots are the indexes custom text borrows, in the
	// order Park lends them.
	WaitSlots, TraceSlots []int
}

// Reasons reads the runtime's reason tables live, after Check.
func Reasons() (*Catalog, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	cat := linked.Vetted()
	rows := func(table []linked.Entry, slots []int, live func(int) string) []CatalogReason {
		out := make([]CatalogReason, len(table))
		for i, e := range table {
			out[i] = CatalogReason{
				Index:      e.Index,
				Text:       live(i),
				Class:      e.Class,
				Parkable:   e.Class.Parkable(),
				Borrowable: slices.Contains(slots, i),
				Note:       e.Note,
			}
		}
		return out
	}
	return &Catalog{
		Name:       cat.Name,
		Wait:       rows(cat.Wait, cat.WaitSlots, func(i int) string { return linked.WaitText(linked.WaitReason(i)) }),
		Trace:      rows(cat.Trace, cat.TraceSlots, func(i int) string { return linked.TraceText(linked.TraceReason(i)) }),
		WaitSlots:  slices.Clone(cat.WaitSlots),
		TraceSlots: slices.Clone(cat.TraceSlots),
	}, nil
}
