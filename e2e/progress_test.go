package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// Parking many goroutines shows progress on stderr when it is a terminal
// (here a pseudo-terminal made by script(1)), and never in a pipe.
func TestParkProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a pseudo-terminal")
	}
	dir := t.TempDir()
	args := []string{"park", "-n", "200000", "--dumps", "1", "-o", dir}
	r := execute(t, nil, nil, "", script, "-qec", bin+" "+strings.Join(args, " "), "/dev/null")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "parking: 131072 of 200000 goroutines started") {
		t.Errorf("no progress line on a terminal:\n%v", r)
	}
	if !strings.Contains(r.stdout, "released 200000 goroutines") {
		t.Errorf("no release line:\n%v", r)
	}
	// A directory of its own: dumps never replace an earlier run's.
	args[len(args)-1] = t.TempDir()
	piped := gsys(t, args...)
	wantExit(t, piped, 0)
	if strings.Contains(piped.stderr, "parking:") {
		t.Errorf("progress written to a pipe:\n%v", piped)
	}
}
