package dump

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// FormatCensus is the JSON of a census: gsysint-demo park --profile census
// --json (package census), by group or, with --per-goroutine, goroutine by
// goroutine:
//
//	{"taken_at": "...", "took_ns": 14679000, "total": 200012, "system": 9,
//	 "groups": [{"status": "waiting", "state": "chan receive", "count": 100000,
//	             "start": {"func": "...", "file": "...", "line": 242},
//	             "created": {...}, "labels": {"reason": "chan receive"},
//	             "max_age_ns": 363378000, "aged": 100000, ...}]}
//	{"taken_at": "...", ..., "goroutines": [{"id": 18, "status": "waiting",
//	 "state": "chan receive", "leaked": true, "age_ns": ..., "age_known": true,
//	 "start": {...}, "created": {...}, "creator_id": 1, "labels": {...}}]}
const FormatCensus = "census"

type censusSite struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

type censusRecord struct {
	ID             int64             `json:"id"`
	State          string            `json:"state"`
	Leaked         bool              `json:"leaked"`
	Count          int               `json:"count"`      // groups
	AgeNs          int64             `json:"age_ns"`     // goroutines
	AgeKnown       bool              `json:"age_known"`  // goroutines
	MaxAgeNs       int64             `json:"max_age_ns"` // groups
	Aged           int               `json:"aged"`       // groups
	Start          censusSite        `json:"start"`
	Created        censusSite        `json:"created"`
	CreatorID      int64             `json:"creator_id"`
	Labels         map[string]string `json:"labels"`
	LockedToThread bool              `json:"locked_to_thread"`
}

type censusJSON struct {
	TakenAt    *time.Time     `json:"taken_at"`
	Groups     []censusRecord `json:"groups"`
	Goroutines []censusRecord `json:"goroutines"`
}

// isCensusJSON says whether text input starts like a census's JSON: an
// object whose first key is "taken_at".
func isCensusJSON(head []byte) bool {
	b := bytes.TrimLeft(head, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	return bytes.HasPrefix(b, []byte(`"taken_at"`))
}

// parseCensus reads a census's JSON: each group or goroutine becomes a
// Goroutine with its state, its start function as its one frame, its
// creation site, labels and minutes (the runtime's age, as a debug=2
// header would print it).
func parseCensus(br *bufio.Reader, each func(*Goroutine)) (*Snapshot, error) {
	var c censusJSON
	dec := json.NewDecoder(br)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("reading a census's JSON: %w", err)
	}
	if c.TakenAt == nil || (c.Groups == nil && c.Goroutines == nil) {
		return nil, fmt.Errorf("%w: a JSON object with \"taken_at\" but no \"groups\" or \"goroutines\": want the JSON of gsysint-demo park --profile census --json", errNotDump)
	}
	s := &Snapshot{Format: FormatCensus, Reading: Reading{Dumps: 1}}
	add := func(r *censusRecord, count int, ageNs int64, aged bool) {
		g := &Goroutine{ID: r.ID, Count: count, State: r.State, Leaked: r.Leaked, Labels: r.Labels,
			LockedToThread: r.LockedToThread, CreatedBy: r.Created.Func, CreatedByFile: r.Created.File,
			CreatedByLine: r.Created.Line, CreatedByGoroutine: r.CreatorID}
		if aged && ageNs > 0 {
			g.Minutes = int(min(time.Duration(ageNs)/time.Minute, 1<<31))
		}
		if r.Start.Func != "" {
			g.Frames = []Frame{{Func: r.Start.Func, File: r.Start.File, Line: r.Start.Line}}
		}
		s.Total += g.Count
		if each != nil {
			each(g)
		} else {
			s.Goroutines = append(s.Goroutines, g)
		}
	}
	for i := range c.Groups {
		r := &c.Groups[i]
		if r.Count < 1 || r.Count > 1<<31 {
			return nil, fmt.Errorf("census group %d (%q) counts %d goroutines: want 1 to %d", i, r.State, r.Count, 1<<31)
		}
		r.ID = 0
		add(r, r.Count, r.MaxAgeNs, r.Aged > 0)
	}
	for i := range c.Goroutines {
		r := &c.Goroutines[i]
		add(r, 1, r.AgeNs, r.AgeKnown)
	}
	return s, nil
}
