// Package events is what gsysint-demo park tells its user on stderr while
// it runs: one typed value per line of news (a group parked, a dump written,
// everything released), written in one of two forms.
//
// The text form (--log-format text, the default) is for people; its lines
// read, for example:
//
//	parked 3 goroutines: reason "chan receive" (19), trace reason "chan receive" (7)
//	  note: "chan receive" is a leak candidate: ...
//	parking took 1.234ms; resident memory grew 1.2 MB
//	serving pprof on http://127.0.0.1:6060/debug/pprof/
//	live page on http://127.0.0.1:6060/
//	dump 1: goroutine debug=2, 7 goroutines, 3.1 KB in 52µs → out/goroutine-0001.txt
//	dump 1: census table of groups, 12 goroutines in 5 groups, read in 62µs without stopping the world, written in 90µs
//	released 3 goroutines in 41µs
//	trace written to t.out: read it with gsysint-demo trace t.out, or go tool trace t.out
//
// The JSON form (--log-format json) is for programs: one JSON object per
// line, whose "event" field names the event and whose other fields are the
// event's, as the types below document them (durations in nanoseconds,
// sizes in bytes):
//
//	{"event":"parked","count":3,"reason":{"text":"chan receive","index":19},"trace_reason":{"text":"chan receive","index":7},"labels":{...}}
//	{"event":"note","note":"..."}
//	{"event":"parking_done","goroutines":3,"elapsed_ns":1234000,"rss_growth_bytes":1258291}
//	{"event":"serving_pprof","addr":"127.0.0.1:6060","url":"http://127.0.0.1:6060/debug/pprof/"}
//	{"event":"live_page","url":"http://127.0.0.1:6060/"}
//	{"event":"dump","n":1,"profile":"goroutine","debug":2,"goroutines":7,"bytes":3174,"elapsed_ns":52000,"path":"out/goroutine-0001.txt"}
//	{"event":"census","n":1,"form":"table","shape":"groups","goroutines":12,"groups":5,"took_ns":62000,"elapsed_ns":90000}
//	{"event":"summary","n":1,"summary":{... as gsysint-demo report --json ...}}
//	{"event":"dump_cut_short","n":2,"grace_ns":2000000000}
//	{"event":"reader_gone","n":2}
//	{"event":"interrupted"}                          ("while":"parking" if it came while parking)
//	{"event":"released","released":3,"leaked_recovered":0,"elapsed_ns":41000}
//	{"event":"trace_written","path":"t.out"}
//	{"event":"error","error":"...","exit_status":1}
//
// The text form of an error is the "gsysint-demo: ..." line every command
// prints; a flag that does not parse is reported in the text form, as the
// log format is not known yet.
package events

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"

	"gsysint-demo/dump"
)

// Event is one line of news from a park run: one of the types below.
type Event interface {
	// Name is the event's "event" field in the JSON form.
	Name() string
}

// Reason is a wait or trace block reason as park used it.
type Reason struct {
	Text   string `json:"text"`
	Index  int    `json:"index"`            // in the runtime's table, or the borrowed slot
	Custom bool   `json:"custom,omitempty"` // Text is custom, shown through slot Index
}

// Parked is a group of goroutines parked with one reason.
type Parked struct {
	Count       int               `json:"count"`
	Reason      Reason            `json:"reason"`
	TraceReason Reason            `json:"trace_reason"`
	Labels      map[string]string `json:"labels,omitempty"` // every pprof label, reason and trace_reason included
}

// Note says what a reason or a dump does beyond showing; it follows the
// event it is about.
type Note struct {
	Note string `json:"note"`
}

// ParkingDone ends the parking of every group.
type ParkingDone struct {
	Goroutines int           `json:"goroutines"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	// RSSGrowth is how much the resident set grew while parking (it may
	// be negative: the garbage collector returns memory meanwhile).
	RSSGrowth int64 `json:"rss_growth_bytes"`
}

// ServingPprof says where net/http/pprof is served (park --http).
type ServingPprof struct {
	Addr string `json:"addr"` // host:port, the port chosen if --http gave 0
	URL  string `json:"url"`  // http://ADDR/debug/pprof/
}

// LivePage says where the live page is served (park --http).
type LivePage struct {
	URL string `json:"url"`
}

// Dump is dump N written.
type Dump struct {
	N          int           `json:"n"`
	Profile    dump.Profile  `json:"profile"`
	Debug      dump.Debug    `json:"debug"`
	Goroutines int           `json:"goroutines"`
	Bytes      int64         `json:"bytes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Path       string        `json:"path,omitempty"` // the file written; empty for stdout
}

// Census is census N written (park --profile census): Form is "table",
// "json" or "protobuf", Shape "groups" or "goroutines"; Goroutines counts
// every goroutine read, the runtime's own included, Groups the groups
// written (by group only); Took is the read, Elapsed the read and the
// write.
type Census struct {
	N          int           `json:"n"`
	Form       string        `json:"form"`
	Shape      string        `json:"shape"`
	Goroutines int           `json:"goroutines"`
	Groups     int           `json:"groups,omitempty"`
	Took       time.Duration `json:"took_ns"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Path       string        `json:"path,omitempty"` // the file written; empty for stdout
}

// Summary is the summary of dump N (park --summary).
type Summary struct {
	N       int           `json:"n"`
	Summary *dump.Summary `json:"summary"`
	// Change, after the first dump, says in a few lines what changed
	// since the dump before (groups new, gone, grown or shrunk); the text
	// form then shows it instead of the whole table again.
	Change string `json:"change,omitempty"`
}

// DumpCutShort is dump N to stdout, left unfinished at a stop because
// stdout's reader took none of it for Grace.
type DumpCutShort struct {
	N     int           `json:"n"`
	Grace time.Duration `json:"grace_ns"`
}

// ReaderGone is stdout closed by its reader during dump N: the run stops.
type ReaderGone struct {
	N int `json:"n"`
}

// Interrupted is a stop signal that ended the run early.
type Interrupted struct {
	While string `json:"while,omitempty"` // "parking", or empty
}

// Released is every parked goroutine released.
type Released struct {
	Released int `json:"released"`
	// LeakedRecovered is how many of them the goroutineleak profile had
	// marked leaked, restored to waiting first.
	LeakedRecovered int           `json:"leaked_recovered"`
	Elapsed         time.Duration `json:"elapsed_ns"`
}

// TraceWritten is the execution trace (park --trace) written whole.
type TraceWritten struct {
	Path string `json:"path"`
}

// Error ends the run: Error is the message, ExitStatus the process's exit
// status.
type Error struct {
	Error      string `json:"error"`
	ExitStatus int    `json:"exit_status"`
}

func (Parked) Name() string       { return "parked" }
func (Note) Name() string         { return "note" }
func (ParkingDone) Name() string  { return "parking_done" }
func (ServingPprof) Name() string { return "serving_pprof" }
func (LivePage) Name() string     { return "live_page" }
func (Dump) Name() string         { return "dump" }
func (Census) Name() string       { return "census" }
func (Summary) Name() string      { return "summary" }
func (DumpCutShort) Name() string { return "dump_cut_short" }
func (ReaderGone) Name() string   { return "reader_gone" }
func (Interrupted) Name() string  { return "interrupted" }
func (Released) Name() string     { return "released" }
func (TraceWritten) Name() string { return "trace_written" }
func (Error) Name() string        { return "error" }

// newEvent returns a pointer to a zero event of each name, for Decode.
var newEvent = map[string]func() Event{
	"parked":         func() Event { return &Parked{} },
	"note":           func() Event { return &Note{} },
	"parking_done":   func() Event { return &ParkingDone{} },
	"serving_pprof":  func() Event { return &ServingPprof{} },
	"live_page":      func() Event { return &LivePage{} },
	"dump":           func() Event { return &Dump{} },
	"census":         func() Event { return &Census{} },
	"summary":        func() Event { return &Summary{} },
	"dump_cut_short": func() Event { return &DumpCutShort{} },
	"reader_gone":    func() Event { return &ReaderGone{} },
	"interrupted":    func() Event { return &Interrupted{} },
	"released":       func() Event { return &Released{} },
	"trace_written":  func() Event { return &TraceWritten{} },
	"error":          func() Event { return &Error{} },
}

// Format is the form events are written in.
type Format string

// The forms.
const (
	Text Format = "text"
	JSON Format = "json"
)

// ParseFormat returns the format named s, or an error naming s and the
// formats accepted.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON:
		return f, nil
	}
	return "", fmt.Errorf("%q: want text or json", s)
}

// Writer writes events to an io.Writer in one format.
type Writer struct {
	w      io.Writer
	format Format
}

// NewWriter returns a Writer of events to w in format f.
func NewWriter(w io.Writer, f Format) *Writer { return &Writer{w: w, format: f} }

// Emit writes ev. Its error is the writer's: stderr gone is no reason to
// stop a run, so callers may ignore it.
func (w *Writer) Emit(ev Event) error {
	if w.format == JSON {
		b, err := MarshalLine(ev)
		if err != nil {
			return err
		}
		_, err = w.w.Write(b)
		return err
	}
	return writeText(w.w, ev)
}

// MarshalLine is the JSON form of ev: one object, with "event" first, and
// a newline.
func MarshalLine(ev Event) ([]byte, error) {
	fields, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("event %s: %v", ev.Name(), err)
	}
	line := []byte(`{"event":` + strconv.Quote(ev.Name()))
	if len(fields) > 2 { // not {}
		line = append(line, ',')
		line = append(line, fields[1:len(fields)-1]...)
	}
	return append(line, "}\n"...), nil
}

// Decode reads one line of the JSON form and returns its event, a value of
// one of the types above.
func Decode(line []byte) (Event, error) {
	var head struct {
		Event string `json:"event"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, fmt.Errorf("not an event line: %v: %q", err, line)
	}
	mk, ok := newEvent[head.Event]
	if !ok {
		return nil, fmt.Errorf("unknown event %q in %q", head.Event, line)
	}
	ev := mk()
	if err := json.Unmarshal(line, ev); err != nil {
		return nil, fmt.Errorf("event %s: %v: %q", head.Event, err, line)
	}
	return reflect.ValueOf(ev).Elem().Interface().(Event), nil
}
