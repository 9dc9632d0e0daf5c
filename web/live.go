package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"gsysint-demo/dump"
	"gsysint-demo/tracing"
)

// WaiterFunc is the function every goroutine park parks sits in: the first
// frame of its stack in every report (park.WaiterFunc; web does not import
// park, so that the report page needs no runtime bindings).
const WaiterFunc = "gsysint-demo/park.(*waiter).park"

// keptIDs is how many goroutine ids (with their debug=2 blocks) a snapshot
// keeps per wait reason: the page lists them, and never all of them.
const keptIDs = 12

// ParkedGroup is one group of goroutines park parked.
type ParkedGroup struct {
	Count       int
	Wait, Trace Reason
	// Class and ClassNote say what parking with the wait reason does.
	Class, ClassNote string
	Labels           []Label // every label, reason and trace_reason included; Count unused
}

// Reason is a wait or trace block reason as park resolved it.
type Reason struct {
	Text   string
	Index  int  // in the runtime's table
	Custom bool // custom text shown through the borrowed slot Index
}

// Setting is one of the run's settings, as the page lists them.
type Setting struct{ Name, Value string }

// LiveConfig is what the live page knows from the start.
type LiveConfig struct {
	Settings []Setting
	// TraceFile is park's --trace file, "" if none.
	TraceFile string
	// Census, if not nil, gives the one-goroutine view its census record
	// and the page its chart of the whole process over time.
	Census Census
}

// Live is the live page of a park run, an http.Handler for "/". It shows
// the parked groups, and one parked goroutine in every report the runtime
// gives of it, from a snapshot of the reports taken one after another.
// A snapshot keeps a few goroutine ids per wait reason, never a list of
// every goroutine.
type Live struct {
	cfg LiveConfig

	mu      sync.Mutex // guards groups and writing
	groups  []ParkedGroup
	writing string // the execution trace being written, "" for none

	snapMu sync.Mutex // held while a snapshot is taken; guards snap
	snap   *snapshot

	over overTime // census samples, for the chart over time
}

// NewLive returns the live page of a run with settings cfg; it shows the
// groups once SetParked has been called.
func NewLive(cfg LiveConfig) *Live { return &Live{cfg: cfg} }

// SetParked tells the page what park parked. The page takes its first
// snapshot when it is first asked for, never in the background: each
// report stops the world, which the process's own dumps, traces and
// measurements would see.
func (l *Live) SetParked(groups []ParkedGroup) {
	l.mu.Lock()
	l.groups = slices.Clone(groups)
	l.mu.Unlock()
}

// SetTrace tells the page the file park's execution trace is being
// written to (tracing.Recording.TempName): the page reads its goroutines'
// block events from it as far as the runtime has written it.
func (l *Live) SetTrace(writing string) {
	l.mu.Lock()
	l.writing = writing
	l.mu.Unlock()
}

func (l *Live) parked() ([]ParkedGroup, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.groups, l.writing
}

// snapshot is every report of the process's goroutines, taken one after
// another: the goroutineleak profile first (it may mark goroutines leaked,
// which the others then show), then debug=2, debug=1 and the protobuf.
type snapshot struct {
	taken time.Time
	took  time.Duration
	// tookEach is the time each report took, in the order taken.
	tookEach []Setting
	// total is the number of goroutines in the debug=2 dump.
	total int
	// byReason holds the parked goroutines of the debug=2 dump by wait
	// reason (the header's status without its suffixes).
	byReason map[string]*reasonIDs
	// blocks are the debug=2 blocks of the goroutines kept.
	blocks map[int64]block
	debug1 []byte
	proto  *profile.Profile
	// leak is the goroutineleak profile at debug=1; leakErr says why
	// there is none.
	leak    []byte
	leakErr error
	// traceBlocks are the block events of the goroutines kept, from the
	// execution trace being written, if any; traceNote says how far it
	// was read, or why it was not.
	traceBlocks map[int64]tracing.Block
	traceNote   string
}

type reasonIDs struct {
	count, leaked int
	ids           []int64
}

type block struct {
	text string
	g    *dump.Goroutine
}

// takeSnapshot takes every report; it keeps the debug=2 block of want
// (if it is a parked goroutine) besides the first keptIDs of each reason.
func takeSnapshot(want int64, writing string) (*snapshot, error) {
	s := &snapshot{taken: time.Now(), byReason: map[string]*reasonIDs{}, blocks: map[int64]block{}}
	var buf bytes.Buffer
	timed := func(name string, w io.Writer, profile dump.Profile, debug dump.Debug) error {
		start := time.Now()
		_, err := dump.Write(w, profile, debug)
		s.tookEach = append(s.tookEach, Setting{Name: name, Value: time.Since(start).Round(time.Millisecond).String()})
		return err
	}
	if err := timed("goroutineleak", &buf, "goroutineleak", 1); err != nil {
		s.leakErr = err
	} else {
		s.leak = bytes.Clone(buf.Bytes())
	}
	sc := &debug2Scanner{s: s, fn: WaiterFunc, want: want, headers: map[string]headerInfo{}}
	if err := timed("debug=2", sc, "goroutine", 2); err != nil {
		return nil, err
	}
	if err := sc.finish(); err != nil {
		return nil, err
	}
	buf.Reset()
	if err := timed("debug=1", &buf, "goroutine", 1); err != nil {
		return nil, err
	}
	s.debug1 = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := timed("protobuf", &buf, "goroutine", 0); err != nil {
		return nil, err
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("reading back the goroutine protobuf: %v", err)
	}
	s.proto = p
	if writing != "" {
		start := time.Now()
		s.readTrace(writing)
		s.tookEach = append(s.tookEach, Setting{Name: "trace read", Value: time.Since(start).Round(time.Millisecond).String()})
	}
	s.took = time.Since(s.taken)
	return s, nil
}

// readTrace reads the block events of the goroutines kept from the
// execution trace being written to path.
func (s *snapshot) readTrace(path string) {
	f, err := os.Open(path)
	if err != nil {
		s.traceNote = "not read: " + err.Error()
		return
	}
	defer f.Close()
	blocks, cut, err := tracing.LastBlocks(f, func(id int64) bool { _, ok := s.blocks[id]; return ok })
	switch {
	case err != nil:
		s.traceNote = "not read: " + err.Error()
	case cut != nil:
		s.traceNote = "read as far as the runtime has written it (it writes each generation, about a second of events, when the generation ends)"
	default:
		s.traceNote = "read to the end of what the runtime has written"
	}
	s.traceBlocks = blocks
}

// debug2Scanner reads the debug=2 dump as dump.Write writes it, one block
// (a goroutine, up to its blank line) at a time, keeping only what the
// snapshot keeps: the text is never held whole a second time.
type debug2Scanner struct {
	s    *snapshot
	fn   string // the function parked goroutines sit in: WaiterFunc
	want int64
	rest []byte // an unfinished block from the previous Write
	// headers caches what a header says, by the header without its id:
	// the goroutines of a group share it.
	headers map[string]headerInfo
}

type headerInfo struct {
	reason string
	leaked bool
}

func (sc *debug2Scanner) Write(p []byte) (int, error) {
	n := len(p)
	if len(sc.rest) > 0 {
		p = append(sc.rest, p...)
		sc.rest = nil
	}
	for {
		end := bytes.Index(p, []byte("\n\n"))
		if end < 0 {
			break
		}
		if err := sc.block(p[:end+1]); err != nil {
			return 0, err
		}
		p = p[end+2:]
	}
	sc.rest = bytes.Clone(p)
	return n, nil
}

func (sc *debug2Scanner) finish() error {
	if len(bytes.TrimSpace(sc.rest)) > 0 {
		return sc.block(sc.rest)
	}
	return nil
}

// block reads one goroutine's block:
//
//	goroutine 23 [waiting for godot]:
//	gsysint-demo/park.(*waiter).park(0x2bd584f7c000, 0x1f, 0x0, 0x2bd584fb6090)
//		/work/main/park/park.go:356 +0x8a
//	created by gsysint-demo/park.(*Parker).start.func1 in goroutine 1
//	...
func (sc *debug2Scanner) block(b []byte) error {
	b = bytes.TrimLeft(b, "\n")
	header, body, _ := bytes.Cut(b, []byte("\n"))
	rest, ok := bytes.CutPrefix(header, []byte("goroutine "))
	if !ok {
		return nil // a crash's preamble; dump.Write writes none
	}
	sc.s.total++
	if !bytes.HasPrefix(body, []byte(sc.fn+"(")) {
		return nil
	}
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	id, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil {
		return fmt.Errorf("goroutine header %q: %v", header, err)
	}
	info, seen := sc.headers[string(rest[i:])]
	var g *dump.Goroutine
	if !seen {
		if g, err = parseBlock(b); err != nil {
			return err
		}
		info = headerInfo{reason: g.State, leaked: g.Leaked}
		sc.headers[string(rest[i:])] = info
	}
	r := sc.s.byReason[info.reason]
	if r == nil {
		r = &reasonIDs{}
		sc.s.byReason[info.reason] = r
	}
	r.count++
	if info.leaked {
		r.leaked++
	}
	if len(r.ids) < keptIDs || id == sc.want {
		if len(r.ids) < keptIDs {
			r.ids = append(r.ids, id)
		}
		if g == nil {
			if g, err = parseBlock(b); err != nil {
				return err
			}
		}
		sc.s.blocks[id] = block{text: string(bytes.TrimRight(b, "\n")), g: g}
	}
	return nil
}

// parseBlock parses one debug=2 block with the dump package's parser.
func parseBlock(b []byte) (*dump.Goroutine, error) {
	s, err := dump.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if len(s.Goroutines) != 1 {
		return nil, fmt.Errorf("a debug=2 block read as %d goroutines, want 1", len(s.Goroutines))
	}
	return s.Goroutines[0], nil
}

// snapshotFor returns the snapshot to serve (a new one keeps goroutine
// want's block, 0: none beyond the first few of each reason): a new one if
// there is none or the last is older than max(maxAge, 4 × what it took);
// else the last, unless fresh is set (?new=1), when a new one is taken if
// the last is older than minGap. A goroutine missing from the last snapshot takes no
// new one by itself: each snapshot stops the world four times, and a
// client looping on ?new=1 or on ids that are not there would keep the
// process stopped. held says why a new snapshot asked for was not taken
// ("" when one was, or none was asked for).
func (l *Live) snapshotFor(want int64, fresh bool, writing string) (s *snapshot, held string, err error) {
	l.snapMu.Lock()
	defer l.snapMu.Unlock()
	s = l.snap
	if s != nil {
		age := time.Since(s.taken)
		if age < max(maxAge, 4*s.took) && !fresh {
			return s, "", nil
		}
		if gap := minGap(s); age < gap {
			return s, fmt.Sprintf("no new snapshot was taken: the last was taken %v ago, and a new one is taken at most once every %v (4 times what the last took, at least %v)",
				age.Round(time.Millisecond), gap.Round(time.Millisecond), minGapFloor), nil
		}
	}
	if s, err = takeSnapshot(want, writing); err != nil {
		return nil, "", err
	}
	l.snap = s
	return s, "", nil
}

// maxAge is how long a snapshot serves the page before a request takes a
// new one (longer when taking it took long: 4 times that).
const maxAge = 5 * time.Second

// minGap is the least time between a snapshot and the next one asked for
// (?new=1): 4 times what s took, at least minGapFloor, so that snapshots
// stop the world a fifth of the time at most.
func minGap(s *snapshot) time.Duration { return max(minGapFloor, 4*s.took) }

const minGapFloor = time.Second

var liveTemplate = template.Must(template.New("live.html").Funcs(funcs).Funcs(liveFuncs).ParseFS(assets, "assets/live.html", "assets/overtime.html"))

func (l *Live) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	groups, writing := l.parked()
	page := &livePage{Settings: l.cfg.Settings, Host: r.Host, TraceFile: l.cfg.TraceFile, CensusOn: l.cfg.Census != nil}
	samples, period, lastErr := l.over.samples()
	page.OverTime = l.chart(samples, period, lastErr)
	if len(groups) == 0 {
		page.Parking = true
		l.render(w, page)
		return
	}
	var want int64
	if g := r.FormValue("g"); g != "" {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil || id <= 0 {
			http.Error(w, fmt.Sprintf("g=%q: want a goroutine id, a positive number", g), http.StatusBadRequest)
			return
		}
		want = id
	}
	s, held, err := l.snapshotFor(want, r.FormValue("new") != "", writing)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if want == 0 {
		// The page opens on a parked goroutine: the first of the first
		// group, at its own URL.
		for _, g := range groups {
			if ids := s.byReason[g.Wait.Text]; ids != nil && len(ids.ids) > 0 {
				http.Redirect(w, r, "/?g="+strconv.FormatInt(ids.ids[0], 10), http.StatusFound)
				return
			}
		}
	}
	page.fill(groups, s, want, l.cfg.Census)
	page.Held = held
	if want != 0 && page.Selected == nil {
		w.WriteHeader(http.StatusNotFound)
	}
	l.render(w, page)
}

func (l *Live) render(w http.ResponseWriter, page *livePage) {
	var b bytes.Buffer
	if err := liveTemplate.Execute(&b, page); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// livePage is what the live page's template shows.
type livePage struct {
	Settings  []Setting
	Host      string
	TraceFile string
	CensusOn  bool
	Parking   bool // nothing parked yet

	Taken    string
	Took     time.Duration
	MinGap   time.Duration // between snapshots asked for
	Held     string        // why a new snapshot asked for was not taken
	TookEach []Setting
	Total    int
	Groups   []liveGroup
	Want     int64
	Selected *selected
	OverTime *chartView
}

type liveGroup struct {
	ParkedGroup
	Seen, Leaked int     // in the snapshot's debug=2 dump
	IDs          []int64 // the first few
	More         bool
}

// selected is one goroutine in every report.
type selected struct {
	ID      int64
	Group   ParkedGroup
	Debug2  string
	State   string
	Leaked  bool
	Labels2 []Label // labels in the debug=2 header (Go 1.27 prints them)
	// Debug1 is the goroutine's record in the debug=1 text, Debug1Count
	// the goroutines it stands for.
	Debug1      string
	Debug1Count int
	Sample      *sampleView
	// LeakProfile: "leaked", "not leaked" or why there is no answer.
	LeakProfile string
	LeakRecord  string
	// Census is the census's record of the goroutine, read when the page
	// was asked for (nil: none, CensusErr says why if it failed).
	Census    *CensusRecord
	CensusErr string
	// TraceBlock is the goroutine's block event in the execution trace
	// being written (nil: none read); TraceNote says how it was read.
	TraceBlock *tracing.Block
	TraceNote  string
}

type sampleView struct {
	Values    []string // "goroutine/count = 5"
	Labels    []Label
	Locations []locationView
}

type locationView struct {
	Address string
	Func    string
	File    string
	Line    int64
}

func (p *livePage) fill(groups []ParkedGroup, s *snapshot, want int64, census Census) {
	p.Taken = s.taken.UTC().Format("15:04:05.000 UTC")
	p.Took = s.took.Round(time.Microsecond)
	p.MinGap = minGap(s).Round(time.Millisecond)
	p.TookEach = s.tookEach
	p.Total = s.total
	p.Want = want
	for _, g := range groups {
		lg := liveGroup{ParkedGroup: g}
		if r := s.byReason[g.Wait.Text]; r != nil {
			lg.Seen, lg.Leaked, lg.IDs = r.count, r.leaked, r.ids
			lg.More = r.count > len(r.ids)
		}
		p.Groups = append(p.Groups, lg)
	}
	b, ok := s.blocks[want]
	if !ok {
		return
	}
	sel := &selected{ID: want, Debug2: b.text, State: b.g.State, Leaked: b.g.Leaked}
	for _, g := range groups {
		if g.Wait.Text == b.g.State {
			sel.Group = g
			break
		}
	}
	for _, k := range sortedKeys(b.g.Labels) {
		sel.Labels2 = append(sel.Labels2, Label{Key: k, Value: b.g.Labels[k]})
	}
	sel.Debug1, sel.Debug1Count = debug1Record(s.debug1, b.g.State)
	sel.Sample = protoSample(s.proto, b.g.State)
	switch {
	case errors.Is(s.leakErr, dump.ErrNoLeakProfile):
		sel.LeakProfile = "not in this binary: Go 1.27 registers the goroutineleak profile, Go 1.26 only with GOEXPERIMENT=goroutineleakprofile"
	case s.leakErr != nil:
		sel.LeakProfile = "not taken: " + s.leakErr.Error()
	default:
		if rec, n := debug1Record(s.leak, b.g.State); n > 0 {
			sel.LeakProfile, sel.LeakRecord = fmt.Sprintf("leaked: its group's record counts %d goroutines", n), rec
		} else {
			sel.LeakProfile = "not leaked: no record of its group in the goroutineleak profile"
		}
	}
	if census != nil {
		rec, err := census.Record(want)
		if err != nil {
			sel.CensusErr = err.Error()
		}
		sel.Census = rec
	}
	if b, ok := s.traceBlocks[want]; ok {
		sel.TraceBlock = &b
	}
	sel.TraceNote = s.traceNote
	p.Selected = sel
}

// debug1Record returns the record of a debug=1 text (goroutine or
// goroutineleak profile) for the goroutines park parked with wait reason
// reason (its "reason" label), and the goroutines it counts. Records are
// separated by blank lines:
//
//	5 @ 0x47d0ce 0x4c4c1a 0x484ee1
//	# labels: {"job":"w7", "reason":"waiting for godot", "trace_reason":"unspecified"}
//	#	0x4c4c19	gsysint-demo/park.(*waiter).park+0x79	/work/main/park/park.go:356
func debug1Record(text []byte, reason string) (string, int) {
	title, body, _ := bytes.Cut(text, []byte("\n"))
	for rec := range strings.SplitSeq(string(body), "\n\n") {
		if !strings.Contains(rec, WaiterFunc) || !strings.Contains(rec, "# labels:") {
			continue
		}
		// The parser checks the title's total against the records.
		count, _, _ := strings.Cut(strings.TrimLeft(rec, "\n"), " @ ")
		head, _, _ := bytes.Cut(title, []byte("total "))
		s, err := dump.Parse(strings.NewReader(string(head) + "total " + count + "\n" + rec + "\n"))
		if err != nil || len(s.Goroutines) != 1 {
			continue
		}
		if g := s.Goroutines[0]; g.Labels["reason"] == reason {
			return strings.Trim(rec, "\n"), g.Count
		}
	}
	return "", 0
}

// protoSample returns the protobuf's sample of the goroutines park parked
// with wait reason reason, or nil.
func protoSample(p *profile.Profile, reason string) *sampleView {
	if p == nil {
		return nil
	}
	for _, sm := range p.Sample {
		if len(sm.Label["reason"]) != 1 || sm.Label["reason"][0] != reason {
			continue
		}
		v := &sampleView{}
		for i, st := range p.SampleType {
			if i < len(sm.Value) {
				v.Values = append(v.Values, fmt.Sprintf("%s/%s = %d", st.Type, st.Unit, sm.Value[i]))
			}
		}
		for _, k := range sortedKeys(sm.Label) {
			for _, val := range sm.Label[k] {
				v.Labels = append(v.Labels, Label{Key: k, Value: val})
			}
		}
		for _, loc := range sm.Location {
			for _, ln := range loc.Line {
				lv := locationView{Address: fmt.Sprintf("%#x", loc.Address), Line: ln.Line}
				if ln.Function != nil {
					lv.Func, lv.File = ln.Function.Name, ln.Function.Filename
				}
				v.Locations = append(v.Locations, lv)
			}
		}
		return v
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
