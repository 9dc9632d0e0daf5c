package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gsysint-demo/internal/events"
)

// wantOneLine checks the bad-input contract's stderr: exactly one line,
// "gsysint-demo: ...", containing every one of names.
func wantOneLine(t *testing.T, r result, names ...string) {
	t.Helper()
	lines := r.stderrLines()
	if len(lines) != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("want exactly one line on stderr, got %d:\n%v", len(lines), r)
	}
	// park --log-format json reports its error as an event (but a flag
	// that does not parse as text: the format is not known yet).
	if m := errorLine.FindStringSubmatch(lines[0]); m != nil {
		if m[2] != strconv.Itoa(r.code) {
			t.Errorf("error event %s: exit status %s, the process exited %d", lines[0], m[2], r.code)
		}
		lines = []string{"gsysint-demo: " + m[1]}
	}
	if !strings.HasPrefix(lines[0], "gsysint-demo: ") {
		t.Errorf("stderr line %q does not start with gsysint-demo: ", lines[0])
	}
	for _, name := range names {
		if !strings.Contains(lines[0], name) {
			t.Errorf("stderr line %q does not name %q", lines[0], name)
		}
	}
}

// errorLine matches park's error event and gives its message and exit
// status.
var errorLine = eventLine{"error", func(ev events.Event) []string {
	e := ev.(events.Error)
	return []string{e.Error, strconv.Itoa(e.ExitStatus)}
}}

func TestBadInput(t *testing.T) {
	t.Parallel()
	var tenCustom []string
	for i := 1; i <= 10; i++ {
		tenCustom = append(tenCustom, "-r", fmt.Sprintf("custom reason %d", i))
	}
	notDir := filepath.Join(t.TempDir(), "regular-file")
	if err := os.WriteFile(notDir, []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string // after "park"; -o DIR is added unless the case has its own
		names []string // what the line must mention
		own   bool     // the case sets --out itself, or is not park
	}{
		{name: "refused reason", args: []string{"-r", "garbage collection"}, names: []string{`"garbage collection"`, "suspendG"}},
		{name: "refused reason GC assist marking", args: []string{"-r", "GC assist marking"}, names: []string{`"GC assist marking"`, "suspendG"}},
		{name: "empty reason", args: []string{"-r", ""}, names: []string{`--reason ""`}},
		{name: "too many custom reasons", args: tenCustom, names: []string{`"custom reason 10"`}},
		{name: "count 0", args: []string{"--count", "0"}, names: []string{"--count 0"}},
		{name: "count -1", args: []string{"--count", "-1"}, names: []string{"--count -1"}},
		{name: "count abc", args: []string{"--count", "abc"}, names: []string{`"abc"`, "count"}},
		{name: "n abc", args: []string{"-n", "abc"}, names: []string{`"abc"`}},
		{name: "count too large for memory", args: []string{"--count", "100000000000"}, names: []string{"100000000000"}},
		{name: "count beyond int64", args: []string{"--count", "9223372036854775808"}, names: []string{"9223372036854775808"}},
		{name: "debug 3", args: []string{"--debug", "3"}, names: []string{"--debug 3"}},
		{name: "debug -1", args: []string{"--debug", "-1"}, names: []string{"--debug -1"}},
		{name: "interval 0", args: []string{"--interval", "0"}, names: []string{"--interval 0"}},
		{name: "interval -1s", args: []string{"--interval", "-1s"}, names: []string{"--interval -1s"}},
		{name: "interval garbage", args: []string{"--interval", "soon"}, names: []string{`"soon"`}},
		{name: "dumps -1", args: []string{"--dumps", "-1"}, names: []string{"--dumps -1"}},
		{name: "dumps and duration", args: []string{"--dumps", "2", "--duration", "1s"}, names: []string{"--dumps 2", "--duration 1s"}},
		{name: "duration 0", args: []string{"--duration", "0"}, names: []string{"--duration 0"}},
		{name: "out nonexistent", args: []string{"--out", "/nonexistent/dir"}, names: []string{"/nonexistent/dir"}, own: true},
		{name: "out regular file", args: []string{"--out", notDir}, names: []string{notDir}, own: true},
		{name: "label without value", args: []string{"--label", "novalue"}, names: []string{`"novalue"`}},
		{name: "label empty key", args: []string{"--label", "=v"}, names: []string{`"=v"`}},
		{name: "label reserved", args: []string{"--label", "reason=x"}, names: []string{`"reason"`}},
		{name: "profile bogus", args: []string{"--profile", "bogus"}, names: []string{`"bogus"`}},
		{name: "http nonsense", args: []string{"--http", "nonsense"}, names: []string{`"nonsense"`}},
		{name: "http bad port", args: []string{"--http", "127.0.0.1:http-nope"}, names: []string{`"127.0.0.1:http-nope"`}},
		{name: "http not loopback", args: []string{"--http", "0.0.0.0:0"}, names: []string{`"0.0.0.0:0"`, "--http-public"}},
		{name: "debug 0 to stdout", args: []string{"--debug", "0"}, names: []string{"--debug 0", "--dumps 1"}, own: true},
		{name: "trace in a nonexistent dir", args: []string{"--trace", "/nonexistent/dir/x.trace"}, names: []string{"/nonexistent/dir/x.trace"}},
		{name: "unknown flag", args: []string{"--bogus-flag"}, names: []string{"bogus-flag"}},
		{name: "unexpected argument", args: []string{"extra"}, names: []string{`"extra"`}},
		// A slip for a runtime reason is not custom text.
		{name: "reason typo", args: []string{"-r", "chan recieve"}, names: []string{`"chan recieve"`, `did you mean "chan receive" (19)?`}},
		{name: "reason case", args: []string{"-r", "Chan Receive"}, names: []string{`"Chan Receive"`, `did you mean "chan receive" (19)?`}},
		{name: "reason spacing", args: []string{"-r", "chan  receive"}, names: []string{`did you mean "chan receive" (19)?`}},
		{name: "wait reason as trace reason", args: []string{"--trace-reason", "GC assist marking"}, names: []string{`"GC assist marking"`, "wait reason", "--reason"}},
		// Indexes, as gsysint-demo reasons lists them.
		{name: "reason index out of range", args: []string{"-r", "99"}, names: []string{"--reason 99", "out of range", "0 to 46"}},
		{name: "reason index beyond uint8", args: []string{"-r", "300"}, names: []string{"--reason 300", "out of range"}},
		{name: "reason index refused", args: []string{"-r", "1"}, names: []string{"--reason 1", `"GC assist marking"`, "refused"}},
		{name: "reason index zero", args: []string{"-r", "0"}, names: []string{"--reason 0", "refused"}},
		{name: "trace reason index out of range", args: []string{"--trace-reason", "17"}, names: []string{"--trace-reason 17", "out of range"}},
		// Custom text that readers of the dump would misread.
		{name: "forged leaked", args: []string{"-r", "godot (leaked)"}, names: []string{`"godot (leaked)"`, `"(leaked)"`}},
		{name: "forged wait age", args: []string{"-r", "godot, 5 minutes"}, names: []string{`"godot, 5 minutes"`, "minutes"}},
		{name: "forged state", args: []string{"-r", "running"}, names: []string{`"running"`, "state"}},
		{name: "forged labels", args: []string{"-r", "godot] {job: w7"}, names: []string{"labels"}},
		{name: "zero-width space", args: []string{"-r", "go\u200bdot"}, names: []string{"U+200B"}},
		{name: "bidi override", args: []string{"-r", "godot\u202e"}, names: []string{"U+202E"}},
		{name: "bidi in trace reason", args: []string{"--trace-reason", "godot\u2067"}, names: []string{"--trace-reason", "U+2067"}},
		// Output paths, checked before anything starts.
		{name: "trace is a directory", args: []string{"--trace", os.TempDir()}, names: []string{os.TempDir(), "is a directory"}},
		{name: "trace through a regular file", args: []string{"--trace", filepath.Join(notDir, "x.trace")}, names: []string{"x.trace", "not a directory"}},
		{name: "serve-only without http", args: []string{"--serve-only"}, names: []string{"--serve-only", "--http"}},
		{name: "serve-only with dumps", args: []string{"--serve-only", "--http", "127.0.0.1:0", "--dumps", "2"}, names: []string{"--serve-only", "--dumps"}},
		// urfave/cli's parse errors get the project's hint.
		{name: "interval without unit", args: []string{"--interval", "5"}, names: []string{`--interval "5"`, "want a duration", "500ms"}},
		{name: "count missing value", args: []string{"-n"}, names: []string{"-n needs a value", "whole number"}, own: true},
		{name: "summary not a bool", args: []string{"--summary=maybe"}, names: []string{`--summary "maybe"`, "true or false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"park"}, tc.args...)
			if !tc.own {
				args = append(args, "-o", dir)
			}
			r := gsys(t, args...)
			wantExit(t, r, 2)
			wantOneLine(t, r, tc.names...)
			if r.stdout != "" {
				t.Errorf("stdout not empty:\n%v", r)
			}
			wantEmptyDir(t, dir)
		})
	}
	t.Run("out read-only dir", func(t *testing.T) {
		t.Parallel()
		if os.Geteuid() == 0 {
			t.Skip("running as root: permissions do not stop root writing (the regular-file case covers an unwritable --out)")
		}
		dir := t.TempDir()
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		r := gsys(t, "park", "-o", ro)
		wantExit(t, r, 2)
		wantOneLine(t, r, ro)
		wantEmptyDir(t, ro)
	})
	t.Run("http port in use", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		dir := t.TempDir()
		r := gsys(t, "park", "--http", ln.Addr().String(), "-o", dir)
		wantExit(t, r, 2)
		wantOneLine(t, r, ln.Addr().String())
		wantEmptyDir(t, dir)
	})
	t.Run("unknown flag before the command", func(t *testing.T) {
		t.Parallel()
		r := gsys(t, "--bogus")
		wantExit(t, r, 2)
		wantOneLine(t, r, "--bogus")
		if strings.Count(r.stderr, "gsysint-demo:") != 1 {
			t.Errorf("want the gsysint-demo: prefix once:\n%v", r)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		t.Parallel()
		r := gsys(t, "frobnicate")
		wantExit(t, r, 2)
		wantOneLine(t, r, `"frobnicate"`)
	})
	t.Run("goroutineleak without the profile", func(t *testing.T) {
		t.Parallel()
		if hasLeakProfile(t) {
			t.Skip("this binary has the goroutineleak profile")
		}
		dir := t.TempDir()
		r := gsys(t, "park", "--profile", "goroutineleak", "-o", dir)
		wantExit(t, r, 2)
		wantOneLine(t, r, "goroutineleak", "GOEXPERIMENT=goroutineleakprofile")
		wantEmptyDir(t, dir)
	})
	for _, cmd := range []string{"reasons", "version"} {
		t.Run(cmd+" with an argument", func(t *testing.T) {
			t.Parallel()
			r := gsys(t, cmd, "surplus")
			wantExit(t, r, 2)
			wantOneLine(t, r, `"surplus"`)
		})
	}
}

// A count whose memory estimate overflows uint64 (ceil(2^64/3100)
// goroutines at 3100 bytes each would wrap to under 3 KB) is refused as bad
// input like any other count too large for memory. (It once passed the
// memory check, and make([]waiter, count) panicked in park.)
func TestBadInputCountOverflowingMemoryEstimate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := gsys(t, "park", "--count", "5950562604422437", "--dumps", "1", "-o", dir)
	wantExit(t, r, 2)
	wantOneLine(t, r, "5950562604422437")
	wantEmptyDir(t, dir)
}

// The refusal of a count whose memory estimate overflows int64 names the
// count and no negative size (it once printed one).
func TestBadInputCountMaxInt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := gsys(t, "park", "--count", "9223372036854775807", "-o", dir)
	wantExit(t, r, 2)
	wantOneLine(t, r, "9223372036854775807")
	if strings.Contains(r.stderr, "about -") {
		t.Errorf("negative memory estimate:\n%v", r)
	}
}
