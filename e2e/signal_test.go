package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gsysint-demo/internal/procstat"
)

var signals = []struct {
	name string
	sig  os.Signal
}{
	{"SIGINT", os.Interrupt},
	{"SIGTERM", syscall.SIGTERM},
	{"SIGHUP", syscall.SIGHUP}, // the terminal closing
}

// TestSignalWhileParking signals park while it is still starting 300k
// goroutines. Nothing is printed before parking ends, so the test watches
// the process's resident memory instead: once it has grown by 64 MB,
// goroutines are being started, which happens after the signal handler is
// in place (a signal sent before that kills any Go program).
func TestSignalWhileParking(t *testing.T) {
	t.Parallel()
	const count = 300000
	for _, s := range signals {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, nil, "park", "-n", strconv.Itoa(count), "--dumps", "0", "--interval", "1h")
			pid := p.cmd.Process.Pid
			base, err := procstat.Resident(pid)
			if err != nil {
				t.Fatal(err)
			}
			p.pollUntil("growing by 64 MB", func() bool {
				rss, err := procstat.Resident(pid)
				return err == nil && rss > base+64<<20 || len(matching(p.seen, parkedLine)) > 0
			})
			p.signal(s.sig)
			code, stderr := p.wait()
			if code != 0 {
				t.Fatalf("exit status %d after %s while parking, want 0; stderr:\n%s", code, s.name, strings.Join(stderr, "\n"))
			}
			if !containsPrefix(asText(stderr), "interrupted while parking") {
				t.Errorf("no \"interrupted while parking\" line: the signal came after parking, or was not reported; stderr:\n%s", strings.Join(stderr, "\n"))
			}
			n := released(t, stderr)
			parked := matching(stderr, parkedLine)
			if len(parked) != 1 {
				t.Fatalf("want one parked line (with the count parked before the signal); stderr:\n%s", strings.Join(stderr, "\n"))
			}
			if parked[0][1] != strconv.Itoa(n) || n == 0 || n >= count {
				t.Errorf("parked %s, released %d: want the same number, between 1 and %d", parked[0][1], n, count-1)
			}
			if len(matching(stderr, dumpLine)) != 0 {
				t.Errorf("dumped after being interrupted while parking:\n%s", strings.Join(stderr, "\n"))
			}
		})
	}
}

func TestSignalBetweenDumps(t *testing.T) {
	t.Parallel()
	for _, s := range signals {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, nil, "park", "--dumps", "0", "--interval", "1h")
			p.waitFor(dumpN(1))
			p.signal(s.sig)
			code, stderr := p.wait()
			if code != 0 {
				t.Fatalf("exit status %d after %s, want 0; stderr:\n%s", code, s.name, strings.Join(stderr, "\n"))
			}
			if !slices.Contains(asText(stderr), "interrupted") {
				t.Errorf("no \"interrupted\" line:\n%s", strings.Join(stderr, "\n"))
			}
			if n := released(t, stderr); n != 3 {
				t.Errorf("released %d, want 3", n)
			}
			if n := len(matching(stderr, dumpLine)); n != 1 {
				t.Errorf("%d dumps, want 1 (the interval is an hour)", n)
			}
		})
	}
}

// TestSignalDuringDumpsToFiles signals park while it writes dumps of 20k
// goroutines back to back into a directory: every file left is a whole
// dump, and no temporary file is.
func TestSignalDuringDumpsToFiles(t *testing.T) {
	t.Parallel()
	const count = 20000
	for _, s := range signals {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := start(t, nil, "park", "-n", strconv.Itoa(count), "--dumps", "0", "--interval", "1ms", "-o", dir)
			p.waitFor(dumpN(3))
			p.signal(s.sig)
			code, stderr := p.wait()
			if code != 0 {
				t.Fatalf("exit status %d after %s, want 0; stderr:\n%s", code, s.name, strings.Join(stderr, "\n"))
			}
			if n := released(t, stderr); n != count {
				t.Errorf("released %d, want %d", n, count)
			}
			dumps := matching(stderr, dumpLine)
			var want []string
			for _, m := range dumps {
				want = append(want, filepath.Base(m[5]))
			}
			got := dirNames(t, dir)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("files %v, want those the dump lines name, %v (no temporary files)", got, want)
			}
			for i, m := range dumps {
				b, err := os.ReadFile(m[5])
				if err != nil {
					t.Fatal(err)
				}
				checkWholeDump(t, m[5], string(b), m[4], count)
				if i == len(dumps)-1 && t.Failed() {
					t.Logf("stderr:\n%s", strings.Join(stderr, "\n"))
				}
			}
		})
	}
}

// lastFrameLine ends a goroutine block in debug=2 text: a source position.
var lastFrameLine = regexp.MustCompile(`^\t\S+:\d+( \+0x[0-9a-f]+)?$`)

// checkWholeDump checks that text is a complete debug=2 dump of as many
// goroutines as the dump line said (goroutines; "" when there was none),
// parked of them parked by park.
func checkWholeDump(t *testing.T, name, text, goroutines string, parked int) {
	t.Helper()
	if !strings.HasPrefix(text, "goroutine ") || !strings.HasSuffix(text, "\n") {
		t.Errorf("%s: does not start with a goroutine header and end with a newline", name)
		return
	}
	// "" for a dump committed as a SIGQUIT came, which had no dump line.
	if n := countHeaders(text, ""); goroutines != "" && strconv.Itoa(n) != goroutines {
		t.Errorf("%s: %d goroutine headers, the dump line said %s", name, n, goroutines)
	}
	if n := countHeaders(text, defaultReason); n != parked {
		t.Errorf("%s: %d parked goroutines, want %d", name, n, parked)
	}
	blocks := strings.Split(strings.TrimRight(text, "\n"), "\n\n")
	last := strings.Split(blocks[len(blocks)-1], "\n")
	if !headerRE.MatchString(last[0]) || len(last) < 3 || !lastFrameLine.MatchString(last[len(last)-1]) {
		t.Errorf("%s: the last goroutine block is not complete:\n%s", name, blocks[len(blocks)-1])
	}
}
