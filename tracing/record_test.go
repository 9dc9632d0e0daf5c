package tracing

import (
	"os"
	"path/filepath"
	"runtime/trace"
	"strings"
	"testing"
)

// dirEntries lists the names in dir, failing the test on error.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestStartStop(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.trace")
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Abort()
	if rec.Path() != path {
		t.Errorf("Path() = %q, want %q", rec.Path(), path)
	}
	if !trace.IsEnabled() {
		t.Error("trace not enabled after Start")
	}
	// While recording, only the temporary file exists, hidden and named for path.
	names := dirEntries(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], ".out.trace.tmp-") {
		t.Errorf("while recording, dir holds %q, want one .out.trace.tmp-*", names)
	}
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if trace.IsEnabled() {
		t.Error("trace still enabled after Stop")
	}
	if names := dirEntries(t, dir); len(names) != 1 || names[0] != "out.trace" {
		t.Errorf("after Stop, dir holds %q, want [out.trace]", names)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != FileMode {
		t.Errorf("mode %v, want %v", fi.Mode().Perm(), FileMode)
	}
	if _, err := SummarizeFile(path, Options{}); err != nil {
		t.Errorf("stopped trace does not parse: %v", err)
	}
	err = rec.Stop()
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "already stopped") {
		t.Errorf("second Stop: %v, want an error naming %s and saying already stopped", err, path)
	}
	rec.Abort() // no-op after Stop
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Abort after Stop touched the trace: %v", err)
	}
}

func TestStopReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.trace")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := SummarizeFile(path, Options{}); err != nil {
		t.Errorf("replaced file is not the new trace: %v", err)
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.trace")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.Abort()
	if trace.IsEnabled() {
		t.Error("trace still enabled after Abort")
	}
	if names := dirEntries(t, dir); len(names) != 1 || names[0] != "out.trace" {
		t.Errorf("after Abort, dir holds %q, want only the untouched out.trace", names)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("Abort changed the destination to %q", b)
	}
	rec.Abort() // twice is fine
	if err := rec.Stop(); err == nil {
		t.Error("Stop after Abort succeeded")
	}
}

func TestStartTwice(t *testing.T) {
	dir := t.TempDir()
	rec, err := Start(filepath.Join(dir, "a.trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Abort()
	second := filepath.Join(dir, "b.trace")
	_, err = Start(second)
	if err == nil || !strings.Contains(err.Error(), second) || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Start: %v, want an error naming %s and saying a trace is already running", err, second)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("failed Start left files: %q", names)
	}
	if !trace.IsEnabled() {
		t.Error("failed second Start stopped the first trace")
	}
}

// TestStartTraceRunning covers a trace started by someone else with
// runtime/trace directly.
func TestStartTraceRunning(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "other.trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	defer trace.Stop()
	path := filepath.Join(t.TempDir(), "mine.trace")
	if _, err := Start(path); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("Start during a foreign trace: %v, want already running", err)
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{
		"",
		filepath.Join(dir, "missing", "out.trace"),
		dir + string(filepath.Separator),
	} {
		rec, err := Start(path)
		if err == nil {
			rec.Abort()
			t.Errorf("Start(%q) succeeded", path)
			continue
		}
		if path != "" && !strings.Contains(err.Error(), path) {
			t.Errorf("Start(%q) error %q does not name the path", path, err)
		}
		if trace.IsEnabled() {
			t.Fatalf("Start(%q) failed but left a trace running", path)
		}
	}
}

func TestStopRenameFails(t *testing.T) {
	dir := t.TempDir()
	// A non-empty directory at the destination makes the rename fail.
	path := filepath.Join(dir, "out.trace")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	err = rec.Stop()
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Stop onto a directory: %v, want an error naming %s", err, path)
	}
	if trace.IsEnabled() {
		t.Error("trace still enabled after failed Stop")
	}
	if names := dirEntries(t, dir); len(names) != 1 || names[0] != "out.trace" {
		t.Errorf("failed Stop left %q, want the temporary file removed", names)
	}
}

// TestStartWithFlightRecorder: a flight recorder makes trace.IsEnabled true,
// but an execution trace can still be recorded alongside it.
func TestStartWithFlightRecorder(t *testing.T) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	path := filepath.Join(t.TempDir(), "out.trace")
	rec, err := Start(path)
	if err != nil {
		t.Fatalf("Start beside a flight recorder: %v", err)
	}
	defer rec.Abort()
	c := make(chan int)
	done := make(chan struct{})
	go func() { oursChanRecv(c); close(done) }()
	if err := waitParked("oursChanRecv", "chan receive", 1); err != nil {
		t.Fatal(err)
	}
	close(c)
	<-done
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if !fr.Enabled() {
		t.Error("Stop stopped the flight recorder")
	}
	s, err := SummarizeFile(path, Options{MarkFuncPrefix: ourPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Lookup("chan receive"); r == nil || r.OurGoroutines != 1 {
		t.Errorf("chan receive: %+v, want our one goroutine", r)
	}
}
