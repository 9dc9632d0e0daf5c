package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gsysint-demo/park"
	"gsysint-demo/tracing"
)

// traceRun parks 3 goroutines under --trace with traceReason (and the
// extra park flags), then reads
// the trace with our trace command and with go tool trace -d=parsed, and
// checks that both see our 3 Running→Waiting transitions carrying exactly
// that reason, with stacks that start at the parking function.
func traceRun(t *testing.T, traceReason string, custom bool, extra ...string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.out")
	args := append([]string{"park", "--trace", file, "--trace-reason", traceReason, "-o", t.TempDir()}, extra...)
	wantExit(t, gsys(t, args...), 0)

	r := gsys(t, "trace", file, "--json", "--top", "0")
	wantExit(t, r, 0)
	var s tracing.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("trace --json: %v\n%s", err, r.stdout)
	}
	reason := s.Lookup(traceReason)
	if reason == nil || reason.OurTransitions != 3 || reason.OurGoroutines != 3 {
		t.Fatalf("trace: reason %q: %+v, want 3 transitions of 3 goroutines parked by park", traceReason, reason)
	}
	for _, st := range reason.Stacks {
		if st.Ours && st.First.Func != park.WaiterFunc {
			t.Errorf("trace: block stack starts at %q, want the parking function", st.First.Func)
		}
	}

	parsed := execute(t, nil, nil, "", goTool, "tool", "trace", "-d=parsed", file)
	wantExit(t, parsed, 0)
	line := `Running->Waiting Reason="` + traceReason + `"`
	n := strings.Count(parsed.stdout, line)
	if n < 3 || (custom && n != 3) {
		t.Fatalf("go tool trace -d=parsed: %d lines with %s, want 3 (ours)", n, line)
	}
}

// Every trace block reason the catalog accepts shows in the trace with the
// runtime's text.
func TestTraceRuntimeReasons(t *testing.T) {
	cat, err := park.Reasons()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Trace {
		if !e.Parkable {
			continue
		}
		t.Run(e.Text, func(t *testing.T) {
			t.Parallel()
			traceRun(t, e.Text, false, "--dumps", "1")
		})
	}
}

func TestTraceCustomReason(t *testing.T) {
	traceRun(t, "waiting for godot (trace)", true, "-r", "waiting for godot", "--dumps", "1")
}

// Goroutines that stay parked across trace generations (one a second) do
// not break the trace: the suspendG-class reasons would.
func TestTraceAcrossGenerations(t *testing.T) {
	traceRun(t, "waiting for godot (trace)", true, "--dumps", "3", "--interval", "700ms")
}

func TestTraceBadFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.out")
	wantExit(t, gsys(t, "park", "--trace", file, "--dumps", "1", "-o", dir), 0)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.out")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{cut, filepath.Join(dir, "goroutine-0001.txt"), filepath.Join(dir, "missing.out")} {
		r := gsys(t, "trace", f)
		wantExit(t, r, 2)
		wantOneLine(t, r, f)
	}
	// --top as report takes it: N largest, 0 for all, negative refused.
	r := gsys(t, "trace", "--top", "-1", file)
	wantExit(t, r, 2)
	wantOneLine(t, r, "--top -1", "0 (all)")
}
