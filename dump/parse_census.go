package dump

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
//
// A census records no stack: a group or goroutine is read with its start
// function and then its creation site as its stack, the two locations
// the census protobuf gives a sample, so both forms group alike. Several
// censuses one after another (park's stdout with --dumps N) are several
// dumps: ReadDumps returns one Summary per census.
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
// Goroutine with its state, a two-frame stack (its start function, then
// its creation site: the go statement, in the function that ran it, as
// the census protobuf lists a sample's two locations), its creation site
// again as "created by", labels and minutes (the runtime's age, as a
// debug=2 header would print it).
//
// Input may hold several censuses one after another (park --profile
// census --json --dumps 3 writes one JSON document per dump to stdout):
// a JSON decoder reads them one value after another, so the boundary is
// each document's end, wherever its lines break. Each document's
// goroutines carry its number (Goroutine.dump): ReadDumps makes a dump of
// each, ReadSummary adds them up and says so in Reading.Dumps.
func parseCensus(br *bufio.Reader, each func(*Goroutine)) (*Snapshot, error) {
	dec := json.NewDecoder(br)
	s := &Snapshot{Format: FormatCensus}
	for n := 1; ; n++ {
		var c censusJSON
		err := dec.Decode(&c)
		if err == io.EOF && n > 1 {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) && n > 1 {
			// park stopped, or the stream was cut, in the middle of a
			// census: the ones before it are whole.
			s.Reading.Cut = fmt.Sprintf("the input ends inside census %d's JSON, which is left out", n)
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading a census's JSON%s: %w", censusOrdinal(n), err)
		}
		if c.TakenAt == nil || (c.Groups == nil && c.Goroutines == nil) {
			return nil, fmt.Errorf("%w: a JSON object%s with \"taken_at\" but no \"groups\" or \"goroutines\": want the JSON of gsysint-demo park --profile census --json", errNotDump, censusOrdinal(n))
		}
		if err := addCensus(s, &c, n, each); err != nil {
			return nil, err
		}
		s.Reading.Dumps = n
	}
	return s, nil
}

// censusOrdinal names document n in an error, past the first.
func censusOrdinal(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (census %d of the input)", n)
}

// addCensus hands the groups or goroutines of document n over to each, or
// keeps them in s.
func addCensus(s *Snapshot, c *censusJSON, n int, each func(*Goroutine)) error {
	add := func(r *censusRecord, count int, ageNs int64, aged bool) {
		g := &Goroutine{ID: r.ID, Count: count, State: r.State, Leaked: r.Leaked, Labels: r.Labels,
			LockedToThread: r.LockedToThread, CreatedBy: r.Created.Func, CreatedByFile: r.Created.File,
			CreatedByLine: r.Created.Line, CreatedByGoroutine: r.CreatorID, dump: n}
		if aged && ageNs > 0 {
			g.Minutes = int(min(time.Duration(ageNs)/time.Minute, 1<<31))
		}
		for _, site := range []censusSite{r.Start, r.Created} {
			if site.Func != "" {
				g.Frames = append(g.Frames, Frame(site))
			}
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
			return fmt.Errorf("census group %d%s (%q) counts %d goroutines: want 1 to %d", i, censusOrdinal(n), r.State, r.Count, 1<<31)
		}
		r.ID = 0
		add(r, r.Count, r.MaxAgeNs, r.Aged > 0)
	}
	for i := range c.Goroutines {
		r := &c.Goroutines[i]
		add(r, 1, r.AgeNs, r.AgeKnown)
	}
	return nil
}
