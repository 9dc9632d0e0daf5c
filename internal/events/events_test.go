package events

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gsysint-demo/dump"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt and golden.jsonl")

// sample has one event of each type, two where a field changes the text.
func sample(t *testing.T) []Event {
	// A summary of a real dump the dump package recorded.
	f, err := os.Open(filepath.Join("..", "..", "dump", "testdata", "go1.26", "blocked.debug1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := dump.ReadSummary(f, dump.Options{Top: 2})
	if err != nil {
		t.Fatal(err)
	}
	return []Event{
		Parked{Count: 3, Reason: Reason{Text: "chan receive", Index: 19}, TraceReason: Reason{Text: "chan receive", Index: 7},
			Labels: map[string]string{"reason": "chan receive", "trace_reason": "chan receive"}},
		Parked{Count: 1, Reason: Reason{Text: "waiting for godot", Index: 31, Custom: true}, TraceReason: Reason{Text: "unspecified"}},
		Note{Note: `"chan receive" is a leak candidate: the goroutineleak profile marks such goroutines leaked; release restores them to waiting first`},
		ParkingDone{Goroutines: 4, Elapsed: 1234567 * time.Nanosecond, RSSGrowth: 1 << 20},
		ParkingDone{Goroutines: 250000, Elapsed: 2345678912 * time.Nanosecond, RSSGrowth: 700 << 20},
		ServingPprof{Addr: "127.0.0.1:6060", URL: "http://127.0.0.1:6060/debug/pprof/"},
		LivePage{URL: "http://127.0.0.1:6060/"},
		Dump{N: 1, Profile: dump.ProfileGoroutine, Debug: dump.DebugStacks, Goroutines: 9, Bytes: 4266, Elapsed: 192696 * time.Nanosecond},
		Dump{N: 2, Profile: dump.ProfileGoroutineLeak, Debug: dump.DebugProto, Goroutines: 9, Bytes: 1 << 30, Elapsed: 3 * time.Second, Path: "out/goroutineleak-0002.pb.gz"},
		Census{N: 1, Form: "table", Shape: "groups", Goroutines: 12, Groups: 5, Took: 62345 * time.Nanosecond, Elapsed: 90123 * time.Nanosecond},
		Census{N: 2, Form: "protobuf", Shape: "goroutines", Goroutines: 100012, Took: 7228000 * time.Nanosecond, Elapsed: 61234000 * time.Nanosecond, Path: "out/census-0002.pb.gz"},
		Summary{N: 1, Summary: s},
		Summary{N: 2, Summary: &dump.Summary{Format: dump.FormatDebug2, Total: 9}, Change: "since dump 1: 9 → 9 goroutines (0); no group changed\n"},
		DumpCutShort{N: 2, Grace: 2 * time.Second},
		ReaderGone{N: 3},
		Interrupted{While: "parking"},
		Interrupted{},
		Released{Released: 4, Elapsed: 41234 * time.Nanosecond},
		Released{Released: 4, LeakedRecovered: 2, Elapsed: 41234 * time.Nanosecond},
		TraceWritten{Path: "t.trace"},
		Error{Error: "dump 2: writing goroutine dump: no space left on device", ExitStatus: 1},
	}
}

// TestGolden pins both forms of every event: the text form is what users,
// the README and scripts read; the JSON form's field names are documented.
//
//	go test ./internal/events -run Golden -update
func TestGolden(t *testing.T) {
	var text, js bytes.Buffer
	tw, jw := NewWriter(&text, Text), NewWriter(&js, JSON)
	seen := map[string]bool{}
	for _, ev := range sample(t) {
		seen[ev.Name()] = true
		if err := tw.Emit(ev); err != nil {
			t.Fatal(err)
		}
		if err := jw.Emit(ev); err != nil {
			t.Fatal(err)
		}
	}
	for name := range newEvent {
		if !seen[name] {
			t.Errorf("no %s event in the sample: the golden files do not pin its forms", name)
		}
	}
	golden(t, filepath.Join("testdata", "golden.txt"), text.Bytes())
	golden(t, filepath.Join("testdata", "golden.jsonl"), js.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -run Golden -update)", err)
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s, line %d:\n got %q\nwant %q", path, i+1, g, w)
		}
	}
}

// TestDecode checks that every event reads back as it was written, and
// that each JSON line is one object with "event" first.
func TestDecode(t *testing.T) {
	for _, ev := range sample(t) {
		b, err := MarshalLine(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(`{"event":"`+ev.Name()+`"`)) || bytes.Count(b, []byte("\n")) != 1 || !bytes.HasSuffix(b, []byte("}\n")) {
			t.Errorf("%s: not one line with event first: %q", ev.Name(), b)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ev) {
			t.Errorf("%s: read back as\n%#v\nwant\n%#v", ev.Name(), got, ev)
		}
	}
	for _, bad := range []string{`parked 3 goroutines`, `{"event":"landed"}`, `{"event":"dump","n":"one"}`} {
		if ev, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) = %#v, want an error", bad, ev)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"text", "json"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("JSON"); err == nil || err.Error() != `"JSON": want text or json` {
		t.Errorf("ParseFormat(JSON) error = %v, want it named with text or json", err)
	}
}
