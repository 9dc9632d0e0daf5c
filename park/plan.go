package park

import (
	"fmt"
	"maps"
	"sync"
	"unicode"

	"gsysint-demo/linked"
)

// lent is a borrowed slot: the runtime's text it held, and how many groups use it.
type lent struct {
	slot  int
	saved string
	users int
}

// tables records what parked groups do with the runtime's reason tables:
// which runtime reasons they use and which slots are lent to which custom
// text. The tables belong to the process, and so does this record, whatever
// Parker parks.
var tables = struct {
	sync.Mutex
	waitUse   map[int]int      // runtime wait reasons in use, by index: how many groups
	traceUse  map[int]int      // runtime trace reasons in use
	waitLent  map[string]*lent // custom wait text → its slot
	traceLent map[string]*lent // custom trace text → its slot
}{
	waitUse:   map[int]int{},
	traceUse:  map[int]int{},
	waitLent:  map[string]*lent{},
	traceLent: map[string]*lent{},
}

// plan is what resolving reasons needs to know of what is parked: which
// runtime reasons groups use, and which slots are lent to which custom text.
// Resolve works on a copy, so that several groups can be checked together.
type plan struct {
	cat        *linked.Catalog
	waitSlots  []int
	traceSlots []int
	waitUse    map[int]int
	traceUse   map[int]int
	waitLent   map[string]int // custom text → slot
	traceLent  map[string]int
}

// snapshot copies the record of the tables. tables is locked.
func (p *Parker) snapshot() *plan {
	pl := &plan{
		cat:        p.cat,
		waitSlots:  p.cat.BorrowableWait(),
		traceSlots: p.cat.BorrowableTrace(),
		waitUse:    maps.Clone(tables.waitUse),
		traceUse:   maps.Clone(tables.traceUse),
		waitLent:   map[string]int{},
		traceLent:  map[string]int{},
	}
	for text, l := range tables.waitLent {
		pl.waitLent[text] = l.slot
	}
	for text, l := range tables.traceLent {
		pl.traceLent[text] = l.slot
	}
	return pl
}

// resolve turns g into a Parked, or says why it cannot be parked, and
// records its reasons in pl.
func (pl *plan) resolve(g Group) (Parked, error) {
	if g.Count < 1 {
		return Parked{}, fmt.Errorf("count %d: want at least 1", g.Count)
	}
	text := g.Reason
	if text == "" {
		text = DefaultReason
	}
	wait, err := pl.pick("wait", text, pl.cat.Wait, pl.waitSlots, pl.waitUse, pl.waitLent)
	if err != nil {
		return Parked{}, err
	}
	traceText := g.TraceReason
	if traceText == "" {
		t := 0 // "unspecified", for custom text
		if !wait.Custom {
			t = int(pl.cat.DefaultTrace(linked.WaitReason(wait.Index)))
		}
		traceText = pl.cat.Trace[t].Text
	}
	trace, err := pl.pick("trace", traceText, pl.cat.Trace, pl.traceSlots, pl.traceUse, pl.traceLent)
	if err != nil {
		return Parked{}, err
	}
	labels := map[string]string{}
	for k, v := range g.Labels {
		if k == "reason" || k == "trace_reason" {
			return Parked{}, fmt.Errorf("label %q: reserved, park sets it to the group's reason", k)
		}
		labels[k] = v
	}
	labels["reason"] = wait.Text
	labels["trace_reason"] = trace.Text
	return Parked{Count: g.Count, Wait: wait, Trace: trace, Labels: labels}, nil
}

// pick resolves text against one table: the runtime's own reason if some
// entry has that text, else a borrowed slot.
func (pl *plan) pick(kind, text string, table []linked.Entry, slots []int, use map[int]int, lent map[string]int) (Reason, error) {
	lentTo := func(slot int) (string, bool) {
		for t, s := range lent {
			if s == slot {
				return t, true
			}
		}
		return "", false
	}
	for _, e := range table {
		if e.Text != text || e.Class == linked.Zero {
			continue
		}
		if !e.Class.Parkable() {
			return Reason{}, fmt.Errorf("%s reason %q (%d) is refused: %s", kind, text, e.Index, e.Note)
		}
		if other, ok := lentTo(e.Index); ok {
			return Reason{}, fmt.Errorf("%s reason %q (%d): its slot is lent to custom text %q while that is parked: pick another %s reason", kind, text, e.Index, other, kind)
		}
		use[e.Index]++
		return Reason{Text: text, Index: e.Index, Class: e.Class, Note: e.Note}, nil
	}
	if text == "" {
		return Reason{}, fmt.Errorf("empty %s reason: want a runtime reason's text or custom text", kind)
	}
	if len(text) > linked.MaxCustomText {
		return Reason{}, fmt.Errorf("custom %s reason of %d bytes: want at most %d (the tracer keeps no more of a string)", kind, len(text), linked.MaxCustomText)
	}
	for _, r := range text {
		if unicode.IsControl(r) {
			return Reason{}, fmt.Errorf("custom %s reason %q has a control character: want text on one line, as dumps print it in the goroutine's header", kind, text)
		}
	}
	if slot, ok := lent[text]; ok {
		return Reason{Text: text, Index: slot, Custom: true, Class: linked.Borrowable}, nil
	}
	for _, slot := range slots {
		if _, taken := lentTo(slot); taken || use[slot] > 0 {
			continue
		}
		lent[text] = slot
		return Reason{Text: text, Index: slot, Custom: true, Class: linked.Borrowable}, nil
	}
	return Reason{}, fmt.Errorf("%w: custom %s reason %q needs a slot, and all %d borrowable %s-reason slots %v are in use", ErrTooManyCustom, kind, text, len(slots), kind, slots)
}

// lend records pk's reasons as in use, writing custom text into its slots.
// tables is locked.
func lend(pk Parked) {
	take(pk.Wait, tables.waitUse, tables.waitLent, func(slot int, text string) string {
		return linked.SetWaitText(linked.WaitReason(slot), text)
	})
	take(pk.Trace, tables.traceUse, tables.traceLent, func(slot int, text string) string {
		return linked.SetTraceText(linked.TraceReason(slot), text)
	})
}

func take(r Reason, use map[int]int, lentMap map[string]*lent, write func(slot int, text string) string) {
	if !r.Custom {
		use[r.Index]++
		return
	}
	if l, ok := lentMap[r.Text]; ok {
		l.users++
		return
	}
	lentMap[r.Text] = &lent{slot: r.Index, saved: write(r.Index, r.Text), users: 1}
}

// giveBack undoes lend once pk's goroutines are released, restoring a
// slot's own text when its last user is gone. tables is locked.
func giveBack(pk Parked) {
	drop(pk.Wait, tables.waitUse, tables.waitLent, func(slot int, text string) {
		linked.SetWaitText(linked.WaitReason(slot), text)
	})
	drop(pk.Trace, tables.traceUse, tables.traceLent, func(slot int, text string) {
		linked.SetTraceText(linked.TraceReason(slot), text)
	})
}

func drop(r Reason, use map[int]int, lentMap map[string]*lent, restore func(slot int, text string)) {
	if !r.Custom {
		if use[r.Index]--; use[r.Index] <= 0 {
			delete(use, r.Index)
		}
		return
	}
	l := lentMap[r.Text]
	if l.users--; l.users == 0 {
		restore(l.slot, l.saved)
		delete(lentMap, r.Text)
	}
}
