package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraceErrorOnce checks that trace refuses a file it cannot read with
// one line that names the file once and says once what is wrong with it
// (the error used to carry the path and "not a readable execution trace"
// twice, once from package tracing and once from the command), exit
// status 2 and nothing on stdout.
func TestTraceErrorOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fixture, err := os.ReadFile(filepath.Join("..", "tracing", "testdata", "go1.26.8.trace"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	text := write("dump.txt", []byte("goroutine 1 [running]:\nmain.main()\n"))
	truncated := write("cut.trace", fixture[:len(fixture)/2])
	missing := filepath.Join(dir, "missing.trace")
	for _, c := range []struct {
		what, path, want string
	}{
		{"a goroutine dump", text, text + ": not a readable execution trace: "},
		{"a truncated trace", truncated, truncated + ": malformed execution trace "},
		{"a missing file", missing, "open " + missing + ": no such file or directory"},
		{"a directory", dir, dir + " is a directory, want an execution trace file"},
	} {
		r := gsys(t, "trace", c.path)
		wantExit(t, r, 2)
		lines := r.stderrLines()
		if len(lines) != 1 || r.stdout != "" {
			t.Errorf("%s: want one line on stderr and nothing on stdout:\n%v", c.what, r)
			continue
		}
		line := lines[0]
		if !strings.HasPrefix(line, "gsysint-demo: trace: ") || !strings.Contains(line, c.want) {
			t.Errorf("%s: stderr %q, want gsysint-demo: trace: ...%s...", c.what, line, c.want)
		}
		if n := strings.Count(line, c.path); n != 1 {
			t.Errorf("%s: stderr names %s %d times, want once: %q", c.what, c.path, n, line)
		}
		// (The parser's own words, "not a Go execution trace?", may follow.)
		for _, phrase := range []string{"not a readable execution trace", "malformed execution trace"} {
			if n := strings.Count(line, phrase); n > 1 {
				t.Errorf("%s: stderr says %q %d times, want at most once: %q", c.what, phrase, n, line)
			}
		}
		if strings.Contains(line, "tracing:") {
			t.Errorf("%s: stderr carries package tracing's name: %q", c.what, line)
		}
	}
}
