package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Census reads the runtime's own record of goroutines (package census,
// which web does not import, so that the report page needs no runtime
// bindings): one goroutine's, and the whole process counted by state.
// Neither stops the world.
type Census interface {
	// Record is goroutine goid's record; nil if there is none.
	Record(goid int64) (*CensusRecord, error)
	// Sample counts the process's goroutines by state, in memory that
	// grows with the states, not with the goroutines.
	Sample() (CensusSample, error)
}

// CensusRecord is one goroutine's record in a census.
type CensusRecord struct {
	ID     uint64
	Status string // the runtime's status word: waiting, runnable, ...
	State  string // what a debug=2 header shows in brackets
	Leaked bool
	// Age is the runtime's age of the wait (its waitsince, stamped by a
	// GC); Parked the real time since park parked it.
	Age         time.Duration
	AgeKnown    bool
	Parked      time.Duration
	ParkedKnown bool
	// Start is the function it started in, Created the go statement that
	// started it ("func file:line"), CreatorID the goroutine that ran it.
	Start, Created string
	CreatorID      uint64
	Labels         []Label // Count unused
	System         bool
	LockedToThread bool
	// Changing: its g changed under every read; only ID and Status hold.
	Changing bool
	// The census that read it: when, how long its walk took, and how
	// many goroutines it walked.
	TakenAt time.Time
	Took    time.Duration
	Total   int
}

// CensusSample is the process's goroutines counted by state at one time.
type CensusSample struct {
	TakenAt time.Time     `json:"taken_at"`
	Took    time.Duration `json:"took_ns"`
	Total   int           `json:"total"`  // every goroutine, the runtime's own included
	System  int           `json:"system"` // the runtime's own, not in States
	// States counts the other goroutines by what a debug=2 header shows
	// in brackets, " (leaked)" included.
	States map[string]int `json:"states"`
}

// samplesKept is how many samples the page's history keeps: 5 minutes at
// one a second.
const samplesKept = 300

// overTime is the history of census samples: a ring of the last
// samplesKept.
type overTime struct {
	mu      sync.Mutex
	ring    []CensusSample
	next    int // where the next sample goes once the ring is full
	period  time.Duration
	lastErr string
}

func (o *overTime) add(s CensusSample) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lastErr = ""
	if len(o.ring) < samplesKept {
		o.ring = append(o.ring, s)
		return
	}
	o.ring[o.next] = s
	o.next = (o.next + 1) % samplesKept
}

// samples returns the samples kept, oldest first.
func (o *overTime) samples() ([]CensusSample, time.Duration, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]CensusSample, 0, len(o.ring))
	out = append(out, o.ring[o.next:]...)
	out = append(out, o.ring[:o.next]...)
	return out, o.period, o.lastErr
}

// Sampling bounds: a sample at least every maxPeriod, so that the chart
// moves even when park dumps an hour apart; and a census costs at most a
// twentieth of the time between samples (at a million goroutines a census
// takes tens of milliseconds).
const (
	maxPeriod  = time.Second
	costFactor = 20
)

// RunOverTime takes a census sample every interval (at most maxPeriod
// apart, and never more often than costFactor times a census's own
// duration) for the page's chart of the whole process over time, until
// ctx is done. It does nothing without a Census.
func (l *Live) RunOverTime(ctx context.Context, interval time.Duration) {
	if l.cfg.Census == nil {
		return
	}
	base := min(interval, maxPeriod)
	for {
		s, err := l.cfg.Census.Sample()
		period := base
		if err != nil {
			l.over.mu.Lock()
			l.over.lastErr = err.Error()
			l.over.mu.Unlock()
		} else {
			l.over.add(s)
			period = max(base, costFactor*s.Took)
		}
		l.over.mu.Lock()
		l.over.period = period
		l.over.mu.Unlock()
		t := time.NewTimer(period)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// OverTime serves the history of census samples: JSON (the default,
// {"period_ns": ..., "samples": [...]}, oldest first), or with
// ?format=html the page's over-time section as HTML, which the page's
// script fetches at each period to redraw itself.
func (l *Live) OverTime() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		samples, period, lastErr := l.over.samples()
		switch f := r.FormValue("format"); f {
		case "", "json":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(struct {
				Period  time.Duration  `json:"period_ns"`
				Error   string         `json:"error,omitempty"`
				Samples []CensusSample `json:"samples"`
			}{period, lastErr, samples})
		case "html":
			var b bytes.Buffer
			if err := liveTemplate.ExecuteTemplate(&b, "overtime", l.chart(samples, period, lastErr)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(b.Bytes())
		default:
			http.Error(w, fmt.Sprintf("format=%q: want json or html", f), http.StatusBadRequest)
		}
	})
}

// The chart's drawing area, in SVG user units, and how many states it
// draws a line for (the others are summed into one line).
const (
	chartW, chartH = 720.0, 180.0
	chartLines     = 6
	// minSpan is the fewest sample intervals the x axis spans.
	minSpan = 59
)

// lineColors are the lines' colours, one per state drawn, then "other".
var lineColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f"}

// chartView is the over-time section: a line per state on a log scale,
// and a table of every state's latest, lowest and highest count.
type chartView struct {
	On      bool // the page has a census
	Err     string
	Period  time.Duration
	Samples int
	Latest  *CensusSample
	First   string // the oldest sample's time
	Span    int    // the sample intervals the x axis spans
	Lines   []chartLine
	Grid    []gridLine
	Rows    []stateRow
	W, H    float64
}

type chartLine struct {
	Name   string
	Color  string
	Points string // SVG polyline points
}

type gridLine struct {
	Y     float64
	Label string
}

type stateRow struct {
	State             string
	Color             string // "" if not drawn on its own
	Latest, Low, High int
}

// chart draws samples, oldest first.
func (l *Live) chart(samples []CensusSample, period time.Duration, lastErr string) *chartView {
	v := &chartView{On: l.cfg.Census != nil, Err: lastErr, Period: period, Samples: len(samples), W: chartW, H: chartH}
	if len(samples) == 0 {
		return v
	}
	v.Latest = &samples[len(samples)-1]
	v.First = samples[0].TakenAt.UTC().Format("15:04:05")
	// Every state seen, latest count first, then highest.
	type stat struct{ latest, low, high int }
	stats := map[string]*stat{}
	for _, s := range samples {
		for st := range s.States {
			stats[st] = &stat{low: math.MaxInt}
		}
	}
	for st, x := range stats {
		for _, s := range samples {
			n := s.States[st] // 0 where it had none
			x.low, x.high = min(x.low, n), max(x.high, n)
		}
		x.latest = v.Latest.States[st]
	}
	states := make([]string, 0, len(stats))
	for st := range stats {
		states = append(states, st)
	}
	slices.SortFunc(states, func(a, b string) int {
		return cmp.Or(cmp.Compare(stats[b].latest, stats[a].latest), cmp.Compare(stats[b].high, stats[a].high), cmp.Compare(a, b))
	})
	drawn := states[:min(len(states), chartLines)]
	others := len(states) > len(drawn)
	peak := 1
	for _, s := range samples {
		rest := 0
		for i, st := range states {
			if i < len(drawn) {
				peak = max(peak, s.States[st])
			} else {
				rest += s.States[st]
			}
		}
		peak = max(peak, rest)
	}
	// A log scale: a million parked goroutines and three running ones
	// both read at a glance.
	top := math.Ceil(math.Log10(float64(peak + 1)))
	scale := math.Log10(math.Pow10(int(top)) + 1)
	y := func(n int) float64 { return chartH - chartH*math.Log10(float64(n+1))/scale }
	// The x axis spans the samples kept, and at least a minimum, so that
	// a few samples do not stretch across the whole chart.
	v.Span = min(max(len(samples)-1, minSpan), samplesKept-1)
	x := func(i int) float64 { return chartW - float64(len(samples)-1-i)*chartW/float64(v.Span) }
	v.Grid = append(v.Grid, gridLine{Y: y(0), Label: "0"})
	for p := 0; p <= int(top); p++ {
		n := int(math.Pow10(p))
		v.Grid = append(v.Grid, gridLine{Y: y(n), Label: strconv.Itoa(n)})
	}
	points := func(count func(CensusSample) int) string {
		var b []byte
		for i, s := range samples {
			b = fmt.Appendf(b, "%.1f,%.1f ", x(i), y(count(s)))
		}
		return string(bytes.TrimSpace(b))
	}
	for i, st := range drawn {
		v.Lines = append(v.Lines, chartLine{Name: st, Color: lineColors[i], Points: points(func(s CensusSample) int { return s.States[st] })})
	}
	if others {
		v.Lines = append(v.Lines, chartLine{Name: "other states", Color: lineColors[chartLines], Points: points(func(s CensusSample) int {
			n := 0
			for _, st := range states[len(drawn):] {
				n += s.States[st]
			}
			return n
		})})
	}
	for i, st := range states {
		r := stateRow{State: st, Latest: stats[st].latest, Low: stats[st].low, High: stats[st].high}
		if i < len(drawn) {
			r.Color = lineColors[i]
		} else {
			r.Color = lineColors[chartLines]
		}
		v.Rows = append(v.Rows, r)
	}
	return v
}

// liveFuncs are the helpers of the live page's templates.
var liveFuncs = map[string]any{
	// dur rounds a duration for a reader: to the microsecond under a
	// millisecond, to the millisecond under a minute, else to the second.
	"dur": func(d time.Duration) string {
		if d < time.Millisecond {
			return d.Round(time.Microsecond).String()
		}
		if d < time.Minute {
			return d.Round(time.Millisecond).String()
		}
		return d.Round(time.Second).String()
	},
	"add":         func(a, b float64) float64 { return a + b },
	"samplesKept": func() int { return samplesKept },
	// offBy says how far the runtime's age of a wait is from the real
	// time since the park.
	"offBy": func(age, parked time.Duration) string {
		switch d := age - parked; {
		case d.Abs() < time.Millisecond:
			return "within a millisecond of it"
		case d > 0:
			return "ahead of it by " + d.Round(time.Millisecond).String()
		default:
			return "behind it by " + (-d).Round(time.Millisecond).String()
		}
	},
	"clock": func(t time.Time) string { return t.UTC().Format("15:04:05.000 UTC") },
}
