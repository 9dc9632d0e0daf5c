package census

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"gsysint-demo/linked"
)

// Group is the goroutines of one census that share a state, a start
// function, a creation site and a label set.
type Group struct {
	Status  string `json:"status"`
	State   string `json:"state"`
	Leaked  bool   `json:"leaked,omitempty"`
	Start   Site   `json:"start"`
	Created Site   `json:"created"`
	Labels  Labels `json:"labels,omitempty"`
	System  bool   `json:"system,omitempty"`
	Count   int    `json:"count"`

	// MaxAge is the runtime's age of the group's oldest wait (see the
	// package's "Ages"); Aged counts the goroutines that have one.
	MaxAge time.Duration `json:"max_age_ns,omitempty"`
	Aged   int           `json:"aged,omitempty"`

	// MaxParked is the real time since the group's first goroutine was
	// parked by package park, MinParked since its last; ParkedCount counts
	// the goroutines whose park time the census was given.
	MaxParked   time.Duration `json:"max_parked_ns,omitempty"`
	MinParked   time.Duration `json:"min_parked_ns,omitempty"`
	ParkedCount int           `json:"parked_count,omitempty"`
}

// Groups is one census, counted by group, largest first.
type Groups struct {
	Header
	Groups []*Group `json:"groups"`
}

// groupKey is what makes two goroutines one group. The labels are keyed by
// their text: goroutines that set equal labels each with its own pprof.Do
// hold different sets with the same text.
type groupKey struct {
	status         string
	state          string
	leaked, system bool
	start          Site
	created        Site
	labels         string
}

// TakeGroups reads every goroutine's record, like Take, and counts them by
// group (state, start function, creation site, labels) as it reads: it
// keeps one Group per group and nothing per goroutine, so a census of a
// million goroutines in ten groups needs a few kilobytes.
func TakeGroups(opts ...Option) (*Groups, error) {
	byKey := map[groupKey]*Group{}
	var labelText labelTexts
	h, err := walk(opts, func(g *Goroutine) {
		k := groupKey{g.Status, g.State, g.Leaked, g.System, g.Start, g.Created, labelText.get(g.Labels)}
		gr := byKey[k]
		if gr == nil {
			gr = &Group{Status: g.Status, State: g.State, Leaked: g.Leaked, Start: g.Start, Created: g.Created, Labels: g.Labels, System: g.System}
			byKey[k] = gr
		}
		gr.add(g)
	})
	if err != nil {
		return nil, err
	}
	out := &Groups{Header: h, Groups: make([]*Group, 0, len(byKey))}
	for _, gr := range byKey {
		out.Groups = append(out.Groups, gr)
	}
	sortGroups(out.Groups)
	return out, nil
}

func (gr *Group) add(g *Goroutine) {
	gr.Count++
	if g.AgeKnown {
		gr.Aged++
		gr.MaxAge = max(gr.MaxAge, g.Age)
	}
	if g.ParkedKnown {
		if gr.ParkedCount == 0 {
			gr.MinParked = g.Parked
		}
		gr.ParkedCount++
		gr.MaxParked = max(gr.MaxParked, g.Parked)
		gr.MinParked = min(gr.MinParked, g.Parked)
	}
}

// Group makes the groups of a Snapshot, as TakeGroups would have.
func (s *Snapshot) Group() *Groups {
	byKey := map[groupKey]*Group{}
	var labelText labelTexts
	for _, g := range s.Goroutines {
		k := groupKey{g.Status, g.State, g.Leaked, g.System, g.Start, g.Created, labelText.get(g.Labels)}
		gr := byKey[k]
		if gr == nil {
			gr = &Group{Status: g.Status, State: g.State, Leaked: g.Leaked, Start: g.Start, Created: g.Created, Labels: g.Labels, System: g.System}
			byKey[k] = gr
		}
		gr.add(g)
	}
	out := &Groups{Header: s.Header, Groups: make([]*Group, 0, len(byKey))}
	for _, gr := range byKey {
		out.Groups = append(out.Groups, gr)
	}
	sortGroups(out.Groups)
	return out
}

// sortGroups puts the largest first, then by state, function, site and
// labels, so the order does not depend on map iteration.
func sortGroups(gs []*Group) {
	slices.SortFunc(gs, func(a, b *Group) int {
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.State, b.State),
			cmp.Compare(a.Status, b.Status),
			cmp.Compare(a.Start.Func, b.Start.Func),
			cmp.Compare(a.Created.File, b.Created.File),
			cmp.Compare(a.Created.Line, b.Created.Line),
			cmp.Compare(a.Created.Func, b.Created.Func),
			cmp.Compare(a.Labels.String(), b.Labels.String()),
		)
	})
}

// labelTexts caches the text of the label sets seen last, by the set's
// first element: goroutines that inherited their labels share one set, so
// a census reads each set's text once. The cache is dropped when it grows
// past a bound, so that goroutines that each made their own set (equal or
// not) cost time, not memory.
type labelTexts struct {
	m map[labelSetID]string
}

type labelSetID struct {
	first *linked.Label
	n     int
}

const maxLabelTexts = 4096

func (c *labelTexts) get(ls Labels) string {
	if len(ls) == 0 {
		return ""
	}
	id := labelSetID{&ls[0], len(ls)}
	if s, ok := c.m[id]; ok {
		return s
	}
	if c.m == nil || len(c.m) >= maxLabelTexts {
		c.m = map[labelSetID]string{}
	}
	// Quoted, so that no two different sets share a text.
	var b []byte
	for _, l := range ls {
		b = strconv.AppendQuote(b, l.Key)
		b = strconv.AppendQuote(b, l.Value)
	}
	s := string(b)
	c.m[id] = s
	return s
}
