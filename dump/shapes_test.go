package dump

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The shapes a dump takes on its way to a user, made from the project's own
// fixtures: each transform does to a real dump what a log, a terminal or a
// paste does. The tests read each shape through every path (Parse,
// streaming, in parts, a mapped file) and want the scenario's exact totals
// and states, the clean dump's groups, and a Reading that says what was
// undone.

// eachLine applies f to every line of b (without its "\n"); i counts the
// lines from 0.
func eachLine(b []byte, f func(i int, line string) string) []byte {
	var out strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		out.WriteString(f(i, line))
		out.WriteByte('\n')
	}
	return []byte(out.String())
}

func lineCount(b []byte) int { return bytes.Count(b, []byte("\n")) }

// journald prefixes every line as journalctl prints it, the time moving on
// every 7 lines, and shows tabs as 8 spaces.
func journald(b []byte) []byte {
	return eachLine(b, func(i int, line string) string {
		return fmt.Sprintf("Mar 14 09:12:%02d host svc[2231]: %s", 7+i/7, strings.ReplaceAll(line, "\t", "        "))
	})
}

// kubectlTimestamps prefixes lines as kubectl logs --timestamps does
// (RFC 3339 with nanoseconds, trailing zeros dropped: the width varies).
func kubectlTimestamps(b []byte) []byte {
	fracs := []string{"123456789", "5", "25", "000001"}
	return eachLine(b, func(i int, line string) string {
		return fmt.Sprintf("2026-03-14T09:12:07.%sZ %s", fracs[i%len(fracs)], line)
	})
}

func indent(by string) func([]byte) []byte {
	return func(b []byte) []byte {
		return eachLine(b, func(_ int, line string) string {
			if line == "" {
				return strings.TrimRight(by, " ")
			}
			return by + line
		})
	}
}

// glue joins the first goroutine header to the line before, as a program
// that printed a message without its newline before runtime.Stack does.
func glue(b []byte) []byte {
	i := max(0, bytes.Index(b, []byte("goroutine ")))
	return slices2(b[:i], []byte("2026/03/14 09:12:07 dumping all stacks"), b[i:])
}

func slices2(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func bom(b []byte) []byte { return slices2(utf8BOM, b) }

// colour paints headers and function lines as a terminal log viewer does.
func colour(b []byte) []byte {
	return eachLine(b, func(_ int, line string) string {
		switch {
		case strings.HasPrefix(line, "goroutine "):
			return "\x1b[1;31m" + line + "\x1b[0m"
		case line != "" && line[0] != '\t':
			return "\x1b[36m" + line + "\x1b[0m\x1b[K"
		}
		return line
	})
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

func trailingBlanks(b []byte) []byte {
	return eachLine(b, func(_ int, line string) string { return line + " " })
}

// afterLog puts a shell session around the dump: a prompt and a log
// before, "exit status 2" and a log line that starts like a header after.
func afterLog(b []byte) []byte {
	return slices2([]byte("$ ./svc\n2026/03/14 09:12:07 serving\n\n"), b,
		[]byte("goroutine 12 exited\nexit status 2\n"))
}

// shape is a transform and what reading its result must record.
type shape struct {
	name string
	f    func([]byte) []byte
	want func(in []byte) Reading // the Reading expected, given the clean input
}

func textShapes() []shape {
	return []shape{
		{"journald", journald, func(in []byte) Reading {
			return Reading{Prefix: "Mar 14 09:12:07 host svc[2231]: ", PrefixedLines: lineCount(in), Dumps: 1}
		}},
		{"kubectl-timestamps", kubectlTimestamps, func(in []byte) Reading {
			return Reading{Prefix: "2026-03-14T09:12:07.123456789Z ", PrefixedLines: lineCount(in), Dumps: 1}
		}},
		{"markdown-indented", indent("    "), func(in []byte) Reading {
			return Reading{Prefix: "    ", PrefixedLines: lineCount(in) - bytes.Count(in, []byte("\n\n")), Dumps: 1}
		}},
		{"mail-quoted", indent("> "), func(in []byte) Reading {
			return Reading{Prefix: "> ", PrefixedLines: lineCount(in), Dumps: 1}
		}},
		{"glued", glue, func([]byte) Reading { return Reading{Glued: 1, ContextLines: 1, Dumps: 1} }},
		{"bom", bom, func([]byte) Reading { return Reading{BOM: true, Dumps: 1} }},
		{"colour", colour, func(in []byte) Reading {
			return Reading{ColorLines: lineCount(in) - bytes.Count(in, []byte("\n\t")) - bytes.Count(in, []byte("\n\n")), Dumps: 1}
		}},
		{"gzip", gzipped, func([]byte) Reading { return Reading{Gzip: true, Dumps: 1} }},
		{"crlf", crlf, func([]byte) Reading { return Reading{Dumps: 1} }},
		{"trailing-blanks", trailingBlanks, func([]byte) Reading { return Reading{Dumps: 1} }},
		{"shell-session", afterLog, func([]byte) Reading { return Reading{ContextLines: 4, Dumps: 1} }},
	}
}

// readAllWays reads b with the reference reader (reference_test.go) and
// streaming, in parts and from a mapped file, wants them to agree, and
// returns the summary.
func readAllWays(t *testing.T, b []byte) *Summary {
	t.Helper()
	s, err := parseReference(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := summarizeReference(s, Options{})
	stream, err := ReadSummary(bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatalf("ReadSummary: %v", err)
	}
	if !reflect.DeepEqual(stream, want) {
		t.Errorf("streamed:\n got %+v\nwant %+v", stream, want)
	}
	for _, parts := range []int{2, 5} {
		got, err := summarizeBytes(b, Options{}, parts)
		if err != nil {
			t.Fatalf("in %d parts: %v", parts, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("in %d parts:\n got %+v\nwant %+v", parts, got, want)
		}
	}
	f := tempFile(t, "dump", b)
	defer f.Close()
	mapped, err := ReadSummary(f, Options{})
	if err != nil {
		t.Fatalf("ReadSummary(file): %v", err)
	}
	if !reflect.DeepEqual(mapped, want) {
		t.Errorf("from a file:\n got %+v\nwant %+v", mapped, want)
	}
	return want
}

func stateCounts(s *Summary) map[string]int {
	m := map[string]int{}
	for _, r := range s.States {
		m[r.State] = r.Count
	}
	return m
}

// TestShapesDebug2 reads the blocked scenario's debug=2 dump in every
// shape: the totals and states the scenario recorded, the groups (with
// their file:line) of the clean dump.
func TestShapesDebug2(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		w := readWant(t, dir, "blocked")
		clean, err := os.ReadFile(filepath.Join(dir, "blocked.debug2.txt"))
		if err != nil {
			t.Fatal(err)
		}
		wantStates := map[string]int{"running": 1}
		for k, v := range w.Reasons {
			wantStates[k] += v
		}
		base := Summarize(parseBytesForTest(t, clean), Options{})
		for _, sh := range textShapes() {
			t.Run(filepath.Base(dir)+"/"+sh.name, func(t *testing.T) {
				sum := readAllWays(t, sh.f(clean))
				if sum.Total != w.Total || sum.Format != FormatDebug2 {
					t.Errorf("total %d, format %s; want %d, debug2", sum.Total, sum.Format, w.Total)
				}
				equalCounts(t, "states", stateCounts(sum), wantStates)
				if !reflect.DeepEqual(sum.Groups, base.Groups) {
					t.Errorf("groups differ from the clean dump's:\n got %+v\nwant %+v", sum.Groups, base.Groups)
				}
				if want := sh.want(clean); sum.Reading != want {
					t.Errorf("reading %+v, want %+v", sum.Reading, want)
				}
			})
		}
	}
}

// TestShapesCrash reads crash output in the shapes that keep its preamble:
// the headline is the crash line, found after the prefix too.
func TestShapesCrash(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		clean, err := os.ReadFile(filepath.Join(dir, "panic.txt"))
		if err != nil {
			t.Fatal(err)
		}
		base := Summarize(parseBytesForTest(t, clean), Options{})
		if base.Headline != "panic: boom 42" {
			t.Fatalf("clean headline %q", base.Headline)
		}
		for _, sh := range textShapes() {
			t.Run(filepath.Base(dir)+"/"+sh.name, func(t *testing.T) {
				sum := readAllWays(t, sh.f(clean))
				if sum.Headline != base.Headline || sum.Total != base.Total {
					t.Errorf("headline %q, total %d; want %q, %d", sum.Headline, sum.Total, base.Headline, base.Total)
				}
				equalCounts(t, "states", stateCounts(sum), stateCounts(base))
				if !slices.Contains(sum.Context.Before, base.Headline) {
					t.Errorf("context before %q: want the crash line", sum.Context.Before)
				}
			})
		}
	}
}

// TestShapesCut cuts the blocked dump inside a goroutine: in its header,
// after a function line, and inside a file:line. What was read before is
// summarised, and the Reading says where it was cut.
func TestShapesCut(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		clean, err := os.ReadFile(filepath.Join(dir, "blocked.debug2.txt"))
		if err != nil {
			t.Fatal(err)
		}
		all := parseBytesForTest(t, clean)
		// The 11th goroutine's block (the first header starts the file).
		const k = 10
		at := 0
		for range k {
			at += bytes.Index(clean[at:], []byte("\ngoroutine ")) + 1
		}
		header := bytes.IndexByte(clean[at:], '\n') + at
		fn := bytes.IndexByte(clean[header+1:], '\n') + header + 1
		file := bytes.IndexByte(clean[fn+1:], '\n') + fn + 1
		for _, c := range []struct {
			name  string
			end   int
			total int // goroutines read
			state string
			cut   string
		}{
			{"in-header", at + len("goroutine 1"), k, "", "header"},
			{"mid-header", at + (header-at)/2 + len("goroutine 12"), k + 1, DamagedState, "header"},
			{"after-function", fn + 1, k + 1, all.Goroutines[k].State, "function line"},
			{"in-file-line", fn + 6, k + 1, all.Goroutines[k].State, "file:line"},
			// The line after the first frame ("created by", or the next
			// frame) cut after 5 bytes.
			{"in-next-line", file + 6, k + 1, all.Goroutines[k].State, "stack"},
		} {
			t.Run(filepath.Base(dir)+"/"+c.name, func(t *testing.T) {
				sum := readAllWays(t, clean[:c.end])
				wantStates := map[string]int{}
				for _, g := range all.Goroutines[:k] {
					wantStates[g.State]++
				}
				if c.state != "" {
					wantStates[c.state]++
				}
				if sum.Total != c.total {
					t.Errorf("total %d, want %d", sum.Total, c.total)
				}
				equalCounts(t, "states", stateCounts(sum), wantStates)
				// A header cut before its "[" is no header: the text is
				// context, and the goroutine before it ends whole.
				if c.name == "in-header" {
					if sum.Reading.Cut != "" || sum.Reading.ContextLines != 1 {
						t.Errorf("reading %+v: want one context line, not cut", sum.Reading)
					}
					return
				}
				if !strings.Contains(sum.Reading.Cut, c.cut) {
					t.Errorf("cut %q, want it to name the %s", sum.Reading.Cut, c.cut)
				}
			})
		}
	}
}

// TestShapesDamaged garbles one header in the middle of the dump: the
// goroutine is counted as damaged, with its frames, and the rest is read.
func TestShapesDamaged(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		clean, err := os.ReadFile(filepath.Join(dir, "blocked.debug2.txt"))
		if err != nil {
			t.Fatal(err)
		}
		all := parseBytesForTest(t, clean)
		i := bytes.LastIndex(clean, []byte("\ngoroutine ")) + 1
		j := i + bytes.IndexByte(clean[i:], '\n')
		// "goroutine 33 [select (no cases)]:" loses its "]:"; the state
		// it had is the one the summary cannot know.
		bad := slices2(clean[:j-2], clean[j:])
		sum := readAllWays(t, bad)
		last := all.Goroutines[len(all.Goroutines)-1]
		want := stateCounts(Summarize(all, Options{}))
		want[last.State]--
		want[DamagedState]++
		if sum.Total != all.Total || sum.Reading.Damaged != 1 {
			t.Errorf("total %d, %d damaged; want %d, 1", sum.Total, sum.Reading.Damaged, all.Total)
		}
		equalCounts(t, "states", stateCounts(sum), want)
		for _, g := range sum.Groups {
			if g.State == DamagedState && !reflect.DeepEqual(g.Frames, last.Frames) {
				t.Errorf("damaged goroutine's frames %v, want %v", g.Frames, last.Frames)
			}
		}
	}
}

// TestShapesDebug1 reads the debug=1 profile after a shell prompt and a
// blank line, three times appended to one file, and in the shapes above.
func TestShapesDebug1(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		w := readWant(t, dir, "blocked")
		clean, err := os.ReadFile(filepath.Join(dir, "blocked.debug1.txt"))
		if err != nil {
			t.Fatal(err)
		}
		base := Summarize(parseBytesForTest(t, clean), Options{})
		three := slices2([]byte("$ curl -s localhost:6060/debug/pprof/goroutine?debug=1 >> g.txt\n\n"), clean, clean, clean)
		cases := []struct {
			name    string
			in      []byte
			total   int
			reading Reading
		}{
			{"appended", three, 3 * w.Total, Reading{Dumps: 3, ContextLines: 1}},
			{"journald", journald(clean), w.Total, Reading{Prefix: "Mar 14 09:12:07 host svc[2231]: ", PrefixedLines: lineCount(clean), Dumps: 1}},
			{"bom", bom(clean), w.Total, Reading{BOM: true, Dumps: 1}},
			{"gzip", gzipped(clean), w.Total, Reading{Gzip: true, Dumps: 1}},
			{"crlf", crlf(clean), w.Total, Reading{Dumps: 1}},
		}
		// Cut in the last record's frames: its count was read.
		last := bytes.LastIndex(clean, []byte("\n#\t"))
		cut := clean[:last+3]
		cases = append(cases, struct {
			name    string
			in      []byte
			total   int
			reading Reading
		}{"cut-in-frames", cut, w.Total, Reading{Dumps: 1, Damaged: 1, Cut: "the input ends in a damaged line of the last debug=1 record"}})
		for _, c := range cases {
			t.Run(filepath.Base(dir)+"/"+c.name, func(t *testing.T) {
				sum := readAllWays(t, c.in)
				if sum.Total != c.total || sum.Format != FormatDebug1 || sum.Profile != "goroutine" {
					t.Errorf("total %d, format %s %s; want %d, debug1 goroutine", sum.Total, sum.Format, sum.Profile, c.total)
				}
				if sum.Reading != c.reading {
					t.Errorf("reading %+v, want %+v", sum.Reading, c.reading)
				}
				mult := c.total / w.Total
				labels := map[string]int{}
				for k, v := range w.Labels {
					labels[k] = v * mult
				}
				got := map[string]int{}
				for _, l := range sum.Labels {
					got[l.Key+"="+l.Value] = l.Count
				}
				equalCounts(t, "labels", got, labels)
				if c.name != "cut-in-frames" && c.name != "appended" && !reflect.DeepEqual(sum.Groups, base.Groups) {
					t.Errorf("groups differ from the clean profile's")
				}
			})
		}
	}
}

// TestShapesMixed reads dumps appended to one input, one of them indented
// and one glued: every path agrees, and every goroutine is counted (issue
// 13 will read such input as a series).
func TestShapesMixed(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		w := readWant(t, dir, "blocked")
		clean, err := os.ReadFile(filepath.Join(dir, "blocked.debug2.txt"))
		if err != nil {
			t.Fatal(err)
		}
		in := slices2(clean, []byte("\n"), indent("  ")(clean), []byte("\n"), glue(clean), clean)
		sum := readAllWays(t, in)
		// Only the glued text stands between two of them: two dumps
		// told apart.
		if sum.Total != 4*w.Total || sum.Reading.Glued != 1 || sum.Reading.Dumps != 2 {
			t.Errorf("%s: total %d, reading %+v; want %d, one glued header, 2 dumps", dir, sum.Total, sum.Reading, 4*w.Total)
		}
		// A shell session between two crashes: two dumps, also in parts.
		crash, err := os.ReadFile(filepath.Join(dir, "panic.txt"))
		if err != nil {
			t.Fatal(err)
		}
		two := readAllWays(t, slices2(afterLog(crash), crash))
		if two.Reading.Dumps != 2 {
			t.Errorf("%s: two crashes with a shell session between: reading %+v, want 2 dumps", dir, two.Reading)
		}
	}
}

// TestOtherProfileTitleIsContext checks that another profile's debug=1
// title before a goroutine dump is context (the threadcreate profile alone
// is refused: TestParseNotDump).
func TestOtherProfileTitleIsContext(t *testing.T) {
	clean, err := readFixture(t, "panic.txt")
	if err != nil {
		t.Fatal(err)
	}
	base := Summarize(parseBytesForTest(t, clean), Options{})
	sum := readAllWays(t, slices2([]byte("threadcreate profile: total 9\n"), clean))
	if sum.Total != base.Total || sum.Headline != base.Headline || sum.Reading.ContextLines != base.Reading.ContextLines+1 {
		t.Errorf("total %d, headline %q, reading %+v; want %d, %q, one more context line", sum.Total, sum.Headline, sum.Reading, base.Total, base.Headline)
	}
}

// TestGluedLastLine checks a header after other text on the last line:
// nothing follows to show the text is a prefix, so it is glued context.
func TestGluedLastLine(t *testing.T) {
	clean, err := readFixture(t, "blocked.debug2.txt")
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := bytes.Cut(clean, []byte("\n"))
	sum := readAllWays(t, slices2([]byte("2026/03/14 09:12:07 dumping: "), header))
	if sum.Total != 1 || sum.Reading.Glued != 1 || sum.Reading.Prefix != "" || sum.Reading.ContextLines != 1 {
		t.Errorf("total %d, reading %+v; want 1 goroutine, its line's start glued context", sum.Total, sum.Reading)
	}
}
