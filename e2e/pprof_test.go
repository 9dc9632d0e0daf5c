package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gsysint-demo/park"
)

// writeProtobuf runs park --debug 0 --dumps 1 with extra args and returns
// the path of the profile it wrote to stdout.
func writeProtobuf(t *testing.T, extra ...string) string {
	t.Helper()
	r := gsys(t, append([]string{"park", "--debug", "0", "--dumps", "1"}, extra...)...)
	wantExit(t, r, 0)
	path := filepath.Join(t.TempDir(), "g.pb.gz")
	if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// goPprof runs the real go tool pprof with args.
func goPprof(t *testing.T, stdin *os.File, args ...string) result {
	t.Helper()
	r := execute(t, pprofEnv(t.TempDir()), stdin, "", goTool, append([]string{"tool", "pprof"}, args...)...)
	return r
}

// wantTop checks go tool pprof -top output: the parked goroutines' frame
// with their count in the cum column.
func wantTop(t *testing.T, r result, parked int) {
	t.Helper()
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "Type: goroutine") {
		t.Errorf("-top output lacks Type: goroutine:\n%v", r)
	}
	re := regexp.MustCompile(`(?m)^\s*\d+\s+\S+%\s+\S+%\s+` + strconv.Itoa(parked) + `\s+\S+%\s+` + regexp.QuoteMeta(park.WaiterFunc) + `$`)
	if !re.MatchString(r.stdout) {
		t.Errorf("-top output lacks a row with cum %d for %s:\n%v", parked, park.WaiterFunc, r)
	}
}

func TestPprofFile(t *testing.T) {
	t.Parallel()
	path := writeProtobuf(t)
	wantTop(t, goPprof(t, nil, "-top", path), 3)
}

func TestPprofDevStdinFromFile(t *testing.T) {
	t.Parallel()
	path := writeProtobuf(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantTop(t, goPprof(t, f, "-top", "/dev/stdin"), 3)
}

func TestPprofTags(t *testing.T) {
	t.Parallel()
	path := writeProtobuf(t, "-r", "chan receive", "-r", "waiting for godot", "-n", "2")
	r := goPprof(t, nil, "-tags", path)
	wantExit(t, r, 0)
	// reason: Total 4 of 7 (57.14%)
	//         2 (28.57%): chan receive
	//         2 (28.57%): waiting for godot
	for _, re := range []string{
		`(?m)^\s*reason: Total 4 of \d+ `,
		`(?m)^\s+2 \(\S+%\): chan receive$`,
		`(?m)^\s+2 \(\S+%\): waiting for godot$`,
		`(?m)^\s*trace_reason: Total 4 of \d+ `,
		`(?m)^\s+2 \(\S+%\): unspecified$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("go tool pprof -tags output does not match %s:\n%v", re, r)
		}
	}
	// The default reason alone: 3 goroutines, half of the process's 6.
	r = goPprof(t, nil, "-tags", writeProtobuf(t))
	wantExit(t, r, 0)
	for _, re := range []string{`(?m)^\s+3 \(\S+%\): parked by gsysint-demo$`, `(?m)^\s+3 \(\S+%\): unspecified$`} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("go tool pprof -tags output does not match %s:\n%v", re, r)
		}
	}
}

func TestPprofHTTP(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0")
	base := p.waitFor(servingLine)[1]
	wantTop(t, goPprof(t, nil, "-top", base+"goroutine"), 3)
	p.interrupt(3)
}

// TestPprofPipe runs the README's pipeline through a real OS pipe: go tool
// pprof cannot read one, gsysint-demo pprof spools it.
func TestPprofPipe(t *testing.T) {
	t.Parallel()
	r := execute(t, pprofEnv(t.TempDir()), nil, "", "sh", "-c", `set -e; "$0" park --debug 0 --dumps 1 2>/dev/null | "$0" pprof -top`, bin)
	wantTop(t, r, 3)
}

func TestPprofCommandExitStatus(t *testing.T) {
	t.Parallel()
	t.Run("empty stdin", func(t *testing.T) {
		r := execute(t, nil, nil, "", bin, "pprof", "-top")
		wantExit(t, r, 2)
		wantOneLine(t, r, "stdin is empty")
	})
	t.Run("garbage stdin", func(t *testing.T) {
		garbage := filepath.Join(t.TempDir(), "garbage")
		if err := os.WriteFile(garbage, []byte("this is not a profile\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// What go tool pprof itself does with it.
		direct := goPprof(t, nil, "-top", garbage)
		if direct.code == 0 {
			t.Fatalf("go tool pprof accepted garbage:\n%v", direct)
		}
		f, err := os.Open(garbage)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := execute(t, nil, f, "", bin, "pprof", "-top")
		if r.code != direct.code {
			t.Errorf("gsysint-demo pprof exit status %d, go tool pprof's %d: want it passed through\n%v", r.code, direct.code, r)
		}
		if !strings.Contains(r.stderr, "unrecognized profile format") {
			t.Errorf("go tool pprof's message not passed through:\n%v", r)
		}
	})
	t.Run("bad pprof flag", func(t *testing.T) {
		path := writeProtobuf(t)
		direct := goPprof(t, nil, "-top", "-no-such-flag", path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := execute(t, nil, f, "", bin, "pprof", "-top", "-no-such-flag")
		if direct.code == 0 || r.code != direct.code {
			t.Errorf("exit status %d, go tool pprof's %d: want it passed through, non-zero\n%v\n%v", r.code, direct.code, r, direct)
		}
	})
	t.Run("spool removed", func(t *testing.T) {
		tmp := t.TempDir()
		f, err := os.Open(writeProtobuf(t))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		env := append(os.Environ(), "TMPDIR="+tmp, "PPROF_TMPDIR="+t.TempDir())
		r := execute(t, env, f, "", bin, "pprof", "-top")
		wantTop(t, r, 3)
		wantEmptyDir(t, tmp)
	})
}
