package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gsysint-demo/dump"
	"gsysint-demo/park"
	"gsysint-demo/series"
)

// Reasons of the series fixture's groups.
const (
	steadyReason  = "chan receive"     // 3 goroutines in every dump
	growingReason = park.DefaultReason // one more before each dump
	newReason     = "select"           // one, from the third dump on
)

// writeSeriesFixture parks goroutines in this process and writes five dumps
// as park -o DIR names them, in debug=2 to dir2 and debug=1 to dir1: the
// steady group (3) in each, the growing group with one goroutine more
// before each dump (1 to 5), the new group (1) from the third dump on.
func writeSeriesFixture(t *testing.T, dir2, dir1 string) {
	t.Helper()
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	ctx := context.Background()
	if _, err := p.Park(ctx, park.Group{Reason: steadyReason, Count: 3}); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 5; n++ {
		if _, err := p.Park(ctx, park.Group{Reason: growingReason, Count: 1}); err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			if _, err := p.Park(ctx, park.Group{Reason: newReason, Count: 1}); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []struct {
			dir, name string
			debug     dump.Debug
		}{
			{dir2, fmt.Sprintf("goroutine-%04d.txt", n), 2},
			{dir1, fmt.Sprintf("goroutine-%04d.debug1.txt", n), 1},
		} {
			f, err := os.Create(filepath.Join(d.dir, d.name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dump.Write(f, dump.ProfileGoroutine, d.debug); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// reportSeries runs report --json with args and decodes its series.
func reportSeries(t *testing.T, args ...string) series.Series {
	t.Helper()
	r := gsys(t, append([]string{"report", "--json"}, args...)...)
	wantExit(t, r, 0)
	var s series.Series
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.Dumps == nil {
		t.Fatalf("report --json %s: not a series (%v):\n%s", strings.Join(args, " "), err, clip(r.stdout, 2000))
	}
	return s
}

// parkedGroup returns the group of goroutines parked by park with state,
// or fails. (State "" matches any: a series compared on stacks only.)
func parkedGroup(t *testing.T, groups []series.GroupSeries, state string) series.GroupSeries {
	t.Helper()
	for _, g := range groups {
		if len(g.Frames) > 0 && g.Frames[0].Func == park.WaiterFunc && g.State == state {
			return g
		}
	}
	t.Fatalf("no group [%s] in %s: %+v", state, park.WaiterFunc, groups)
	return series.GroupSeries{}
}

func wantCounts(t *testing.T, what string, g series.GroupSeries, counts []int, change string) {
	t.Helper()
	if !slices.Equal(g.Counts, counts) || g.Change != change {
		t.Errorf("%s: counts %v, change %q; want %v, %q", what, g.Counts, g.Change, counts, change)
	}
}

// The growth of a group between dumps is reported exactly, in debug=2 and
// debug=1 (whose states come from park's reason label), and the group that
// grew in each of the last 3 dumps is the one leak suspect.
func TestSeriesParkDirectory(t *testing.T) {
	// Not parallel: the dumps are of this process, which then runs no
	// other test.
	dir2, dir1 := t.TempDir(), t.TempDir()
	writeSeriesFixture(t, dir2, dir1)
	for _, dir := range []string{dir2, dir1} {
		s := reportSeries(t, dir)
		if len(s.Dumps) != 5 || s.Window != 3 {
			t.Fatalf("report %s: %d dumps, window %d; want 5 and 3", dir, len(s.Dumps), s.Window)
		}
		if s.Total != s.Dumps[4].Total {
			t.Errorf("report %s: total %d, want the latest dump's %d", dir, s.Total, s.Dumps[4].Total)
		}
		wantCounts(t, dir+" steady", parkedGroup(t, s.Groups, steadyReason), []int{3, 3, 3, 3, 3}, series.Same)
		wantCounts(t, dir+" growing", parkedGroup(t, s.Groups, growingReason), []int{1, 2, 3, 4, 5}, series.Grown)
		wantCounts(t, dir+" new", parkedGroup(t, s.Groups, newReason), []int{0, 0, 1, 1, 1}, series.New)
		if len(s.Suspects) != 1 || s.Suspects[0].State != growingReason || s.Suspects[0].Growth != 3 {
			t.Errorf("report %s: suspects %+v, want the one [%s] group, growth 3", dir, s.Suspects, growingReason)
		}
	}

	// The text: the growing group's row and the suspect's line.
	r := gsys(t, "report", dir2)
	wantExit(t, r, 0)
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^series of 5 dumps, compared on state and stack$`),
		regexp.MustCompile(`(?m)^\+4\s+1\s+2\s+3\s+4\s+5\s+\[` + regexp.QuoteMeta(growingReason) + `\]\s+` + regexp.QuoteMeta(park.WaiterFunc) + ` park\.go:\d+$`),
		regexp.MustCompile(`(?m)^new\s+-\s+-\s+1\s+1\s+1\s+\[select\]`),
		regexp.MustCompile(`(?m)^leak suspects \(groups grown in each of the last 3 dumps\): 1$`),
		regexp.MustCompile(`(?m)^  \+3  \[` + regexp.QuoteMeta(growingReason) + `\]  .* \(1 → 2 → 3 → 4 → 5\)$`),
	} {
		if !re.MatchString(r.stdout) {
			t.Errorf("report %s: no line matching %s:\n%s", dir2, re, r.stdout)
		}
	}

	// The page: the suspect, and the growing group with its counts.
	page := filepath.Join(t.TempDir(), "series.html")
	wantExit(t, gsys(t, "report", "--html", page, dir2), 0)
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// html/template writes "+" as "&#43;".
	shown := html.UnescapeString(string(raw))
	for _, want := range []string{"<h2>Leak suspects: 1</h2>", "<b>+3</b>", "<b>+4</b> <span class=\"meta\">1 → 2 → 3 → 4 → 5</span>", "<b>new</b>"} {
		if !strings.Contains(shown, want) {
			t.Errorf("report --html %s: the page lacks %q", dir2, want)
		}
	}

	// A diff of two formats compares what both carry, and says what it
	// leaves out.
	s := reportSeries(t, filepath.Join(dir2, "goroutine-0001.txt"), filepath.Join(dir1, "goroutine-0005.debug1.txt"))
	if len(s.Dumps) != 2 || len(s.LeftOut) == 0 {
		t.Errorf("diff of debug2 and debug1: %d dumps, left out %q; want 2 and what is left out", len(s.Dumps), s.LeftOut)
	}
	wantCounts(t, "diff growing", parkedGroup(t, s.Groups, growingReason), []int{1, 5}, series.Grown)
	wantCounts(t, "diff new", parkedGroup(t, s.Groups, newReason), []int{0, 1}, series.New)
}

// A park that parks nothing new over many dumps has no leak suspect.
func TestSeriesStableParkFlagsNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := gsys(t, "park", "-o", dir, "--dumps", "8", "--interval", "20ms", "-r", "chan receive", "-r", "waiting for godot", "-n", "3")
	wantExit(t, r, 0)
	s := reportSeries(t, dir)
	if len(s.Dumps) != 8 {
		t.Fatalf("report %s: %d dumps, want 8", dir, len(s.Dumps))
	}
	if len(s.Suspects) != 0 {
		t.Errorf("report %s: suspects %+v, want none", dir, s.Suspects)
	}
	wantCounts(t, "chan receive", parkedGroup(t, s.Groups, "chan receive"), slices.Repeat([]int{3}, 8), series.Same)
	wantCounts(t, "waiting for godot", parkedGroup(t, s.Groups, "waiting for godot"), slices.Repeat([]int{3}, 8), series.Same)

	// Merged with other processes, the directory is one: its latest dump.
	r = gsys(t, "report", "--merge", "--json", dir)
	wantExit(t, r, 0)
	var v series.Merged
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Sources) != 1 || filepath.Base(v.Sources[0].Input) != "goroutine-0008.txt" || v.Sources[0].Name != filepath.Base(dir) {
		t.Errorf("report --merge %s: sources %+v, want one, %s from goroutine-0008.txt", dir, v.Sources, filepath.Base(dir))
	}
}

// park's stdout, three dumps one after another, is a series of three, not
// one dump of three times the goroutines.
func TestSeriesParkStdout(t *testing.T) {
	t.Parallel()
	for _, debug := range []string{"2", "1"} {
		r := gsys(t, "park", "--debug", debug, "--dumps", "3", "--interval", "10ms", "-r", "waiting for godot", "-n", "2")
		wantExit(t, r, 0)
		var totals []int
		for _, m := range matching(r.stderrLines(), dumpLine) {
			n, _ := strconv.Atoi(m[4]) // the dump's goroutine count
			totals = append(totals, n)
		}
		path := filepath.Join(t.TempDir(), "park.out")
		if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		s := reportSeries(t, path)
		var got []int
		for _, d := range s.Dumps {
			got = append(got, d.Total)
		}
		if !slices.Equal(got, totals) || len(got) != 3 || s.Total != totals[2] {
			t.Errorf("debug=%s: series of totals %v, total %d; want park's %v, the last", debug, got, s.Total, totals)
		}
		wantCounts(t, "debug="+debug, parkedGroup(t, s.Groups, "waiting for godot"), []int{2, 2, 2}, series.Same)

		// The same from a pipe.
		in := execute(t, nil, strings.NewReader(r.stdout), "", bin, "report", "--json")
		wantExit(t, in, 0)
		if !strings.Contains(in.stdout, `"dumps": [`) {
			t.Errorf("debug=%s from stdin: not a series:\n%s", debug, clip(in.stdout, 500))
		}
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Live processes merged into one view, one unreachable among them: it is
// said on its own line, the rest is reported, the exit status is 1; and
// the merged protobuf reads in go tool pprof with source and wait reason
// as the stacks' roots.
func TestSeriesMergeLive(t *testing.T) {
	t.Parallel()
	a := start(t, nil, "park", "--http", "127.0.0.1:0", "--serve-only", "-r", "waiting for godot", "-n", "4")
	b := start(t, nil, "park", "--http", "127.0.0.1:0", "--serve-only", "-r", "chan receive", "-n", "2")
	baseA, hostB := a.waitFor(servingLine)[1], b.waitFor(servingLine)
	urlA, urlB := baseA+"goroutine?debug=2", hostB[1]+"goroutine?debug=2"
	bad := "http://" + closedAddr(t) + "/debug/pprof/goroutine?debug=2"

	r := gsys(t, "report", "--json", "--label-source", "api="+urlA, urlA, urlB, bad)
	wantExit(t, r, 1)
	if lines := r.stderrLines(); len(lines) != 1 || !strings.Contains(lines[0], bad) {
		t.Errorf("stderr %q: want one line naming %s", lines, bad)
	}
	var v series.Merged
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("report --json: %v\n%s", err, clip(r.stdout, 2000))
	}
	if len(v.Sources) != 3 || v.Failed != 1 || v.Sources[2].Error == "" ||
		v.Sources[0].Name != "api" || v.Sources[1].Name != hostB[2] {
		t.Fatalf("sources %+v, failed %d: want api, %s, and the unreachable one failed", v.Sources, v.Failed, hostB[2])
	}
	if v.Total != v.Sources[0].Total+v.Sources[1].Total {
		t.Errorf("total %d, want %d + %d", v.Total, v.Sources[0].Total, v.Sources[1].Total)
	}
	for _, want := range []struct {
		state  string
		counts []int
	}{{"waiting for godot", []int{4, 0, 0}}, {"chan receive", []int{0, 2, 0}}} {
		found := false
		for _, g := range v.Groups {
			if len(g.Frames) > 0 && g.Frames[0].Func == park.WaiterFunc && g.State == want.state {
				found = true
				if !slices.Equal(g.Counts, want.counts) {
					t.Errorf("[%s]: counts %v, want %v", want.state, g.Counts, want.counts)
				}
			}
		}
		if !found {
			t.Errorf("no group [%s] in %+v", want.state, v.Groups)
		}
	}

	out := filepath.Join(t.TempDir(), "merged.pb.gz")
	r = gsys(t, "report", "--to", "pprof", "--out", out, "--label-source", "api="+urlA, urlA, urlB)
	wantExit(t, r, 0)
	pr := goPprof(t, nil, "-tagroot=source,wait_reason", "-traces", out)
	wantExit(t, pr, 0)
	// A trace: its count and the leaf, the stack, then the roots that
	// -tagroot added: the wait reason, then the source.
	for _, want := range []string{
		`(?m)^\s+4\s+` + regexp.QuoteMeta(park.WaiterFunc) + `\n\s+waiting for godot\n\s+api$`,
		`(?m)^\s+2\s+` + regexp.QuoteMeta(park.WaiterFunc) + `\n\s+chan receive\n\s+` + regexp.QuoteMeta(hostB[2]) + `$`,
	} {
		if !regexp.MustCompile(want).MatchString(pr.stdout) {
			t.Errorf("go tool pprof -tagroot=source,wait_reason -traces: no trace matching %s:\n%s", want, clip(pr.stdout, 3000))
		}
	}
	a.interrupt(4)
	b.interrupt(2)
}

// park --summary prints the table once, then what changed since the dump
// before: the totals, and no line for the parked goroutines, which stay.
// (park's own goroutines may change state between dumps: a [select] seen
// [runnable].)
func TestSeriesParkSummaryChange(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--log-format", "text", "--summary", "--dumps", "3", "--interval", "10ms", "-r", "chan receive", "-n", "2")
	wantExit(t, r, 0)
	if n := strings.Count(r.stderr, "\nSTATE "); n != 1 {
		t.Errorf("%d state tables on stderr, want 1 (the first dump's):\n%s", n, r.stderr)
	}
	for _, since := range []string{"1", "2"} {
		re := regexp.MustCompile(`(?m)^since dump ` + since + `: (\d+) → (\d+) goroutines \((0|[+−]\d+)\); (no group changed|\d+ groups? changed)$`)
		if !re.MatchString(r.stderr) {
			t.Errorf("no line matching %s:\n%s", re, r.stderr)
		}
	}
	_, changes, _ := strings.Cut(r.stderr, "since dump 1:")
	if strings.Contains(changes, park.WaiterFunc) {
		t.Errorf("the parked goroutines are listed as changed:\n%s", r.stderr)
	}
}

// report --watch on a live process, in a pipe: one block per fetch, the
// parked group's count in each; Ctrl-C ends it with status 0.
func TestSeriesWatch(t *testing.T) {
	t.Parallel()
	a := start(t, nil, "park", "--http", "127.0.0.1:0", "--serve-only", "-r", "waiting for godot", "-n", "4")
	url := a.waitFor(servingLine)[1] + "goroutine?debug=2"
	out, err := os.Create(filepath.Join(t.TempDir(), "watch.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := start(t, out, "report", "--watch", "--interval", "20ms", url)
	var text []byte
	w.pollUntil("three fetches shown", func() bool {
		text, _ = os.ReadFile(out.Name())
		return strings.Contains(string(text), "=== fetch 4\n")
	})
	w.signal(os.Interrupt)
	if code, stderr := w.wait(); code != 0 {
		t.Errorf("report --watch: exit status %d after SIGINT, want 0:\n%s", code, strings.Join(stderr, "\n"))
	}
	blocks := strings.Split(string(text), "=== fetch ")
	re := regexp.MustCompile(`(?m)^0\s+4\s+4\s+4\s+\[waiting for godot\]\s+` + regexp.QuoteMeta(park.WaiterFunc))
	if len(blocks) < 4 || !strings.HasPrefix(blocks[3], "3\nseries of 3 dumps") || !re.MatchString(blocks[3]) {
		t.Errorf("report --watch: the third fetch's block is no series of 3 with a row matching %s:\n%s", re, text)
	}
	a.interrupt(4)
}

// The goroutineleak profile's (leaked) marks are counted per dump and
// group.
func TestSeriesLeaked(t *testing.T) {
	t.Parallel()
	if !hasLeakProfile(t) {
		t.Skip("this binary has no goroutineleak profile")
	}
	dir := t.TempDir()
	wantExit(t, gsys(t, "park", "-o", dir, "--profile", "goroutineleak", "--dumps", "2", "--interval", "10ms", "-r", "chan receive", "-n", "3"), 0)
	s := reportSeries(t, dir)
	g := parkedGroup(t, s.Groups, "chan receive")
	if len(s.Dumps) != 2 || s.Dumps[0].Leaked < 3 || s.Dumps[1].Leaked < 3 || !slices.Equal(g.Leaked, []int{3, 3}) {
		t.Errorf("dumps %+v, the parked group's leaked %v: want 2 dumps with at least 3 leaked, the group's 3 in each", s.Dumps, g.Leaked)
	}
	r := gsys(t, "report", dir)
	if !regexp.MustCompile(`(?m)^0\s+3\s+3\s+\[chan receive\] \(leaked 3\)`).MatchString(r.stdout) {
		t.Errorf("report %s: no row of [chan receive] (leaked 3):\n%s", dir, r.stdout)
	}
}

// An input that does not answer is given up after --timeout, on its own
// line; the others are reported, exit status 1.
func TestSeriesMergeTimeout(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Accepts, reads nothing, answers nothing, until the test ends.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				<-hold
				c.Close()
			}()
		}
	}()
	defer close(hold)
	dir := t.TempDir()
	path := filepath.Join(dir, "svc.txt")
	wantExit(t, gsys(t, "park", "-o", dir, "--dumps", "1", "-r", "waiting for godot", "-n", "2"), 0)
	if err := os.Rename(filepath.Join(dir, "goroutine-0001.txt"), path); err != nil {
		t.Fatal(err)
	}
	silent := "http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=2"
	r := gsys(t, "report", "--merge", "--timeout", "300ms", path, silent)
	wantExit(t, r, 1)
	if lines := r.stderrLines(); len(lines) != 1 || !strings.Contains(lines[0], "not read within --timeout 300ms") || !strings.Contains(lines[0], silent) {
		t.Errorf("stderr %q: want one line saying %s was not read within --timeout 300ms", lines, silent)
	}
	if !regexp.MustCompile(`(?m)^2\s+2\s+-\s+\[waiting for godot\]`).MatchString(r.stdout) {
		t.Errorf("the file's group is not in the merged view:\n%s", r.stdout)
	}
}

// Bad flags of several dumps: one line naming the value, exit 2, nothing
// written; two unreadable inputs: a line each, exit 2 (all bad input).
func TestSeriesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "g.txt")
	wantExit(t, gsys(t, "park", "-o", dir, "--dumps", "1", "-n", "1"), 0)
	if err := os.Rename(filepath.Join(dir, "goroutine-0001.txt"), file); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pb.gz")
	for _, c := range []struct {
		args  []string
		names []string
	}{
		{[]string{"--suspect-window", "0", file, file}, []string{"--suspect-window 0"}},
		{[]string{"--parallel", "0", file, file}, []string{"--parallel 0"}},
		{[]string{"--timeout", "-1s", file, file}, []string{"--timeout -1s"}},
		{[]string{"--to", "svg", "--out", out, file}, []string{`--to "svg"`, "pprof"}},
		{[]string{"--to", "pprof", file}, []string{"--to pprof", "--out"}},
		{[]string{"--out", out, file}, []string{"--out", "--to pprof"}},
		{[]string{"--label-source", "api", file}, []string{`--label-source "api"`, "NAME=INPUT"}},
		{[]string{"--label-source", "api=other.txt", file}, []string{"other.txt"}},
		{[]string{"--watch", file, file}, []string{"--watch", "one URL or file"}},
		{[]string{"--merge", "--html", filepath.Join(dir, "p.html"), file}, []string{"--html", "--to pprof"}},
	} {
		r := gsys(t, append([]string{"report"}, c.args...)...)
		wantExit(t, r, 2)
		wantOneLine(t, r, c.names...)
	}
	for _, name := range []string{"out.pb.gz", "p.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written by a refused command", name)
		}
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gsys(t, "report", text, filepath.Join(dir, "missing"))
	wantExit(t, r, 2)
	if lines := r.stderrLines(); len(lines) != 2 || !strings.Contains(lines[0], text) || !strings.Contains(lines[1], "missing") {
		t.Errorf("stderr %q: want a line for %s, then one for missing", lines, text)
	}
}

// A directory of park's censuses (--profile census --json, one file per
// dump) is one process over time, like a directory of its dumps: a series
// in park's order, not a merged view of as many processes as files.
func TestSeriesParkCensusDirectory(t *testing.T) {
	t.Parallel()
	const dumps, count = 3, 5
	dir := t.TempDir()
	r := gsys(t, "park", "-n", strconv.Itoa(count), "--profile", "census", "--json", "--per-goroutine",
		"--dumps", strconv.Itoa(dumps), "--interval", "10ms", "-o", dir)
	wantExit(t, r, 0)
	s := reportSeries(t, dir)
	if len(s.Dumps) != dumps {
		t.Fatalf("report %s: %d dumps, want park's %d", dir, len(s.Dumps), dumps)
	}
	for i, d := range s.Dumps {
		if want := filepath.Join(dir, fmt.Sprintf("census-%04d.json", i+1)); d.Name != want {
			t.Errorf("report %s: dump %d is %s, want %s (park's order)", dir, i+1, d.Name, want)
		}
	}
	// A census has no stacks: its group is keyed by the start function.
	found := false
	for _, g := range s.Groups {
		if g.State == defaultReason {
			found = true
			wantCounts(t, dir+" parked", g, slices.Repeat([]int{count}, dumps), series.Same)
		}
	}
	if !found {
		t.Errorf("report %s: no group [%s]: %+v", dir, defaultReason, s.Groups)
	}
}
