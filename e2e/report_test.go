package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"gsysint-demo/dump"
)

// report runs gsysint-demo report --json with args (and stdin, if not
// nil) and decodes its summary.
func report(t *testing.T, stdin *os.File, args ...string) dump.Summary {
	t.Helper()
	r := execute(t, nil, stdin, "", bin, append([]string{"report", "--json"}, args...)...)
	wantExit(t, r, 0)
	var s dump.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report --json: %v\n%s", err, clip(r.stdout, 2000))
	}
	return s
}

func stateCount(s dump.Summary, state string) int {
	for _, row := range s.States {
		if row.State == state {
			return row.Count
		}
	}
	return 0
}

func summaryLabel(s dump.Summary, key, value string) int {
	for _, row := range s.Labels {
		if row.Key == key && row.Value == value {
			return row.Count
		}
	}
	return 0
}

func TestReportLiveHTTP(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h",
		"-r", "waiting for godot", "-r", "chan receive", "-n", "4")
	base := p.waitFor(servingLine)[1]
	s := report(t, nil, base+"goroutine?debug=2")
	if got := stateCount(s, "waiting for godot"); got != 4 {
		t.Errorf("report on %sgoroutine?debug=2: %d goroutines [waiting for godot], want 4", base, got)
	}
	if got := stateCount(s, "chan receive"); got < 4 {
		t.Errorf("report: %d goroutines [chan receive], want at least 4", got)
	}
	s = report(t, nil, base+"goroutine")
	if s.Format != dump.FormatProto || summaryLabel(s, "reason", "waiting for godot") != 4 {
		t.Errorf("report on the protobuf endpoint: format %s, %d labelled reason=waiting for godot, want proto and 4", s.Format, summaryLabel(s, "reason", "waiting for godot"))
	}
	p.interrupt(8)
}

func TestReportPipedProtobuf(t *testing.T) {
	t.Parallel()
	r := execute(t, nil, nil, "", "sh", "-c", bin+` park --debug 0 --dumps 1 -r "waiting for godot" -n 5 --label job=w7 | `+bin+` report --json`)
	wantExit(t, r, 0)
	var s dump.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	if summaryLabel(s, "reason", "waiting for godot") != 5 || summaryLabel(s, "job", "w7") != 5 || s.Total < 5 {
		t.Errorf("piped protobuf: %+v, want 5 goroutines labelled reason and job", s.Labels)
	}
}

// Crash output the runtime printed for the project's scenario program (see
// dump/internal/scenario), as a user would save it.
func TestReportCrashOutput(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"panic.txt", "deadlock.txt"} {
		file := filepath.Join("..", "dump", "testdata", binaryGo(t)[:len("go1.26")], name)
		s := report(t, nil, file)
		if s.Total == 0 || s.Headline == "" {
			t.Errorf("report %s: total %d, headline %q; want goroutines and the crash's first line", file, s.Total, s.Headline)
		}
	}
}

func TestReportLargeDump(t *testing.T) {
	if testing.Short() || os.Getenv("GSYSINT_SKIP_HUGE") != "" {
		t.Skip("100k goroutines: skipped with -short or GSYSINT_SKIP_HUGE")
	}
	dir := t.TempDir()
	wantExit(t, gsys(t, "park", "-n", "100000", "--dumps", "1", "-o", dir), 0)
	s := report(t, nil, filepath.Join(dir, "goroutine-0001.txt"))
	if got := stateCount(s, "parked by gsysint-demo"); got != 100000 {
		t.Fatalf("report on a 100k dump: %d goroutines parked by gsysint-demo, want 100000", got)
	}
	f, err := os.Open(filepath.Join(dir, "goroutine-0001.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := stateCount(report(t, f, "-"), "parked by gsysint-demo"); got != 100000 {
		t.Fatalf("report - < file: %d, want 100000", got)
	}
}

func TestReportBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		name string // what the line must name
	}{
		{[]string{"report", text}, text},
		{[]string{"report", filepath.Join(dir, "missing")}, "missing"},
		{[]string{"report", "--match", "(", text}, `"("`},
		{[]string{"report", "--top", "-1", text}, "-1"},
		{[]string{"report", text, text}, "2 arguments"},
	} {
		r := gsys(t, c.args...)
		wantExit(t, r, 2)
		wantOneLine(t, r, c.name)
	}
}
