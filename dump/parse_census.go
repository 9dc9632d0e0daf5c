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
//
// A document is read token by token down to its "groups" or "goroutines"
// array, and the array one element at a time, so memory does not grow
// with the document: no element may take more than maxCensusElement bytes
// of JSON, and a document's goroutines are handed over as soon as more
// than censusHold bytes of them are waiting for its end (see
// censusReader.hold).
func parseCensus(br *bufio.Reader, each func(*Goroutine)) (*Snapshot, error) {
	cr := &censusReader{s: &Snapshot{Format: FormatCensus}, each: each}
	cr.in = &elementLimit{r: br}
	cr.dec = json.NewDecoder(cr.in)
	for n := 1; ; n++ {
		cr.n = n
		err := cr.document()
		if err == io.EOF && n > 1 && !cr.started {
			break
		}
		if (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) && n > 1 {
			// park stopped, or the stream was cut, in the middle of a
			// census: the ones before it are whole.
			cr.held = nil
			if cr.emitted == 0 {
				cr.s.Reading.Cut = fmt.Sprintf("the input ends inside census %d's JSON, which is left out", n)
			} else {
				cr.s.Reading.Cut = fmt.Sprintf("the input ends inside census %d's JSON, after the first %d of its groups or goroutines, which are read", n, cr.emitted)
				cr.s.Reading.Dumps = n
			}
			break
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, fmt.Errorf("reading a census's JSON%s: %w", censusOrdinal(n), err)
		}
		cr.s.Reading.Dumps = n
	}
	return cr.s, nil
}

const (
	// maxCensusElement bounds the JSON of one group or goroutine of a
	// census, and of any other value in the document (the decoder holds a
	// value whole before it decodes it). park writes a few hundred bytes
	// for one: a function name, a file path, a state and labels; 1 MiB is
	// thousands of times that, and a string longer is no census's.
	maxCensusElement = 1 << 20
	// censusHold bounds the JSON of the groups or goroutines of a census
	// held until the document ends. A census cut short at the end of the
	// input is left out, as long as what was read of it fits; past that
	// its groups or goroutines are handed over as they are read, and a cut
	// keeps those read (Reading.Cut says how many). park's grouped censuses
	// are a few KB; a per-goroutine census of 20k goroutines is about 8 MB.
	censusHold = 8 << 20
	// heldGoroutineCost is what a held Goroutine and its two frames take
	// beyond the strings its JSON holds, counted against censusHold so that
	// records of a few bytes ("{}") cannot be held by the million.
	heldGoroutineCost = 512
)

// censusReader reads census documents from dec one after another.
type censusReader struct {
	s    *Snapshot
	each func(*Goroutine)
	in   *elementLimit
	dec  *json.Decoder
	// n is the number of the document being read, from 1.
	n int
	// started: document n's first token was read.
	started bool
	// held are document n's goroutines not yet handed over, heldBytes
	// the size of their JSON (-1 once they are handed over as they come,
	// see hold); emitted counts those handed over.
	held      []*Goroutine
	heldBytes int64
	emitted   int
}

// elementLimit hands the decoder at most left bytes: reset (by
// censusReader.limit) before each value the decoder reads, so that a
// value too long is an error, not an allocation.
type elementLimit struct {
	r    io.Reader
	left int64
}

var errCensusElement = errors.New("census element too long")

func (l *elementLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errCensusElement
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// limit lets the decoder read what makes up maxCensusElement bytes with
// what it holds already. What it holds may run past the value it is to
// read (a read fills its buffer), so a value a little shorter than
// maxCensusElement may be refused too; with park's records of a few
// hundred bytes, the buffer stays a few KB.
func (cr *censusReader) limit() {
	buffered, _ := cr.dec.Buffered().(*bytes.Reader)
	cr.in.left = maxCensusElement
	if buffered != nil {
		cr.in.left -= int64(buffered.Len())
	}
}

// token reads the next JSON token of the document.
func (cr *censusReader) token() (json.Token, error) {
	cr.limit()
	t, err := cr.dec.Token()
	return t, cr.tooLong(err, "a key or value")
}

// decode reads the next JSON value of the document into v; what names it
// in an error.
func (cr *censusReader) decode(v any, what string) error {
	cr.limit()
	return cr.tooLong(cr.dec.Decode(v), what)
}

// more says whether the current array or object has more elements.
func (cr *censusReader) more() bool {
	cr.limit()
	return cr.dec.More()
}

// tooLong turns the error of a value longer than maxCensusElement into one
// that names the value and, if the part read shows it, the key of the
// string that runs past the limit.
func (cr *censusReader) tooLong(err error, what string) error {
	if !errors.Is(err, errCensusElement) {
		return err
	}
	var part []byte
	if buffered, ok := cr.dec.Buffered().(*bytes.Reader); ok {
		part = make([]byte, min(buffered.Len(), maxCensusElement))
		buffered.Read(part)
	}
	key := openStringKey(part)
	if key != "" {
		key = fmt.Sprintf(" (it runs past the limit after %q)", clip([]byte(key), 40))
	}
	return fmt.Errorf("%s reaches the limit of %d bytes of JSON for one value%s: park writes a few hundred bytes for a group or goroutine", what, maxCensusElement, key)
}

// tokenText shows a JSON token in an error: a string quoted, and cut to
// its first 40 bytes.
func tokenText(t json.Token) string {
	if s, ok := t.(string); ok {
		return fmt.Sprintf("%q", clip([]byte(s), 40))
	}
	return fmt.Sprint(t)
}

// openStringKey returns the key of the string that part, the beginning of
// a JSON value, ends inside of, or "" if it ends outside a string or the
// string is no object member's value.
func openStringKey(part []byte) string {
	var last, key string // the last string closed; the last key
	for i := 0; i < len(part); i++ {
		switch part[i] {
		case ':':
			key = last
		case ',', '{', '[':
			key = ""
		case '"':
			j := i + 1
			for ; j < len(part) && part[j] != '"'; j++ {
				if part[j] == '\\' {
					j++
				}
			}
			if j >= len(part) {
				return key
			}
			last = string(part[i+1 : j])
			i = j
		}
	}
	return ""
}

// document reads census n: io.EOF before its first token, else an error
// that wraps io.ErrUnexpectedEOF or is io.EOF where it is cut.
func (cr *censusReader) document() error {
	cr.started, cr.held, cr.heldBytes, cr.emitted = false, nil, 0, 0
	t, err := cr.token()
	if err != nil {
		return err
	}
	cr.started = true
	if t != json.Delim('{') {
		return fmt.Errorf("%w: JSON that starts with %s, not an object: want the JSON of gsysint-demo park --profile census --json", errNotDump, tokenText(t))
	}
	var takenAt *time.Time
	records := false
	for cr.more() {
		t, err := cr.token()
		if err != nil {
			return err
		}
		switch key, _ := t.(string); key {
		case "taken_at":
			if err := cr.decode(&takenAt, `"taken_at"`); err != nil {
				return err
			}
		case "groups", "goroutines":
			ok, err := cr.records(key == "groups")
			if err != nil {
				return err
			}
			records = records || ok
		default:
			var skip json.RawMessage
			if err := cr.decode(&skip, fmt.Sprintf("%q", clip([]byte(key), 40))); err != nil {
				return err
			}
		}
	}
	if _, err := cr.token(); err != nil { // the closing brace
		return err
	}
	if takenAt == nil || !records {
		return fmt.Errorf("%w: a JSON object with \"taken_at\" but no \"groups\" or \"goroutines\": want the JSON of gsysint-demo park --profile census --json", errNotDump)
	}
	for _, g := range cr.held {
		cr.emit(g)
	}
	cr.held = nil
	return nil
}

// records reads a "groups" (groups) or "goroutines" array one element at a
// time; ok is false for null, which stands for no array.
func (cr *censusReader) records(groups bool) (ok bool, err error) {
	t, err := cr.token()
	if err != nil || t == nil {
		return false, err
	}
	if t != json.Delim('[') {
		return false, fmt.Errorf("census %s is %s: want an array", map[bool]string{true: `"groups"`, false: `"goroutines"`}[groups], tokenText(t))
	}
	for i := 0; cr.more(); i++ {
		what := fmt.Sprintf("census goroutine %d", i)
		if groups {
			what = fmt.Sprintf("census group %d", i)
		}
		start := cr.dec.InputOffset()
		var r censusRecord
		if err := cr.decode(&r, what); err != nil {
			return false, err
		}
		g, err := censusGoroutine(&r, groups, cr.n, what)
		if err != nil {
			return false, err
		}
		cr.hold(g, cr.dec.InputOffset()-start)
	}
	_, err = cr.token() // the closing bracket
	return true, err
}

// hold keeps g, whose JSON took size bytes, until its document ends, so
// that a census cut short is left out whole; once more than censusHold
// bytes are held, they and the rest of the document are handed over as
// they come.
func (cr *censusReader) hold(g *Goroutine, size int64) {
	if cr.heldBytes < 0 {
		cr.emit(g)
		return
	}
	cr.held = append(cr.held, g)
	cr.heldBytes += size + heldGoroutineCost
	if cr.heldBytes <= censusHold {
		return
	}
	for _, h := range cr.held {
		cr.emit(h)
	}
	cr.held, cr.heldBytes = nil, -1
}

// emit hands g over to each, or keeps it in the snapshot.
func (cr *censusReader) emit(g *Goroutine) {
	cr.s.Total += g.Count
	cr.emitted++
	if cr.each != nil {
		cr.each(g)
	} else {
		cr.s.Goroutines = append(cr.s.Goroutines, g)
	}
}

// censusOrdinal names document n in an error, past the first.
func censusOrdinal(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (census %d of the input)", n)
}

// censusGoroutine makes a Goroutine of a group (groups) or goroutine of
// document n, named what in an error (which parseCensus says is in
// document n).
func censusGoroutine(r *censusRecord, groups bool, n int, what string) (*Goroutine, error) {
	count, ageNs, aged := 1, r.AgeNs, r.AgeKnown
	if groups {
		if r.Count < 1 || r.Count > 1<<31 {
			return nil, fmt.Errorf("%s (%q) counts %d goroutines: want 1 to %d", what, r.State, r.Count, 1<<31)
		}
		r.ID = 0
		count, ageNs, aged = r.Count, r.MaxAgeNs, r.Aged > 0
	}
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
	return g, nil
}
