package census

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"time"

	"gsysint-demo/linked"
)

// Group is the goroutines of one census that share a state, a start
// function, a creation site and a label set.
type Group struct {
	Status   string `json:"status"`
	State    string `json:"state"`
	Leaked   bool   `json:"leaked,omitempty"`
	Start    Site   `json:"start"`
	Created  Site   `json:"created"`
	Labels   Labels `json:"labels,omitempty"` // a copy of runtime/pprof's set (see Goroutine.Labels)
	System   bool   `json:"system,omitempty"`
	Changing bool   `json:"changing,omitempty"` // goroutines whose g changed under every read: only the status holds
	Count    int    `json:"count"`

	// MaxAge is the runtime's age of the group's oldest wait (see the
	// package's "Ages"); Aged counts the goroutines that have one.
	MaxAge time.Duration `json:"max_age_ns,omitempty"`
	Aged   int           `json:"aged,omitempty"`

	// For a group of goroutines that package park parked (given
	// WithParkTimes): the real time since its first goroutine parked
	// (MaxParked) and since its last (MinParked), and ParkedCount, the
	// goroutines they cover.
	MaxParked   time.Duration `json:"max_parked_ns,omitempty"`
	MinParked   time.Duration `json:"min_parked_ns,omitempty"`
	ParkedCount int           `json:"parked_count,omitempty"`
}

// Groups is one census, counted by group, largest first.
type Groups struct {
	Header
	Groups []*Group `json:"groups"`
}

// groupKey is what makes two goroutines one group, by name. The labels are
// keyed by their text: goroutines that each set equal labels with their own
// pprof.Do hold different sets with the same text.
type groupKey struct {
	status, state            string
	leaked, system, changing bool
	start, created           Site
	labels                   string
}

// rawKey is what makes two goroutine records one group before any name is
// looked up: a few words, hashed and compared quickly. Two raw groups may
// turn out to be one group (two go statements on one line, equal label sets
// made apart); fold merges them.
type rawKey struct {
	status         uint32
	text           string // the wait reason's text, "" if none
	startPC, goPC  uintptr
	labels         labelSetID
	cleanups, main bool // RunningCleanups (system or not), goroutine 1 (no creator)
	changing       bool
}

type rawGroup struct {
	count, aged  int
	minWaitSince int64          // of the aged
	labels       []linked.Label // runtime/pprof's set, copied when folded
}

// maxRawGroups bounds the raw groups kept before they are folded into
// groups: goroutines that each made their own label set make a raw group
// each.
const maxRawGroups = 1 << 14

// TakeGroups reads every goroutine's record, like Take, and counts them by
// group (state, start function, creation site, labels) as it reads: it
// keeps one record per group and nothing per goroutine, so a census of a
// million goroutines in ten groups needs a few kilobytes.
func TakeGroups(opts ...Option) (*Groups, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	f := folder{r: newResolver(), byKey: map[groupKey]*Group{}, system: cfg.system}
	raw := map[rawKey]*rawGroup{}
	var lastKey rawKey
	var last *rawGroup
	var now int64
	h := walk(func(rec *linked.GRecord, start int64) {
		now = start
		k := rawKey{status: rec.Status, changing: rec.Changing}
		if !rec.Changing {
			k.text, k.startPC, k.goPC = rec.Text, rec.StartPC, rec.GoPC
			k.cleanups, k.main = rec.RunningCleanups, rec.ID == 1
			if len(rec.Labels) > 0 {
				k.labels = labelSetID{&rec.Labels[0], len(rec.Labels)}
			}
		}
		g := last
		if g == nil || k != lastKey {
			if g = raw[k]; g == nil {
				if len(raw) >= maxRawGroups {
					f.fold(raw, now)
					clear(raw)
				}
				g = &rawGroup{labels: rec.Labels}
				raw[k] = g
			}
			lastKey, last = k, g
		}
		g.count++
		if (rec.Status == linked.StatusWaiting || rec.Status == linked.StatusSyscall) && rec.WaitSince != 0 && !rec.Changing {
			if g.aged == 0 || rec.WaitSince < g.minWaitSince {
				g.minWaitSince = rec.WaitSince
			}
			g.aged++
		}
	})
	f.fold(raw, now)
	h.Total, h.System, h.Changing = f.total, f.systemN, f.changing
	h.SystemListed = cfg.system
	out := &Groups{Header: h, Groups: make([]*Group, 0, len(f.byKey))}
	for _, gr := range f.byKey {
		if gr.System && !cfg.system {
			continue
		}
		out.Groups = append(out.Groups, gr)
	}
	if cfg.park != nil {
		addParkTimes(out.Groups, cfg.park, now)
	}
	sortGroups(out.Groups)
	return out, nil
}

// folder turns raw groups into groups.
type folder struct {
	r                        *resolver
	byKey                    map[groupKey]*Group
	labelText                labelTexts
	system                   bool
	total, systemN, changing int
}

func (f *folder) fold(raw map[rawKey]*rawGroup, now int64) {
	for k, rg := range raw {
		g := Goroutine{Status: linked.StatusWord(k.status), Changing: k.changing}
		g.State = g.Status
		if !k.changing {
			if k.text != "" {
				g.State = k.text
			}
			g.Leaked = k.status == linked.StatusLeaked
			st := f.r.start(k.startPC)
			g.Start = st.site
			g.System = f.r.system(st, k.cleanups)
			if !k.main {
				g.Created = f.r.site(k.goPC)
			}
			g.Labels = f.r.own(rg.labels)
		}
		gr := f.group(&g)
		gr.Count += rg.count
		if rg.aged > 0 {
			gr.Aged += rg.aged
			gr.MaxAge = max(gr.MaxAge, time.Duration(now-rg.minWaitSince))
		}
		f.total += rg.count
		if g.System {
			f.systemN += rg.count
		}
		if g.Changing {
			f.changing += rg.count
		}
	}
}

// group returns g's group, made if new.
func (f *folder) group(g *Goroutine) *Group {
	k := groupKey{g.Status, g.State, g.Leaked, g.System, g.Changing, g.Start, g.Created, f.labelText.get(g.Labels)}
	gr := f.byKey[k]
	if gr == nil {
		gr = &Group{Status: g.Status, State: g.State, Leaked: g.Leaked, Start: g.Start, Created: g.Created, Labels: g.Labels, System: g.System, Changing: g.Changing}
		f.byKey[k] = gr
	}
	return gr
}

// addParkTimes gives the groups whose goroutines wait with the labels of a
// group that park parked the real times of that group's parks.
func addParkTimes(groups []*Group, p ParkTimes, now int64) {
	type span struct {
		n           int
		first, last int64
	}
	spans := map[string]*span{}
	p.ParkedGroups(func(labels map[string]string, n int, first, last int64) {
		k := mapLabelKey(labels)
		if s := spans[k]; s != nil { // two Park calls with the same labels
			s.n += n
			s.first, s.last = min(s.first, first), max(s.last, last)
			return
		}
		spans[k] = &span{n, first, last}
	})
	var lt labelTexts
	for _, g := range groups {
		if g.Status != "waiting" && g.Status != "leaked" {
			continue
		}
		if s := spans[lt.get(g.Labels)]; s != nil {
			g.ParkedCount = min(g.Count, s.n)
			g.MaxParked, g.MinParked = time.Duration(now-s.first), time.Duration(now-s.last)
		}
	}
}

// Group makes the groups of a Snapshot, as TakeGroups would have.
func (s *Snapshot) Group() *Groups {
	f := folder{byKey: map[groupKey]*Group{}}
	for _, g := range s.Goroutines {
		gr := f.group(g)
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
	out := &Groups{Header: s.Header, Groups: make([]*Group, 0, len(f.byKey))}
	for _, gr := range f.byKey {
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

// labelTexts caches the key text of the label sets seen last, by the
// set's identity: goroutines that inherited their labels share one set, so
// a census makes each set's text once. The cache is dropped when it grows
// past a bound, so that goroutines that each made their own set (equal or
// not) cost time, not memory.
type labelTexts struct {
	m map[ownSetID]string
}

// labelSetID is a label set's identity: runtime/pprof never changes a set
// it made, so the same first element and length is the same set.
type labelSetID struct {
	first *linked.Label
	n     int
}

// ownSetID is the identity of a census's copy of a set (see resolver.own),
// made once per set: the same first element and length is the same copy.
type ownSetID struct {
	first *Label
	n     int
}

const maxLabelTexts = 4096

func (c *labelTexts) get(ls Labels) string {
	if len(ls) == 0 {
		return ""
	}
	id := ownSetID{&ls[0], len(ls)}
	if s, ok := c.m[id]; ok {
		return s
	}
	if c.m == nil || len(c.m) >= maxLabelTexts {
		c.m = map[ownSetID]string{}
	}
	var b []byte
	for _, l := range ls {
		b = appendLabel(b, l.Key, l.Value)
	}
	s := string(b)
	c.m[id] = s
	return s
}

// appendLabel appends a label to a key text, quoted, so that no two
// different sets share a text.
func appendLabel(b []byte, k, v string) []byte {
	return strconv.AppendQuote(strconv.AppendQuote(b, k), v)
}

// mapLabelKey is the key text of labels given as a map.
func mapLabelKey(m map[string]string) string {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendLabel(b, k, m[k])
	}
	return string(b)
}
