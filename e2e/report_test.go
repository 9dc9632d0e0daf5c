package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
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
	} {
		r := gsys(t, c.args...)
		wantExit(t, r, 2)
		wantOneLine(t, r, c.name)
	}
}

// parkedDump runs park once and returns its dump (debug 2 or 1): three
// goroutines parked with "waiting for godot", three with "chan receive",
// all labelled job=w7.
func parkedDump(t *testing.T, debug string) []byte {
	t.Helper()
	r := gsys(t, "park", "--dumps", "1", "--debug", debug, "-r", "waiting for godot", "-r", "chan receive", "-n", "3", "--label", "job=w7")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "goroutine") {
		t.Fatalf("park wrote no dump:\n%v", r)
	}
	return []byte(r.stdout)
}

// eachLine applies f to every line of b (without its newline).
func eachLine(b []byte, f func(i int, line string) string) []byte {
	var out strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		out.WriteString(f(i, line))
		out.WriteByte('\n')
	}
	return []byte(out.String())
}

// reportStdin runs report --json args with in on stdin, through a pipe.
func reportStdin(t *testing.T, in []byte, args ...string) dump.Summary {
	t.Helper()
	r := execute(t, nil, bytes.NewReader(in), "", bin, append([]string{"report", "--json"}, args...)...)
	wantExit(t, r, 0)
	var s dump.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report --json: %v\n%s", err, clip(r.stdout, 2000))
	}
	return s
}

// sameCounts checks a reading of a changed dump against the clean one: the
// same total, states and groups.
func sameCounts(t *testing.T, what string, got, clean dump.Summary) {
	t.Helper()
	if got.Total != clean.Total || stateCount(got, "waiting for godot") != 3 || !reflect.DeepEqual(got.States, clean.States) {
		t.Errorf("%s: total %d, states %+v; want %d, %+v", what, got.Total, got.States, clean.Total, clean.States)
	}
	if !reflect.DeepEqual(got.Groups, clean.Groups) {
		t.Errorf("%s: groups differ from the clean dump's", what)
	}
}

// journalctl -u svc | gsysint-demo report: every line carries the
// journal's prefix, tabs are shown as spaces, and the input is a pipe.
func TestReportJournalctlPipe(t *testing.T) {
	t.Parallel()
	clean := parkedDump(t, "2")
	want := reportStdin(t, clean)
	if stateCount(want, "waiting for godot") != 3 || stateCount(want, "chan receive") < 3 {
		t.Fatalf("clean dump: states %+v", want.States)
	}
	journal := eachLine(clean, func(i int, line string) string {
		return fmt.Sprintf("Mar 14 09:12:%02d host gsysint-demo[2231]: %s", i/5%60, strings.ReplaceAll(line, "\t", "        "))
	})
	got := reportStdin(t, journal)
	sameCounts(t, "journald", got, want)
	if got.Reading.Prefix == "" || got.Reading.PrefixedLines != strings.Count(string(clean), "\n") {
		t.Errorf("reading %+v: want the prefix removed from all %d lines", got.Reading, strings.Count(string(clean), "\n"))
	}
	// The text says so, in one line.
	r := execute(t, nil, bytes.NewReader(journal), "", bin, "report")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "\nread: prefix \"Mar 14 09:12:00 host gsysint-demo[2231]: \"") {
		t.Errorf("no read: line for the prefix:\n%s", r.stdout)
	}
}

// A dump pasted into a Markdown issue: prose around it, in a fenced code
// block, or as an indented code block.
func TestReportMarkdownPaste(t *testing.T) {
	t.Parallel()
	clean := parkedDump(t, "2")
	want := reportStdin(t, clean)
	prose := "## Service hangs on shutdown\n\nIt hangs, here is the dump (see `goroutine 1 [running]` below):\n\n"
	fenced := []byte(prose + "```\n" + string(clean) + "```\n\nThanks!\n")
	got := reportStdin(t, fenced)
	sameCounts(t, "fenced", got, want)
	if got.Reading.ContextLines < 4 {
		t.Errorf("fenced: %d context lines, want the prose kept", got.Reading.ContextLines)
	}
	indented := []byte(prose + string(eachLine(clean, func(_ int, line string) string {
		if line == "" {
			return ""
		}
		return "    " + line
	})) + "\nThanks!\n")
	got = reportStdin(t, indented)
	sameCounts(t, "indented", got, want)
	if got.Reading.Prefix != "    " {
		t.Errorf("indented: prefix %q, want the indentation", got.Reading.Prefix)
	}
}

// A paste cut short in the middle of a stack: what was read is summarised,
// and the cut is said, in JSON and in the text's read: line.
func TestReportTruncatedPaste(t *testing.T) {
	t.Parallel()
	clean := parkedDump(t, "2")
	// Cut after the function line of the last "waiting for godot" goroutine.
	i := bytes.LastIndex(clean, []byte("[waiting for godot]:\n"))
	if i < 0 {
		t.Fatalf("no waiting for godot goroutine in\n%s", clean)
	}
	fn := i + len("[waiting for godot]:\n")
	fn += bytes.IndexByte(clean[fn:], '\n') + 1
	cut := clean[:fn]
	headers := bytes.Count(cut, []byte("\ngoroutine ")) + 1
	got := reportStdin(t, cut)
	if got.Total != headers || got.Reading.Cut == "" {
		t.Errorf("total %d, cut %q; want %d goroutines and a cut", got.Total, got.Reading.Cut, headers)
	}
	r := execute(t, nil, bytes.NewReader(cut), "", bin, "report")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "cut: the input ends in goroutine") {
		t.Errorf("text does not say the input was cut:\n%s", r.stdout)
	}
}

// Groups separate wait reasons and show file:line; for debug=1 the states
// come from the reason label, said so; --match sees labels.
func TestReportGroupsAndLabels(t *testing.T) {
	t.Parallel()
	d2 := parkedDump(t, "2")
	s := reportStdin(t, d2)
	reasons := map[string]int{}
	for _, g := range s.Groups {
		for _, f := range g.Frames {
			if strings.HasSuffix(f.Func, "park.(*waiter).park") {
				reasons[g.State] += g.Count
				if f.File == "" || f.Line == 0 {
					t.Errorf("group %q: frame %+v without file:line", g.State, f)
				}
			}
		}
	}
	if reasons["waiting for godot"] != 3 || reasons["chan receive"] != 3 {
		t.Errorf("parked goroutines by group state %v, want 3 waiting for godot and 3 chan receive apart", reasons)
	}
	d1 := parkedDump(t, "1")
	s = reportStdin(t, d1)
	if stateCount(s, "waiting for godot") != 3 || len(s.States) == 0 || !s.States[0].FromLabel {
		t.Errorf("debug=1: states %+v, want 3 waiting for godot from the reason label", s.States)
	}
	m := reportStdin(t, d1, "--match", "^job=w7$")
	if m.Matched != 6 {
		t.Errorf("--match ^job=w7$: %d matched, want the 6 labelled goroutines", m.Matched)
	}
	r := execute(t, nil, bytes.NewReader(d1), "", bin, "report")
	wantExit(t, r, 0)
	for _, want := range []string{`states: from the "reason" label`, "[reason=waiting for godot] x3", "labels job=w7 x3", "park.go:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("debug=1 text lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Colour on a terminal (a pseudo-terminal made by script(1)), never with
// NO_COLOR or in a pipe.
func TestReportColorOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	file := filepath.Join("..", "dump", "testdata", binaryGo(t)[:len("go1.26")], "panic.txt")
	piped := gsys(t, "report", file)
	wantExit(t, piped, 0)
	if strings.Contains(piped.stdout, "\x1b[") {
		t.Errorf("colour in a pipe:\n%q", clip(piped.stdout, 300))
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a pseudo-terminal")
	}
	tty := execute(t, append(os.Environ(), "TERM=xterm", "NO_COLOR="), nil, "", script, "-qec", bin+" report "+file, "/dev/null")
	wantExit(t, tty, 0)
	if !strings.Contains(tty.stdout, "\x1b[1;31m") && !strings.Contains(tty.stdout, "\x1b[31m") {
		t.Errorf("no colour on a terminal:\n%q", clip(tty.stdout, 300))
	}
	noColor := execute(t, append(os.Environ(), "TERM=xterm", "NO_COLOR=1"), nil, "", script, "-qec", bin+" report "+file, "/dev/null")
	wantExit(t, noColor, 0)
	if strings.Contains(noColor.stdout, "\x1b[") {
		t.Errorf("colour with NO_COLOR=1:\n%q", clip(noColor.stdout, 300))
	}
}

// Gzipped text, and coloured text, on stdin.
func TestReportGzipAndColourInput(t *testing.T) {
	t.Parallel()
	clean := parkedDump(t, "2")
	want := reportStdin(t, clean)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(clean)
	zw.Close()
	got := reportStdin(t, gz.Bytes())
	sameCounts(t, "gzip", got, want)
	if !got.Reading.Gzip {
		t.Errorf("gzip: reading %+v", got.Reading)
	}
	coloured := eachLine(clean, func(_ int, line string) string {
		if strings.HasPrefix(line, "goroutine ") {
			return "\x1b[1;33m" + line + "\x1b[0m"
		}
		return line
	})
	got = reportStdin(t, coloured)
	sameCounts(t, "colour", got, want)
	if got.Reading.ColorLines == 0 {
		t.Errorf("colour: reading %+v", got.Reading)
	}
}
