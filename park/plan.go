package park

import (
	"fmt"
	"maps"
	"sync"

	"gsysint-demo/linked"
)

// maxGoroutines bounds the goroutines one Park call may start. Each needs
// at least its smallest stack, 2 KiB, and the runtime allocates from at most
// 2^48 bytes of address space on linux/amd64 and arm64: a larger count could
// never be allocated (and its waiters' slice would panic in makeslice well
// before). Counts below it may still not fit this machine's memory; the
// command line checks that up front.
const maxGoroutines = 1 << 48 / (2 << 10)

// ledger records what parked groups do with one of the runtime's reason
// tables: which runtime reasons they use, and which slots are lent to which
// custom text. The tables belong to the process, and so do the ledgers,
// whatever Parker parks. A parked group's reasons are held from Park to
// Release: hold and release are the ledger's two verbs.
type ledger struct {
	use   map[int]int      // runtime reasons in use, by index: how many groups
	lent  map[string]*loan // custom text → the slot lent to it
	write func(slot int, text string) (old string)
}

// loan is a slot lent to custom text: the runtime's text it held, and how
// many groups show the custom text.
type loan struct {
	slot  int
	saved string
	users int
}

// tables holds the ledgers of both tables; its lock is taken to resolve
// groups against them and to change them.
var tables = struct {
	sync.Mutex
	wait, trace ledger
}{
	wait: ledger{use: map[int]int{}, lent: map[string]*loan{}, write: func(slot int, text string) string {
		return linked.SetWaitText(linked.WaitReason(slot), text)
	}},
	trace: ledger{use: map[int]int{}, lent: map[string]*loan{}, write: func(slot int, text string) string {
		return linked.SetTraceText(linked.TraceReason(slot), text)
	}},
}

// hold records r as in use; custom text goes into its slot when its first
// group holds it. tables is locked.
func (l *ledger) hold(r Reason) {
	if !r.Custom {
		l.use[r.Index]++
		return
	}
	if ln, ok := l.lent[r.Text]; ok {
		ln.users++
		return
	}
	l.lent[r.Text] = &loan{slot: r.Index, saved: l.write(r.Index, r.Text), users: 1}
}

// release undoes hold once r's goroutines are released, restoring a slot's
// own text when the last group showing its custom text is gone. tables is
// locked.
func (l *ledger) release(r Reason) {
	if !r.Custom {
		if l.use[r.Index]--; l.use[r.Index] <= 0 {
			delete(l.use, r.Index)
		}
		return
	}
	ln := l.lent[r.Text]
	if ln.users--; ln.users == 0 {
		l.write(ln.slot, ln.saved)
		delete(l.lent, r.Text)
	}
}

// draft is one table as resolving sees it: a copy of its ledger, so that
// the groups of one call are planned together and nothing changes until
// all of them can be parked.
type draft struct {
	kind    string // "wait" or "trace", for errors
	entries []linked.Entry
	slots   []int          // borrowable, in the order they are lent
	use     map[int]int    // runtime reasons in use
	lent    map[string]int // custom text → slot
}

// plan is the two drafts of one Resolve or Park call.
type plan struct {
	cat         *linked.Catalog
	wait, trace draft
}

// snapshot copies the ledgers. tables is locked.
func (p *Parker) snapshot() *plan {
	copyOf := func(kind string, entries []linked.Entry, slots []int, l *ledger) draft {
		d := draft{kind: kind, entries: entries, slots: slots, use: maps.Clone(l.use), lent: map[string]int{}}
		for text, ln := range l.lent {
			d.lent[text] = ln.slot
		}
		return d
	}
	return &plan{
		cat:   p.cat,
		wait:  copyOf("wait", p.cat.Wait, p.cat.WaitSlots, &tables.wait),
		trace: copyOf("trace", p.cat.Trace, p.cat.TraceSlots, &tables.trace),
	}
}

// resolve turns the groups into Parkeds, or says why they cannot all be
// parked. It plans them together: first every runtime reason of every
// group (named, or the trace reason a group gets when it names none), then
// the custom texts, in group order, take the slots that no group of the
// process uses. So the order of the groups never decides whether a runtime
// reason is refused, and a custom text never takes the slot of a runtime
// reason parked with it.
func (pl *plan) resolve(groups []Group) ([]Parked, error) {
	out := make([]Parked, len(groups))
	total := 0
	for i, g := range groups {
		if g.Count < 1 {
			return nil, fmt.Errorf("count %d: want at least 1", g.Count)
		}
		if g.Count > maxGoroutines-total {
			return nil, fmt.Errorf("count %d: the groups would need more than %d goroutines, which cannot be allocated (each takes at least a 2 KiB stack, out of 2^48 bytes of address space)", g.Count, maxGoroutines)
		}
		total += g.Count
		text := g.Reason
		if text == "" {
			text = DefaultReason
		}
		wait, err := pl.wait.runtimeOrCustom(text)
		if err != nil {
			return nil, err
		}
		traceText := g.TraceReason
		if traceText == "" {
			t := 0 // "unspecified", for custom text
			if !wait.Custom {
				t = int(pl.cat.DefaultTrace(linked.WaitReason(wait.Index)))
			}
			traceText = pl.cat.Trace[t].Text
		}
		trace, err := pl.trace.runtimeOrCustom(traceText)
		if err != nil {
			if g.TraceReason == "" {
				return nil, fmt.Errorf("%w (it is the trace reason of wait reason %q, which names none: give the group a trace reason)", err, text)
			}
			return nil, err
		}
		labels := map[string]string{}
		for k, v := range g.Labels {
			if k == "reason" || k == "trace_reason" {
				return nil, fmt.Errorf("label %q: reserved, park sets it to the group's reason", k)
			}
			labels[k] = v
		}
		labels["reason"] = wait.Text
		labels["trace_reason"] = trace.Text
		out[i] = Parked{Count: g.Count, Wait: wait, Trace: trace, Labels: labels}
	}
	for i := range out {
		var err error
		if out[i].Wait, err = pl.wait.lend(out[i].Wait); err != nil {
			return nil, err
		}
		if out[i].Trace, err = pl.trace.lend(out[i].Trace); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runtimeOrCustom resolves text against the table: the runtime's own reason
// if an entry has that text (recorded as in use), else custom text, whose
// slot lend picks once every runtime reason is known.
func (d *draft) runtimeOrCustom(text string) (Reason, error) {
	for _, e := range d.entries {
		if e.Text != text || e.Class == linked.Zero {
			continue
		}
		if !e.Class.Parkable() {
			return Reason{}, fmt.Errorf("%s reason %q (%d) is refused: %s", d.kind, text, e.Index, e.Note)
		}
		if other, ok := d.lentTo(e.Index); ok {
			return Reason{}, fmt.Errorf("%s reason %q (%d): its slot is lent to custom text %q while that is parked: pick another %s reason", d.kind, text, e.Index, other, d.kind)
		}
		d.use[e.Index]++
		return Reason{Text: text, Index: e.Index, Class: e.Class, Note: e.Note}, nil
	}
	if err := checkCustom(d.kind, text); err != nil {
		return Reason{}, err
	}
	return Reason{Text: text, Index: -1, Custom: true, Class: linked.Borrowable}, nil
}

// checkCustom says why text cannot be shown through a slot, if it cannot.
func checkCustom(kind, text string) error {
	if text == "" {
		return fmt.Errorf("empty %s reason: want a runtime reason's text or custom text", kind)
	}
	if len(text) > linked.MaxCustomText {
		return fmt.Errorf("custom %s reason of %d bytes: want at most %d (the tracer keeps no more of a string)", kind, len(text), linked.MaxCustomText)
	}
	if kind == "wait" {
		return CheckWaitText(text)
	}
	return CheckTraceText(text)
}

// lend gives custom reason r its slot: the one its text already has, else
// the first slot neither lent nor used by a runtime reason. Runtime
// reasons are returned as they are.
func (d *draft) lend(r Reason) (Reason, error) {
	if !r.Custom {
		return r, nil
	}
	if slot, ok := d.lent[r.Text]; ok {
		r.Index = slot
		return r, nil
	}
	for _, slot := range d.slots {
		if _, taken := d.lentTo(slot); taken || d.use[slot] > 0 {
			continue
		}
		d.lent[r.Text] = slot
		r.Index = slot
		return r, nil
	}
	return Reason{}, fmt.Errorf("%w: custom %s reason %q needs a slot, and all %d borrowable %s-reason slots %v are in use", ErrTooManyCustom, d.kind, r.Text, len(d.slots), d.kind, d.slots)
}

// lentTo returns the custom text slot is lent to, if any.
func (d *draft) lentTo(slot int) (string, bool) {
	for t, s := range d.lent {
		if s == slot {
			return t, true
		}
	}
	return "", false
}
