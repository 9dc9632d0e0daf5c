package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gsysint-demo/internal/events"
)

// TestLogFormatsAgree runs park twice alike, in the text form and in the
// JSON form: the text lines are the JSON events in the text form, line for
// line, but for what differs from run to run (times, sizes, the port, the
// directory, how many goroutines the runtime has of its own).
func TestLogFormatsAgree(t *testing.T) {
	t.Parallel()
	run := func(format string) []string {
		dir := t.TempDir()
		r := gsys(t, "park", "--log-format", format, "-r", "chan receive", "-r", "waiting for godot", "-n", "2",
			"--dumps", "2", "--interval", "10ms", "-o", dir, "--trace", filepath.Join(dir, "t.trace"), "--http", "127.0.0.1:0")
		wantExit(t, r, 0)
		lines := r.stderrLines()
		if format == "json" {
			for _, l := range lines {
				if _, err := events.Decode([]byte(l)); err != nil {
					t.Errorf("--log-format json: %v", err)
				}
			}
			lines = asText(lines)
		}
		for i, l := range lines {
			l = strings.ReplaceAll(l, dir, "DIR")
			l = varyRE.ReplaceAllString(l, "#")
			lines[i] = l
		}
		return lines
	}
	text, js := run("text"), run("json")
	if strings.Join(text, "\n") != strings.Join(js, "\n") {
		t.Errorf("text form:\n%s\nJSON form in text:\n%s", strings.Join(text, "\n"), strings.Join(js, "\n"))
	}
	if len(text) < 8 {
		t.Errorf("want parked, note, parking, serving, live page, 2 dumps, released and trace lines, got:\n%s", strings.Join(text, "\n"))
	}
}

// varyRE matches what differs between two runs alike.
var varyRE = regexp.MustCompile(`[0-9.]+ ?(ns|µs|ms|s|B|KB|MB|GB)\b|127\.0\.0\.1:\d+|\d+ goroutines in|\d+ goroutines,`)
