package census

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/google/pprof/profile"

	"gsysint-demo/internal/errwriter"
)

// The pprof labels of the census profiles. They are the names of the
// "debug=3" goroutine profile CockroachDB added to its own Go toolchain, so
// that readers of that profile read these.
const (
	// LabelState is the bracket text of a debug=2 header: the wait reason,
	// or the status word, and " (leaked)" for a leaked goroutine.
	LabelState = "go::goroutine_state"
	// LabelWaitMinutes is the runtime's age of the wait in whole minutes
	// (numeric), when it has one; for a group, its oldest.
	LabelWaitMinutes = "go::goroutine_wait_minutes"
	// LabelCreatedBy is the creator's goroutine id (numeric), per goroutine.
	LabelCreatedBy = "go::goroutine_created_by"
	// LabelGoroutine is the goroutine's id (numeric), per goroutine.
	LabelGoroutine = "go::goroutine"
)

func bracketState(state string, leaked bool) string {
	if leaked {
		return state + " (leaked)"
	}
	return state
}

// WriteText writes the groups as a table for people, largest first.
func (gs *Groups) WriteText(w io.Writer) error {
	ew := &errwriter.Writer{W: w}
	writeHeader(ew, &gs.Header, len(gs.Groups))
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tSTATE\tAGE (runtime)\tPARKED (real)\tSTART\tCREATED AT\tLABELS")
	for _, g := range gs.Groups {
		age, parked := "-", "-"
		if g.Aged > 0 {
			age = "≤ " + roundAge(g.MaxAge)
			if g.Aged < g.Count {
				age += fmt.Sprintf(" (%d of %d)", g.Aged, g.Count)
			}
		}
		if g.ParkedCount > 0 {
			parked = roundAge(g.MaxParked)
			if g.MinParked != g.MaxParked && roundAge(g.MinParked) != parked {
				parked = roundAge(g.MinParked) + "–" + parked
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Count, bracketState(g.State, g.Leaked), age, parked, startText(g.Start, g.System), shortSite(g.Created), labelsText(g.Labels))
	}
	tw.Flush()
	return ew.Err
}

// WriteText writes one line per goroutine, in the order of allgs.
func (s *Snapshot) WriteText(w io.Writer) error {
	ew := &errwriter.Writer{W: w}
	writeHeader(ew, &s.Header, -1)
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tAGE (runtime)\tPARKED (real)\tSTART\tCREATED AT\tBY\tLABELS")
	for _, g := range s.Goroutines {
		age, parked, by := "-", "-", "-"
		if g.AgeKnown {
			age = roundAge(g.Age)
		}
		if g.ParkedKnown {
			parked = roundAge(g.Parked)
		}
		if g.CreatorID != 0 {
			by = strconv.FormatUint(g.CreatorID, 10)
		}
		state := bracketState(g.State, g.Leaked)
		if g.Changing {
			state = g.Status + " (changing)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, state, age, parked, startText(g.Start, g.System), shortSite(g.Created), by, labelsText(g.Labels))
	}
	tw.Flush()
	return ew.Err
}

func writeHeader(w io.Writer, h *Header, groups int) {
	fmt.Fprintf(w, "census: %d goroutines", h.Total)
	if groups >= 0 {
		fmt.Fprintf(w, " in %d groups", groups)
	}
	fmt.Fprintf(w, ", read from the runtime's records in %v without stopping the world", h.Took.Round(time.Microsecond))
	if h.System > 0 {
		fmt.Fprintf(w, "; %d are the runtime's own", h.System)
		if !h.SystemListed {
			fmt.Fprint(w, " (listed with --system, ?system=1 or WithSystem)")
		}
	}
	if h.Changing > 0 {
		fmt.Fprintf(w, "; %d changed under every read", h.Changing)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "AGE is the runtime's (debug=2's \"N minutes\"): since the GC before the first GC that saw the goroutine blocked, none before that; PARKED is the real time since park parked it.")
}

func roundAge(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// startText is the START column: the function, marked when the goroutine is
// one of the runtime's own.
func startText(s Site, system bool) string {
	if system {
		return s.Func + " (runtime's own)"
	}
	return s.Func
}

func shortSite(s Site) string {
	if s.Func == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d", path.Base(s.File), s.Line)
}

func labelsText(ls Labels) string {
	if len(ls) == 0 {
		return "-"
	}
	return ls.String()
}

// WriteJSON writes the groups as one JSON object (see Groups).
func (gs *Groups) WriteJSON(w io.Writer) error { return writeJSON(w, gs) }

// WriteJSON writes the snapshot as one JSON object (see Snapshot).
func (s *Snapshot) WriteJSON(w io.Writer) error { return writeJSON(w, s) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// MarshalJSON writes the labels as an object, in key order.
func (ls Labels) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(l.Key)
		v, _ := json.Marshal(l.Value)
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the object MarshalJSON writes, sorted by key.
func (ls *Labels) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*ls = (*ls)[:0]
	for _, k := range slices.Sorted(maps.Keys(m)) {
		*ls = append(*ls, Label{Key: k, Value: m[k]})
	}
	return nil
}

// Profile returns the groups as a pprof profile: one sample per group,
// value the count, its locations the start function (the leaf) called
// from the creation site, labels LabelState, LabelWaitMinutes (the oldest)
// and the group's pprof labels. Read it with go tool pprof -top, -tags, or
// -tagroot=go::goroutine_state.
func (gs *Groups) Profile() *profile.Profile {
	b := newProfileBuilder(&gs.Header)
	for _, g := range gs.Groups {
		minutes := int64(-1)
		if g.Aged > 0 {
			minutes = int64(g.MaxAge / time.Minute)
		}
		b.add(int64(g.Count), g.State, g.Leaked, minutes, g.Start, g.Created, g.Labels, nil)
	}
	return b.p
}

// Profile returns the snapshot as a pprof profile: one sample per
// goroutine, value 1, with the labels of Groups.Profile and also
// LabelGoroutine and LabelCreatedBy.
func (s *Snapshot) Profile() *profile.Profile {
	b := newProfileBuilder(&s.Header)
	for _, g := range s.Goroutines {
		num := map[string][]int64{LabelGoroutine: {int64(g.ID)}}
		if g.CreatorID != 0 {
			num[LabelCreatedBy] = []int64{int64(g.CreatorID)}
		}
		b.add(1, g.State, g.Leaked, g.Minutes(), g.Start, g.Created, g.Labels, num)
	}
	return b.p
}

// WriteProto writes Profile gzipped, as pprof's debug=0.
func (gs *Groups) WriteProto(w io.Writer) error { return gs.Profile().Write(w) }

// WriteProto writes Profile gzipped, as pprof's debug=0.
func (s *Snapshot) WriteProto(w io.Writer) error { return s.Profile().Write(w) }

type profileBuilder struct {
	p     *profile.Profile
	funcs map[[2]string]*profile.Function
	locs  map[Site]*profile.Location
}

func newProfileBuilder(h *Header) *profileBuilder {
	return &profileBuilder{
		p: &profile.Profile{
			SampleType:    []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
			PeriodType:    &profile.ValueType{Type: "goroutine", Unit: "count"},
			Period:        1,
			TimeNanos:     h.TakenAt.UnixNano(),
			DurationNanos: int64(h.Took),
			Comments:      []string{"gsysint-demo census: read from the runtime's records without stopping the world"},
		},
		funcs: map[[2]string]*profile.Function{},
		locs:  map[Site]*profile.Location{},
	}
}

func (b *profileBuilder) loc(s Site) *profile.Location {
	if l := b.locs[s]; l != nil {
		return l
	}
	fk := [2]string{s.Func, s.File}
	f := b.funcs[fk]
	if f == nil {
		f = &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: s.Func, SystemName: s.Func, Filename: s.File}
		b.funcs[fk] = f
		b.p.Function = append(b.p.Function, f)
	}
	l := &profile.Location{ID: uint64(len(b.p.Location) + 1), Line: []profile.Line{{Function: f, Line: int64(s.Line)}}}
	b.locs[s] = l
	b.p.Location = append(b.p.Location, l)
	return l
}

func (b *profileBuilder) add(n int64, state string, leaked bool, minutes int64, start, created Site, labels Labels, num map[string][]int64) {
	sm := &profile.Sample{
		Value: []int64{n},
		Label: map[string][]string{LabelState: {bracketState(state, leaked)}},
	}
	if start.Func != "" {
		sm.Location = append(sm.Location, b.loc(start))
	}
	if created.Func != "" {
		sm.Location = append(sm.Location, b.loc(created))
	}
	if minutes >= 0 {
		if num == nil {
			num = map[string][]int64{}
		}
		num[LabelWaitMinutes] = []int64{minutes}
		// With a unit, a wait of 0 minutes survives encoding: the protobuf
		// drops a numeric label whose value and unit are both zero.
		sm.NumUnit = map[string][]string{LabelWaitMinutes: {"minutes"}}
	}
	sm.NumLabel = num
	for _, l := range labels {
		sm.Label[l.Key] = []string{l.Value}
	}
	b.p.Sample = append(b.p.Sample, sm)
}

// write writes in the named format: "text", "json" or "proto".
func write(w io.Writer, format string, text, js, proto func(io.Writer) error) error {
	switch format {
	case "json":
		return js(w)
	case "proto":
		return proto(w)
	default:
		return text(w)
	}
}
