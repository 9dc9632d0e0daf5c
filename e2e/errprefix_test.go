package e2e

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestErrorSaysItOnce checks error lines for what a package and the
// command that calls it used to say twice: a package's own name before its
// error and the command's after it ("park: park: ...", "tracing: ..."), a
// value given once and quoted back twice, a word repeated as its own
// explanation ("is refused (refused)").
func TestErrorSaysItOnce(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	busy := ln.Addr().String()
	for _, c := range []struct {
		args []string
		once string // a value the line must name exactly once
	}{
		{[]string{"park", "--log-format", "text", "--http", busy, "-o", dir}, busy},
		{[]string{"park", "--log-format", "text", "-r", "1"}, "GC assist marking"},
		{[]string{"park", "--log-format", "text", "--trace-reason", "99"}, "99"},
		{[]string{"park", "--log-format", "text", "--debug", "7"}, "7"},
		{[]string{"park", "--log-format", "text", "--profile", "heap"}, "heap"},
		{[]string{"park", "--log-format", "text", "--label", "reason=x"}, `"reason"`},
		{[]string{"park", "--log-format", "xml"}, "xml"},
		{[]string{"trace", text}, text},
		{[]string{"trace", dir}, dir},
		{[]string{"trace", "--top", "-2", text}, "-2"},
		{[]string{"report", text}, text},
	} {
		r := gsys(t, c.args...)
		wantExit(t, r, 2)
		wantOneLine(t, r)
		line := strings.TrimSuffix(r.stderr, "\n")
		// gsysint-demo: COMMAND: what went wrong, where no later part
		// is a package's or a command's name.
		parts := strings.Split(line, ": ")
		if len(parts) < 3 || parts[0] != "gsysint-demo" || parts[1] != c.args[0] {
			t.Errorf("%v: %q, want gsysint-demo: %s: ...", c.args, line, c.args[0])
		}
		for _, p := range parts[min(2, len(parts)):] {
			switch p {
			case "gsysint-demo", "park", "dump", "tracing", "trace", "report", "web", "linked", "events":
				t.Errorf("%v: %q names %q again", c.args, line, p)
			}
		}
		if n := strings.Count(line, c.once); n != 1 {
			t.Errorf("%v: %q names %q %d times, want once", c.args, line, c.once, n)
		}
		words := strings.Fields(line)
		for i := 1; i < len(words); i++ {
			if w := wordOf(words[i]); w != "" && w == wordOf(words[i-1]) {
				t.Errorf("%v: %q says %q twice in a row", c.args, line, w)
			}
		}
	}
}

// wordOf is a word of an error line without the punctuation around it.
func wordOf(s string) string { return nonWord.ReplaceAllString(s, "") }

var nonWord = regexp.MustCompile(`^[^\pL\pN]+|[^\pL\pN]+$`)
