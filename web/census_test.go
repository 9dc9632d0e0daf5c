package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"gsysint-demo/park"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func sampleAt(i int, states map[string]int) CensusSample {
	total := 0
	for _, n := range states {
		total += n
	}
	return CensusSample{TakenAt: time.Unix(int64(i), 0), Total: total + 3, System: 3, States: states}
}

// The history keeps the last samplesKept samples, oldest first, past the
// ring's wrap.
func TestOverTimeRing(t *testing.T) {
	var o overTime
	const n = samplesKept + 17
	for i := range n {
		o.add(sampleAt(i, map[string]int{"select": i}))
	}
	got, _, _ := o.samples()
	if len(got) != samplesKept {
		t.Fatalf("%d samples kept, want %d", len(got), samplesKept)
	}
	for i, s := range got {
		if want := n - samplesKept + i; s.States["select"] != want {
			t.Fatalf("sample %d counts %d, want %d (the samples in order, oldest first)", i, s.States["select"], want)
		}
	}
}

// The chart draws the states with the most goroutines now, sums the rest
// into one line, and lists every state with its latest, lowest and
// highest count.
func TestChart(t *testing.T) {
	l := NewLive(LiveConfig{})
	var samples []CensusSample
	for i := range 5 {
		states := map[string]int{"waiting for godot": 1000000, "running": 1}
		for j := range 8 {
			states[fmt.Sprintf("reason %d", j)] = 10 + j
		}
		if i == 4 {
			states["IO wait"] = 50
		}
		samples = append(samples, sampleAt(i, states))
	}
	v := l.chart(samples, time.Second, "")
	if len(v.Lines) != chartLines+1 || v.Lines[chartLines].Name != "other states" {
		t.Fatalf("%d lines, the last %q: want %d states and other states", len(v.Lines), v.Lines[len(v.Lines)-1].Name, chartLines)
	}
	if v.Lines[0].Name != "waiting for godot" || v.Lines[1].Name != "IO wait" {
		t.Errorf("lines %q, %q first: want the largest now, waiting for godot, then IO wait", v.Lines[0].Name, v.Lines[1].Name)
	}
	if pts := strings.Fields(v.Lines[0].Points); len(pts) != len(samples) {
		t.Errorf("the first line has %d points, want one per sample (%d)", len(pts), len(samples))
	}
	rows := map[string]stateRow{}
	for _, r := range v.Rows {
		rows[r.State] = r
	}
	if len(rows) != 11 {
		t.Errorf("%d rows, want every state: 11", len(rows))
	}
	if r := rows["IO wait"]; r.Latest != 50 || r.Low != 0 || r.High != 50 {
		t.Errorf("IO wait row %+v: want 50 now, lowest 0 (absent at first), highest 50", r)
	}
	if r := rows["waiting for godot"]; r.Latest != 1000000 || r.Low != 1000000 {
		t.Errorf("waiting for godot row %+v: want 1000000 throughout", r)
	}
	for _, g := range v.Grid {
		if g.Y < 0 || g.Y > chartH {
			t.Errorf("grid line %s at y=%v, outside the chart (0 to %v)", g.Label, g.Y, chartH)
		}
	}
}

type fakeCensus struct{ n int }

func (c *fakeCensus) Record(int64) (*CensusRecord, error) { return nil, nil }
func (c *fakeCensus) Sample() (CensusSample, error) {
	c.n++
	return sampleAt(c.n, map[string]int{"chan receive": c.n}), nil
}

// The history is served as JSON, and as the page's section in HTML;
// another format is refused.
func TestOverTimeHandler(t *testing.T) {
	l := NewLive(LiveConfig{Census: &fakeCensus{}})
	for range 3 {
		s, _ := l.cfg.Census.Sample()
		l.over.add(s)
	}
	rec := httptest.NewRecorder()
	l.OverTime().ServeHTTP(rec, httptest.NewRequest("GET", "/census/over-time", nil))
	var got struct {
		Samples []CensusSample `json:"samples"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, rec.Body)
	}
	if len(got.Samples) != 3 || got.Samples[2].States["chan receive"] != 3 {
		t.Errorf("JSON samples %+v: want 3, the last counting 3 in chan receive", got.Samples)
	}
	rec = httptest.NewRecorder()
	l.OverTime().ServeHTTP(rec, httptest.NewRequest("GET", "/census/over-time?format=html", nil))
	if body := rec.Body.String(); !strings.Contains(body, `data-samples="3"`) || !strings.Contains(body, `<tr class="state" data-state="chan receive">`) || !strings.Contains(body, "<polyline") {
		t.Errorf("HTML section lacks its samples, the chan receive row or a line:\n%s", body)
	}
	rec = httptest.NewRecorder()
	l.OverTime().ServeHTTP(rec, httptest.NewRequest("GET", "/census/over-time?format=xml", nil))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `format="xml": want json or html`) {
		t.Errorf("format=xml: %d %q, want 400 naming the value and what is accepted", rec.Code, rec.Body)
	}
}

// RunOverTime samples until its context ends, then returns.
func TestRunOverTime(t *testing.T) {
	l := NewLive(LiveConfig{Census: &fakeCensus{}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.RunOverTime(ctx, time.Millisecond); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, period, _ := l.over.samples()
		if len(s) >= 3 {
			if period != time.Millisecond {
				t.Errorf("period %v, want the interval, 1ms", period)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d samples after 10s of sampling every 1ms", len(s))
		}
		runtime.Gosched()
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunOverTime still runs 10s after its context ended")
	}
}

// recordCensus answers Record with rec or err, and says which id it was
// asked for.
type recordCensus struct {
	fakeCensus
	rec   *CensusRecord
	err   error
	asked int64
}

func (c *recordCensus) Record(goid int64) (*CensusRecord, error) {
	c.asked = goid
	return c.rec, c.err
}

// The one-goroutine view shows the census record of the goroutine
// selected, or says why there is none.
func TestLiveCensusRecord(t *testing.T) {
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	parked, err := p.Park(context.Background(), park.Group{Reason: "waiting for the census view", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	w := parked[0].Wait
	c := &recordCensus{rec: &CensusRecord{
		Status: "waiting", State: w.Text, AgeKnown: false, Parked: 1500 * time.Millisecond, ParkedKnown: true,
		Start: "main.worker /src/main.go:10", Created: "main.main /src/main.go:20", CreatorID: 1,
		Labels: []Label{{Key: "job", Value: "w7"}}, TakenAt: time.Now(), Took: 40 * time.Microsecond, Total: 12,
	}}
	l := NewLive(LiveConfig{Census: c})
	l.SetParked([]ParkedGroup{{Count: 2, Wait: Reason{Text: w.Text, Index: w.Index, Custom: w.Custom}}})
	srv := httptest.NewServer(l)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body, id := string(b), strings.TrimPrefix(resp.Request.URL.RawQuery, "g=")
	if fmt.Sprint(c.asked) != id {
		t.Errorf("the census was asked for goroutine %d, the page shows %s", c.asked, id)
	}
	for _, want := range []string{
		`<dd id="census-status"><code>waiting</code></dd>`,
		`<code>` + w.Text + `</code> (custom text, read from slot ` + fmt.Sprint(w.Index),
		`no age by the runtime's own clock: no GC has seen it blocked yet; parked 1.5s ago in fact`,
		`<code>main.worker /src/main.go:10</code>`,
		`user goroutine (not a system one: every report lists it)`,
		`<code>main.main /src/main.go:20</code> in goroutine 1`,
		`<code>job=w7</code>`,
		`user goroutine`,
		`(12 goroutines in 40µs)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the census record lacks %q:\n%s", want, clip(body[strings.Index(body, `id="census-record"`):]))
		}
	}

	c.rec.Age, c.rec.AgeKnown = 1200*time.Millisecond, true
	if _, body := get(t, srv.URL+"/?g="+id); !strings.Contains(body, "1.2s by the runtime's own clock; parked 1.5s ago in fact (the runtime's age is behind it by 300ms") {
		t.Errorf("an age and a park time: the page does not set them side by side:\n%s", clip(body[strings.Index(body, `id="census-record"`):]))
	}
	c.rec = nil
	if _, body := get(t, srv.URL+"/?g="+id); !strings.Contains(body, "No record of goroutine "+id+" now: it is gone.") {
		t.Errorf("no record: the page does not say the goroutine is gone:\n%s", clip(body[strings.Index(body, `id="census-record"`):]))
	}
	c.err = errors.New("the runtime does not match")
	if _, body := get(t, srv.URL+"/?g="+id); !strings.Contains(body, "The census could not read it: the runtime does not match") {
		t.Errorf("a failed census: the page does not say why:\n%s", clip(body[strings.Index(body, `id="census-record"`):]))
	}
}
