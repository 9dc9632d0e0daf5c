package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"gsysint-demo/park"
)

const defaultReason = park.DefaultReason

func TestParkDefaults(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--interval", "50ms")
	wantExit(t, r, 0)
	if n := countHeaders(r.stdout, defaultReason); n != 3*3 {
		t.Errorf("stdout has %d headers [%s], want 3 goroutines × 3 dumps = 9:\n%v", n, defaultReason, r)
	}
	// Each dump is a whole debug=2 dump: three of them, each starting with
	// the dumping goroutine, running. (Another goroutine may show as
	// running too: Go 1.27 has printed os/signal's signal_recv so, under
	// load, caught between its wake-up and its next instruction.)
	// The dumping goroutine's top frame is where runtime.Stack is called,
	// for park's dumps under dump.WriteGoroutineText.
	if n := strings.Count(r.stdout, " [running]:\ngsysint-demo/dump.takeGoroutineText("); n != 3 {
		t.Errorf("stdout has %d dumping goroutines ([running], in dump.takeGoroutineText), want one per dump, 3", n)
	}
	lines := r.stderrLines()
	want := `parked 3 goroutines: reason "parked by gsysint-demo" (custom, slot 31), trace reason "unspecified" (0)`
	if !slices.Contains(asText(lines), want) {
		t.Errorf("stderr lacks the line\n%s\n%v", want, r)
	}
	dumps := matching(lines, dumpLine)
	if len(dumps) != 3 {
		t.Fatalf("stderr has %d dump lines, want 3:\n%v", len(dumps), r)
	}
	for i, m := range dumps {
		if m[1] != strconv.Itoa(i+1) || m[2] != "goroutine" || m[3] != "2" || m[5] != "" {
			t.Errorf("dump line %q: want dump %d: goroutine debug=2, ... to stdout", m[0], i+1)
		}
	}
	if n := released(t, lines); n != 3 {
		t.Errorf("released %d goroutines, want 3", n)
	}
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestParkReasonsAndCount(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "-r", "chan receive", "-r", "waiting for godot", "-n", "4", "--dumps", "1")
	wantExit(t, r, 0)
	if n := countHeaders(r.stdout, "chan receive"); n != 4 {
		t.Errorf("%d [chan receive] headers, want 4:\n%v", n, r)
	}
	if n := countHeaders(r.stdout, "waiting for godot"); n != 4 {
		t.Errorf("%d [waiting for godot] headers, want 4:\n%v", n, r)
	}
	lines := r.stderrLines()
	for _, want := range []string{
		`parked 4 goroutines: reason "chan receive" (19), trace reason "chan receive" (7)`,
		`parked 4 goroutines: reason "waiting for godot" (custom, slot 31), trace reason "unspecified" (0)`,
	} {
		if !slices.Contains(asText(lines), want) {
			t.Errorf("stderr lacks %s\n%v", want, r)
		}
	}
	if !containsPrefix(asText(lines), `  note: "chan receive" is a leak candidate`) {
		t.Errorf("stderr lacks the leak-candidate note for chan receive:\n%v", r)
	}
	if n := released(t, lines); n != 8 {
		t.Errorf("released %d, want 8", n)
	}
}

func TestParkTraceReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trace, want string
	}{
		{"chan receive", `trace reason "chan receive" (7)`},
		{"sleep", `trace reason "sleep" (14)`},
		{"my own trace reason", `trace reason "my own trace reason" (custom, slot 12)`},
	} {
		r := gsys(t, "park", "--trace-reason", tc.trace, "-n", "2", "--dumps", "1", "--debug", "1")
		wantExit(t, r, 0)
		want := `parked 2 goroutines: reason "parked by gsysint-demo" (custom, slot 31), ` + tc.want
		if !slices.Contains(asText(r.stderrLines()), want) {
			t.Errorf("stderr lacks %s\n%v", want, r)
		}
		label := `"trace_reason":"` + tc.trace + `"`
		if !strings.Contains(r.stdout, label) {
			t.Errorf("debug=1 labels lack %s:\n%v", label, r)
		}
	}
}

func TestParkLabels(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--label", "job=w7", "--label", "team=sched", "-n", "2", "--dumps", "1", "--debug", "1")
	wantExit(t, r, 0)
	want := `# labels: {"job":"w7", "reason":"parked by gsysint-demo", "team":"sched", "trace_reason":"unspecified"}`
	if !strings.Contains(r.stdout, want) {
		t.Errorf("debug=1 dump lacks\n%s\n%v", want, r)
	}
	// debug=1 groups identical stacks: one record of 2 goroutines.
	if !regexp.MustCompile(`(?m)^2 @ (0x[0-9a-f]+ ?)+\n` + regexp.QuoteMeta(want)).MatchString(r.stdout) {
		t.Errorf("debug=1 dump has no record of 2 goroutines with those labels:\n%v", r)
	}
}

func TestParkDumpsAndInterval(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--dumps", "5", "--interval", "10ms", "-n", "1")
	wantExit(t, r, 0)
	if n := len(matching(r.stderrLines(), dumpLine)); n != 5 {
		t.Errorf("%d dump lines, want 5:\n%v", n, r)
	}
	if n := countHeaders(r.stdout, defaultReason); n != 5 {
		t.Errorf("%d parked headers, want 5 (1 goroutine × 5 dumps)", n)
	}
}

func TestParkDuration(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--duration", "300ms", "--interval", "100ms")
	wantExit(t, r, 0)
	dumps := matching(r.stderrLines(), dumpLine)
	if len(dumps) < 1 {
		t.Fatalf("no dump in 300ms:\n%v", r)
	}
	if n := countHeaders(r.stdout, defaultReason); n != 3*len(dumps) {
		t.Errorf("%d parked headers for %d dumps, want %d", n, len(dumps), 3*len(dumps))
	}
	if n := released(t, r.stderrLines()); n != 3 {
		t.Errorf("released %d, want 3", n)
	}
}

func TestParkDebugFormats(t *testing.T) {
	t.Parallel()
	t.Run("2", func(t *testing.T) {
		r := gsys(t, "park", "--debug", "2", "--dumps", "1")
		wantExit(t, r, 0)
		if n := countHeaders(r.stdout, defaultReason); n != 3 {
			t.Errorf("%d headers, want 3:\n%v", n, r)
		}
	})
	t.Run("1", func(t *testing.T) {
		r := gsys(t, "park", "--debug", "1", "--dumps", "1")
		wantExit(t, r, 0)
		if !strings.HasPrefix(r.stdout, "goroutine profile: total ") {
			t.Errorf("debug=1 dump does not start with its header:\n%v", r)
		}
		if countHeaders(r.stdout, "") != 0 {
			t.Errorf("debug=1 dump has debug=2 headers:\n%v", r)
		}
		if !strings.Contains(r.stdout, `"reason":"parked by gsysint-demo"`) {
			t.Errorf("debug=1 dump lacks the reason label:\n%v", r)
		}
	})
	t.Run("0", func(t *testing.T) {
		r := gsys(t, "park", "--debug", "0", "--dumps", "1")
		wantExit(t, r, 0)
		p := parseProfile(t, []byte(r.stdout))
		if got := labelCount(p, "reason", defaultReason); got != 3 {
			t.Errorf("protobuf: %d goroutines with reason=%q, want 3", got, defaultReason)
		}
		if got := labelCount(p, "trace_reason", "unspecified"); got != 3 {
			t.Errorf("protobuf: %d goroutines with trace_reason=unspecified, want 3", got)
		}
	})
}

func parseProfile(t *testing.T, b []byte) *profile.Profile {
	t.Helper()
	p, err := profile.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parsing the protobuf profile (%d bytes): %v", len(b), err)
	}
	return p
}

// labelCount is the number of goroutines in p whose label key is value.
func labelCount(p *profile.Profile, key, value string) int64 {
	var n int64
	for _, s := range p.Sample {
		for _, v := range s.Label[key] {
			if v == value {
				n += s.Value[0]
			}
		}
	}
	return n
}

func TestParkGoroutineLeakProfile(t *testing.T) {
	t.Parallel()
	args := []string{"park", "-r", "chan receive", "-r", "waiting for godot", "-n", "2", "--dumps", "1", "--profile", "goroutineleak"}
	if !hasLeakProfile(t) {
		dir := t.TempDir()
		r := gsys(t, append(args, "-o", dir)...)
		wantExit(t, r, 2)
		wantOneLine(t, r, "GOEXPERIMENT=goroutineleakprofile")
		wantEmptyDir(t, dir)
		return
	}
	r := gsys(t, args...)
	wantExit(t, r, 0)
	if n := countHeaders(r.stdout, "chan receive (leaked)"); n != 2 {
		t.Errorf("%d [chan receive (leaked)] headers, want 2:\n%v", n, r)
	}
	if n := countHeaders(r.stdout, "waiting for godot"); n != 2 {
		t.Errorf("%d [waiting for godot] headers (custom reasons are never leaked), want 2:\n%v", n, r)
	}
	lines := r.stderrLines()
	if !containsPrefix(asText(lines), "dump 1: goroutineleak debug=2, ") {
		t.Errorf("no goroutineleak dump line:\n%v", r)
	}
	m := matching(lines, releasedLine)
	if len(m) != 1 || m[0][1] != "4" || m[0][2] != "2" {
		t.Errorf("release line should say 4 released, 2 of them leaked:\n%v", r)
	}
}

func TestParkOutDir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		debug, ext string
	}{{"2", ".txt"}, {"1", ".debug1.txt"}, {"0", ".pb.gz"}} {
		t.Run("debug"+tc.debug, func(t *testing.T) {
			dir := t.TempDir()
			r := gsys(t, "park", "-o", dir, "--debug", tc.debug, "--dumps", "3", "--interval", "10ms")
			wantExit(t, r, 0)
			if r.stdout != "" {
				t.Errorf("dumps to files, yet stdout has %d bytes", len(r.stdout))
			}
			var want []string
			for i := 1; i <= 3; i++ {
				want = append(want, "goroutine-000"+strconv.Itoa(i)+tc.ext)
			}
			if got := dirNames(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("files %v, want %v (no temporary files left)", got, want)
			}
			for i, m := range matching(r.stderrLines(), dumpLine) {
				if m[5] != filepath.Join(dir, want[i]) {
					t.Errorf("dump line %q names %q, want %q", m[0], m[5], filepath.Join(dir, want[i]))
				}
			}
			for _, name := range want {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				switch tc.debug {
				case "2":
					if n := countHeaders(string(b), defaultReason); n != 3 {
						t.Errorf("%s: %d parked headers, want 3", name, n)
					}
				case "1":
					if !strings.Contains(string(b), `"reason":"parked by gsysint-demo"`) {
						t.Errorf("%s lacks the reason label", name)
					}
				case "0":
					if n := labelCount(parseProfile(t, b), "reason", defaultReason); n != 3 {
						t.Errorf("%s: %d goroutines with the reason label, want 3", name, n)
					}
				}
			}
		})
	}
}

// dirNames lists dir, hidden files included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func wantEmptyDir(t *testing.T, dir string) {
	t.Helper()
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("files left in --out dir: %v", names)
	}
}

func TestParkSummary(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--summary", "--dumps", "1", "-r", "chan receive", "-r", "waiting for godot", "-n", "2")
	wantExit(t, r, 0)
	text := strings.Join(asText(r.stderrLines()), "\n")
	table := regexp.MustCompile(`(?m)^STATE\s+COUNT\b`)
	if !table.MatchString(text) {
		t.Fatalf("no summary table (STATE COUNT ...) on stderr:\n%v", r)
	}
	for _, row := range []string{`(?m)^chan receive\s+2\b`, `(?m)^waiting for godot\s+2\b`} {
		if !regexp.MustCompile(row).MatchString(text) {
			t.Errorf("summary lacks a row matching %s:\n%v", row, r)
		}
	}
	if strings.Contains(r.stdout, "STATE") {
		t.Errorf("the summary went to stdout")
	}
}

func TestParkHTTP(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h", "-r", "waiting for godot")
	base := p.waitFor(servingLine)[1]
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("serving on %s, want 127.0.0.1", base)
	}
	body := httpGet(t, base+"goroutine?debug=2")
	if n := countHeaders(body, "waiting for godot"); n != 3 {
		t.Errorf("GET goroutine?debug=2: %d [waiting for godot] headers, want 3:\n%s", n, clip(body, 3000))
	}
	body = httpGet(t, base+"goroutine?debug=1")
	if !strings.Contains(body, `"reason":"waiting for godot"`) {
		t.Errorf("GET goroutine?debug=1 lacks the reason label:\n%s", clip(body, 3000))
	}
	if body := httpGet(t, base); !strings.Contains(body, "goroutine") {
		t.Errorf("GET %s: no index:\n%s", base, clip(body, 2000))
	}
	p.interrupt(3)
}

func TestParkHTTPPublic(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "0.0.0.0:0", "--http-public", "--dumps", "0", "--interval", "1h", "-n", "1")
	m := p.waitFor(servingLine)
	_, port, ok := strings.Cut(m[2], "]:")
	if !ok {
		_, port, _ = strings.Cut(m[2], ":")
	}
	body := httpGet(t, "http://127.0.0.1:"+port+"/debug/pprof/goroutine?debug=2")
	if n := countHeaders(body, defaultReason); n != 1 {
		t.Errorf("%d parked headers, want 1", n)
	}
	p.interrupt(1)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}

// A reason is text: a comma in it is part of it. urfave/cli's
// StringSliceFlag splits values on commas unless the app sets
// DisableSliceFlagSeparator.
func TestParkReasonWithComma(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "-r", "waiting, forever", "-n", "1", "--dumps", "1")
	wantExit(t, r, 0)
	if n := countHeaders(r.stdout, "waiting, forever"); n != 1 {
		t.Errorf("%d [waiting, forever] headers, want 1:\n%v", n, r)
	}
	if n := len(matching(r.stderrLines(), parkedLine)); n != 1 {
		t.Errorf("%d parked lines, want 1:\n%v", n, r)
	}
}

func TestParkLabelWithComma(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--label", "note=a,b", "-n", "1", "--dumps", "1", "--debug", "1")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, `"note":"a,b"`) {
		t.Errorf("debug=1 labels lack note=a,b:\n%v", r)
	}
}

func TestParkTrace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "park.trace")
	r := gsys(t, "park", "--trace", path, "-r", "chan receive", "-r", "waiting for godot", "-n", "2", "--dumps", "1")
	wantExit(t, r, 0)
	if !containsPrefix(asText(r.stderrLines()), "trace written to "+path) {
		t.Errorf("no \"trace written to\" line:\n%v", r)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no trace at %s: %v", path, err)
	}
	r = gsys(t, "trace", path)
	wantExit(t, r, 0)
	// REASON  BLOCKS  GOROUTINES  OUR BLOCKS  OUR GOROUTINES  STACKS
	for _, row := range []string{`(?m)^chan receive\s+\d+\s+\d+\s+2\s+2\s`, `(?m)^unspecified\s+\d+\s+\d+\s+2\s+2\s`} {
		if !regexp.MustCompile(row).MatchString(r.stdout) {
			t.Errorf("gsysint-demo trace: no row matching %s:\n%v", row, r)
		}
	}
}

// The goroutineleak profile over HTTP marks goroutines parked as "chan
// receive" leaked, and park still releases them all on SIGINT; where the
// runtime has no such profile the path answers 404.
func TestParkHTTPGoroutineLeak(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h", "-r", "chan receive")
	base := p.waitFor(servingLine)[1]
	resp, err := http.Get(base + "goroutineleak?debug=2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !hasLeakProfile(t) {
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET goroutineleak without the profile: %s, want 404", resp.Status)
		}
	} else if n := countHeaders(string(body), "chan receive (leaked)"); n != 3 {
		t.Errorf("GET goroutineleak?debug=2: %d [chan receive (leaked)] headers, want 3:\n%s", n, clip(string(body), 3000))
	}
	p.interrupt(3)
}
