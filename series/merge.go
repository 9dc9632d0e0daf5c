package series

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"gsysint-demo/dump"
)

// Source is one input of a merged view: one process's dump.
type Source struct {
	// Name tags the source: a URL's host:port, a file's name, or the name
	// given with --label-source.
	Name string `json:"name"`
	// Input is the file, URL or "stdin" it was read from.
	Input   string `json:"input"`
	Format  string `json:"format,omitempty"`
	Profile string `json:"profile,omitempty"`
	Total   int    `json:"total"`
	// Dumps is the number of dumps the input held; the latest is merged.
	Dumps int `json:"dumps,omitempty"`
	// Error says why the input could not be read; its counts are 0.
	Error string `json:"error,omitempty"`
}

// Merged is the goroutines of several processes side by side: one column
// per source. Its JSON form has every list present, in a fixed order.
type Merged struct {
	Sources []Source `json:"sources"`
	// Total adds up the sources' totals (different processes); Failed
	// counts the sources that could not be read.
	Total      int    `json:"total"`
	Failed     int    `json:"failed"`
	ComparedOn string `json:"compared_on"`
	// GroupCount is the number of groups; Groups the Top largest by
	// their total over the sources.
	GroupCount int           `json:"group_count"`
	Groups     []MergedGroup `json:"groups"`
}

// MergedGroup is one group's count in each source.
type MergedGroup struct {
	State  string       `json:"state"`
	Frames []dump.Frame `json:"frames"`
	Counts []int        `json:"counts"`
	Leaked int          `json:"leaked"`
	Total  int          `json:"total"`
}

// Merger gathers the summaries of sources read concurrently. It keeps the
// groups and a count per group and source, not the summaries: memory grows
// with the groups, not with the inputs.
type Merger struct {
	mu      sync.Mutex
	sources []Source
	groups  map[string]*MergedGroup
	order   []*MergedGroup
	formats map[string]bool
	// stateless: some source recorded no states.
	stateless bool
}

// NewMerger returns a Merger for the sources, whose Name and Input are set.
func NewMerger(sources []Source) *Merger {
	return &Merger{sources: slices.Clone(sources), groups: map[string]*MergedGroup{}, formats: map[string]bool{}}
}

// Add adds the summary of source i. It may be called from several
// goroutines at once.
func (m *Merger) Add(i int, sum *dump.Summary, dumps int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	src := &m.sources[i]
	src.Format, src.Profile, src.Total, src.Dumps = sum.Format, sum.Profile, sum.Total, dumps
	m.formats[sum.Format] = true
	if len(sum.States) == 0 {
		m.stateless = true
	}
	for _, g := range sum.Groups {
		k := key(g.State, g.Frames)
		mg := m.groups[k]
		if mg == nil {
			mg = &MergedGroup{State: g.State, Frames: g.Frames, Counts: make([]int, len(m.sources))}
			m.groups[k] = mg
			m.order = append(m.order, mg)
		}
		mg.Counts[i] += g.Count
		mg.Leaked += g.Leaked
	}
}

// Fail records that source i could not be read.
func (m *Merger) Fail(i int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The command's prefix ("report: ") says nothing in a source's row.
	m.sources[i].Error = strings.TrimPrefix(err.Error(), "report: ")
}

// Merged returns the view of what was added, with the top largest groups
// (0: all). Groups are keyed on state and stack; if some source recorded
// no states, on the stack alone, and, when the formats differ, on the
// frames every format carries (see Series.LeftOut).
func (m *Merger) Merged(top int) *Merged {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := &Merged{Sources: slices.Clone(m.sources), Groups: []MergedGroup{}, ComparedOn: "state and stack"}
	for _, s := range v.Sources {
		v.Total += s.Total
		if s.Error != "" {
			v.Failed++
		}
	}
	groups := m.order
	if m.stateless || len(m.formats) > 1 {
		if m.stateless {
			v.ComparedOn = "stack"
		}
		byKey := map[string]*MergedGroup{}
		groups = nil
		for _, g := range m.order {
			state, frames := g.State, g.Frames
			if m.stateless {
				state = ""
			}
			if len(m.formats) > 1 {
				frames = comparableFrames(frames)
			}
			k := key(state, frames)
			mg := byKey[k]
			if mg == nil {
				mg = &MergedGroup{State: state, Frames: frames, Counts: make([]int, len(m.sources))}
				byKey[k] = mg
				groups = append(groups, mg)
			}
			for i, c := range g.Counts {
				mg.Counts[i] += c
			}
			mg.Leaked += g.Leaked
		}
	}
	for _, g := range groups {
		c := *g
		c.Counts = slices.Clone(g.Counts)
		c.Total = 0
		for _, n := range c.Counts {
			c.Total += n
		}
		v.Groups = append(v.Groups, c)
	}
	slices.SortFunc(v.Groups, func(a, b MergedGroup) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.State, b.State),
			slices.CompareFunc(a.Frames, b.Frames, func(x, y dump.Frame) int {
				return cmp.Or(cmp.Compare(x.Func, y.Func), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line))
			}))
	})
	v.GroupCount = len(v.Groups)
	if top > 0 && len(v.Groups) > top {
		v.Groups = v.Groups[:top]
	}
	return v
}
