package census_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"gsysint-demo/census"
)

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// The handler serves every form and shape; the protobuf parses, with the
// state label on every sample and the id labels on every per-goroutine
// sample; bad parameters are a 400 that names the value.
func TestHandler(t *testing.T) {
	p, want := parkEveryReason(t, 2)
	srv := httptest.NewServer(census.Handler(census.WithParkTimes(p)))
	defer srv.Close()

	code, body := get(t, srv.URL)
	if code != 200 || !strings.Contains(string(body), "waiting for godot") || !strings.HasPrefix(string(body), "census: ") {
		t.Errorf("text: %d\n%s", code, body)
	}
	code, body = get(t, srv.URL+"?format=json&shape=goroutines&system=1")
	var s census.Snapshot
	if err := json.Unmarshal(body, &s); code != 200 || err != nil {
		t.Fatalf("json: %d %v\n%s", code, err, body)
	}
	if s.System == 0 || len(s.Goroutines) != s.Total {
		t.Errorf("json with system=1: %d goroutines listed, %d counted, %d system", len(s.Goroutines), s.Total, s.System)
	}

	// Two GCs: every parked goroutine has an age, so a wait_minutes label.
	runtime.GC()
	runtime.GC()
	for _, shape := range []string{"groups", "goroutines"} {
		code, body = get(t, srv.URL+"?format=proto&shape="+shape)
		if code != 200 {
			t.Fatalf("proto %s: %d\n%s", shape, code, body)
		}
		prof, err := profile.ParseData(body)
		if err != nil {
			t.Fatalf("proto %s: %v", shape, err)
		}
		states := map[string]int64{}
		ids := map[int64]bool{}
		for _, sm := range prof.Sample {
			st := sm.Label[census.LabelState]
			if len(st) != 1 || len(sm.Location) == 0 {
				t.Fatalf("proto %s: sample without a state or a location: %v", shape, sm)
			}
			states[st[0]] += sm.Value[0]
			if shape == "goroutines" {
				id := sm.NumLabel[census.LabelGoroutine]
				if len(id) != 1 || ids[id[0]] || sm.Value[0] != 1 {
					t.Fatalf("proto goroutines: sample %v: want one %s, never seen before, and a count of 1", sm, census.LabelGoroutine)
				}
				ids[id[0]] = true
				// Parked (an earlier test's goroutines may still be on their way out).
				if r := sm.Label["reason"]; len(r) == 1 && r[0] == st[0] && (len(sm.NumLabel[census.LabelCreatedBy]) != 1 || len(sm.NumLabel[census.LabelWaitMinutes]) != 1) {
					t.Errorf("proto goroutines: parked goroutine %d (%s) lacks %s or %s: %v", id[0], st[0], census.LabelCreatedBy, census.LabelWaitMinutes, sm.NumLabel)
				}
			}
		}
		for text, n := range want {
			if states[text] < int64(n) {
				t.Errorf("proto %s: %d goroutines in %q, parked %d", shape, states[text], text, n)
			}
		}
	}

	for _, q := range []string{"?format=xml", "?shape=stacks", "?system=yes"} {
		code, body = get(t, srv.URL+q)
		if code != 400 || !strings.Contains(string(body), strings.SplitN(q, "=", 2)[1]) {
			t.Errorf("%s: %d %s, want 400 naming the value", q, code, body)
		}
	}
}

// The JSON reads back into the same snapshot.
func TestJSONRoundTrip(t *testing.T) {
	parkEveryReason(t, 1)
	s, err := census.Take(census.WithSystem())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back census.Snapshot
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatal(err)
	}
	var again strings.Builder
	if err := back.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() || len(back.Goroutines) != len(s.Goroutines) {
		t.Errorf("JSON written, read and written again differs:\n%s\n---\n%s", b.String(), again.String())
	}
}
