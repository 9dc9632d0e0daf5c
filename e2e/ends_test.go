package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gsysint-demo/internal/events"
)

// Every way a park run ends, other than its last dump: everything parked is
// released, every file is whole or absent, no temporary file is left.

// wantNoTemps fails the test if dir holds a temporary file (".NAME.tmp-*").
func wantNoTemps(t *testing.T, dir string) {
	t.Helper()
	for _, name := range dirNames(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temporary file %s left in %s", name, dir)
		}
	}
}

// signalledBy returns the signal that ended p, or 0 if p exited.
func signalledBy(p *proc) syscall.Signal {
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0
	}
	return ws.Signal()
}

// TestClosedStdout closes the read end of park's stdout after the first
// bytes of its dumps, as park | head does: park releases, writes its trace
// whole, and ends by SIGPIPE as a filter does.
func TestClosedStdout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := filepath.Join(dir, "run.trace")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, w, "park", "--dumps", "0", "--interval", "10ms", "--trace", trace)
	w.Close()
	if _, err := r.Read(make([]byte, 1)); err != nil {
		t.Fatalf("reading park's stdout: %v", err)
	}
	r.Close()
	code, stderr := p.wait()
	if sig := signalledBy(p); sig != syscall.SIGPIPE {
		t.Errorf("ended with exit status %d, signal %v; want SIGPIPE (a shell reports 141)", code, sig)
	}
	if len(matching(stderr, eventLine{name: "reader_gone"})) != 1 {
		t.Errorf("no line saying stdout was closed:\n%s", strings.Join(stderr, "\n"))
	}
	if n := released(t, stderr); n != 3 {
		t.Errorf("released %d, want 3", n)
	}
	if !containsPrefix(asText(stderr), "trace written to "+trace) {
		t.Errorf("no trace written line:\n%s", strings.Join(stderr, "\n"))
	}
	if got := dirNames(t, dir); len(got) != 1 || got[0] != "run.trace" {
		t.Errorf("files %v, want [run.trace]", got)
	}
	wantExit(t, gsys(t, "trace", trace), 0)
}

// TestStopWhileStdoutStalls stops park while its stdout is a pipe nobody
// reads (park | sleep 25): it releases within a bounded time anyway. With
// the goroutineleak profile, the release needs the lock the profile is
// taken under, which the dump must not hold while it writes.
func TestStopWhileStdoutStalls(t *testing.T) {
	t.Parallel()
	for _, s := range []struct {
		name string
		sig  os.Signal
		args []string
	}{
		{"SIGINT", os.Interrupt, nil},
		{"SIGTERM", syscall.SIGTERM, nil},
		{"goroutineleak SIGTERM", syscall.SIGTERM, []string{"--profile", "goroutineleak", "-r", "chan receive"}},
	} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			if len(s.args) > 0 && !hasLeakProfile(t) {
				t.Skip("this binary has no goroutineleak profile")
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// 20k goroutines make a dump of megabytes: far more than a
			// pipe holds.
			p := start(t, w, append([]string{"park", "-n", "20000", "--dumps", "0", "--interval", "10ms"}, s.args...)...)
			w.Close()
			p.waitFor(eventLine{name: "parking_done"})
			p.signal(s.sig)
			code, stderr := p.wait()
			if code != 0 {
				t.Fatalf("exit status %d, want 0:\n%s", code, strings.Join(stderr, "\n"))
			}
			if n := released(t, stderr); n != 20000 {
				t.Errorf("released %d, want 20000", n)
			}
			cutShort := eventLine{"dump_cut_short", func(ev events.Event) []string {
				if ev.(events.DumpCutShort).N != 1 {
					return nil
				}
				return []string{}
			}}
			if len(matching(stderr, cutShort)) != 1 {
				t.Errorf("no line saying the dump was left cut short:\n%s", strings.Join(stderr, "\n"))
			}
		})
	}
}

// TestStopWhileHTTPClientStalls: an HTTP client takes the first bytes of a
// goroutineleak?debug=2 dump, then reads no more. SIGINT still releases,
// within a bounded time: the server closes a client that stalls, and the
// leaked goroutines are readied under the leak profile's lock, which the
// dump does not hold while it writes.
func TestStopWhileHTTPClientStalls(t *testing.T) {
	t.Parallel()
	if !hasLeakProfile(t) {
		t.Skip("this binary has no goroutineleak profile")
	}
	const count = 50000
	p := start(t, nil, "park", "-r", "chan receive", "-n", strconv.Itoa(count), "--http", "127.0.0.1:0", "--serve-only")
	addr := p.waitFor(servingLine)[2]
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /debug/pprof/goroutineleak?debug=2 HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	conn.SetReadDeadline(time.Now().Add(lineBound))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("response %q, %v: want 200", status, err)
	}
	// The client reads no more of the dump's ~10 MB.
	p.signal(os.Interrupt)
	code, stderr := p.wait()
	if code != 0 {
		t.Fatalf("exit status %d, want 0:\n%s", code, strings.Join(stderr, "\n"))
	}
	if n := released(t, stderr); n != count {
		t.Errorf("released %d, want %d", n, count)
	}
}

// TestSignalsLeaveNoTemps: SIGHUP ends park as SIGTERM does (the trace and
// the dump being written are finished); SIGQUIT ends it at once with the
// runtime's goroutine dump, its temporary files removed first.
func TestSignalsLeaveNoTemps(t *testing.T) {
	t.Parallel()
	const count = 20000
	for _, s := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGHUP", syscall.SIGHUP}, {"SIGQUIT", syscall.SIGQUIT}} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			trace := filepath.Join(dir, "run.trace")
			p := start(t, nil, "park", "-n", strconv.Itoa(count), "--dumps", "0", "--interval", "1ms", "-o", dir, "--trace", trace)
			p.waitFor(dumpN(3))
			p.signal(s.sig)
			code, stderr := p.wait()
			dumps := matching(stderr, dumpLine)
			var want []string
			said := map[string]string{} // a dump's file name: the goroutines its dump line said
			for _, m := range dumps {
				want = append(want, filepath.Base(m[5]))
				said[filepath.Base(m[5])] = m[4]
			}
			got := dirNames(t, dir)
			switch s.sig {
			case syscall.SIGHUP:
				if code != 0 {
					t.Fatalf("exit status %d after SIGHUP, want 0:\n%s", code, strings.Join(stderr, "\n"))
				}
				if n := released(t, stderr); n != count {
					t.Errorf("released %d, want %d", n, count)
				}
				want = append(want, "run.trace")
			case syscall.SIGQUIT:
				if code != 2 || !containsPrefix(stderr, "SIGQUIT: quit") {
					t.Fatalf("exit status %d after SIGQUIT, want 2 and the runtime's SIGQUIT dump:\n%.2000s", code, strings.Join(stderr, "\n"))
				}
				// A dump committed as the signal came has no dump line:
				// it is whole, and it may be there.
				if len(got) == len(want)+1 && strings.HasPrefix(got[len(got)-1], "goroutine-") {
					want = append(want, got[len(got)-1])
				}
			}
			wantNoTemps(t, dir)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("files %v, want %v", got, want)
			}
			for _, name := range want {
				if name == "run.trace" {
					wantExit(t, gsys(t, "trace", trace), 0)
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				checkWholeDump(t, name, string(b), said[name], count)
			}
		})
	}
}

// TestTraceOnFullDisk writes the trace to a small tmpfs that it fills:
// park fails, says why, and leaves neither the trace nor its temporary file.
func TestTraceOnFullDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	trace := filepath.Join(dir, "run.trace")
	r := gsys(t, "park", "-n", "20000", "--dumps", "1", "--trace", trace)
	wantExit(t, r, 1)
	lines := r.stderrLines()
	text := asText(lines)
	last := text[len(text)-1]
	if !strings.HasPrefix(last, "gsysint-demo: ") || !strings.Contains(last, "no space left on device") {
		t.Errorf("last line %q: want the error, naming the full disk:\n%v", last, r)
	}
	if containsPrefix(text, "trace written") {
		t.Errorf("says the trace was written:\n%v", r)
	}
	if n := released(t, lines); n != 20000 {
		t.Errorf("released %d, want 20000", n)
	}
	wantEmptyDir(t, dir)
}

// TestReadOnlyPlace: --out and --trace on a read-only file system (which
// stops root too) are refused before anything starts.
func TestReadOnlyPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a read-only tmpfs (needs root; the read-only directory case of TestBadInput covers others): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	trace := filepath.Join(dir, "run.trace")
	r := gsys(t, "park", "--trace", trace)
	wantExit(t, r, 2)
	wantOneLine(t, r, trace, "not writable", "read-only file system")
	r = gsys(t, "park", "-o", dir)
	wantExit(t, r, 2)
	wantOneLine(t, r, dir, "not writable", "read-only file system")
}

// TestMemoryLimitAS: under ulimit -v, a count that cannot be allocated is
// refused up front as bad input, naming the limit (it was a fatal error
// with a traceback of millions of lines).
func TestMemoryLimitAS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := execute(t, nil, nil, "", "sh", "-c", `ulimit -v 2000000 && exec "$0" park -n 1000000 -o "$1"`, bin, dir)
	wantExit(t, r, 2)
	wantOneLine(t, r, "--count 1000000", "RLIMIT_AS")
	wantEmptyDir(t, dir)
}

// TestOutDirNeverClobbers: a second run into the same --out directory is
// refused rather than replacing the first run's dumps; debug=1 and debug=2
// dumps have names of their own; dumps and trace get the same mode.
func TestOutDirNeverClobbers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := filepath.Join(dir, "run.trace")
	wantExit(t, gsys(t, "park", "-o", dir, "--dumps", "1", "--trace", trace), 0)
	first, err := os.ReadFile(filepath.Join(dir, "goroutine-0001.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r := gsys(t, "park", "-o", dir, "--dumps", "1", "-r", "chan receive")
	wantExit(t, r, 2)
	wantOneLine(t, r, dir, "goroutine-0001.txt", "earlier run")
	if again, _ := os.ReadFile(filepath.Join(dir, "goroutine-0001.txt")); string(again) != string(first) {
		t.Errorf("the first run's dump changed")
	}
	wantExit(t, gsys(t, "park", "-o", dir, "--dumps", "1", "--debug", "1"), 0)
	wantExit(t, gsys(t, "park", "-o", dir, "--dumps", "1", "--debug", "0"), 0)
	want := []string{"goroutine-0001.debug1.txt", "goroutine-0001.pb.gz", "goroutine-0001.txt", "run.trace"}
	if got := dirNames(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", got, want)
	}
	for _, name := range want {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want -rw-r--r-- like every file park leaves", name, st.Mode().Perm())
		}
	}
}

// TestServeOnly: --serve-only serves --http and writes no dumps.
func TestServeOnly(t *testing.T) {
	t.Parallel()
	var stdout strings.Builder
	p := start(t, &stdout, "park", "--http", "127.0.0.1:0", "--serve-only")
	base := p.waitFor(servingLine)[1]
	if n := countHeaders(httpGet(t, base+"goroutine?debug=2"), defaultReason); n != 3 {
		t.Errorf("%d parked goroutines served, want 3", n)
	}
	p.interrupt(3)
	if stdout.Len() != 0 || len(matching(p.seen, dumpLine)) != 0 {
		t.Errorf("--serve-only dumped: stdout %d bytes; stderr:\n%s", stdout.Len(), p.stderr())
	}
}

// TestReasonInput: a runtime reason by its index, and the one whitespace
// rule for -r and --trace-reason.
func TestReasonInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string // the parked line's reasons
	}{
		{"index", []string{"-r", "19"}, `reason "chan receive" (19), trace reason "chan receive" (7)`},
		{"trace index", []string{"-r", "19", "--trace-reason", "7"}, `reason "chan receive" (19), trace reason "chan receive" (7)`},
		{"spaces trimmed", []string{"-r", " chan receive ", "--trace-reason", "  chan receive"}, `reason "chan receive" (19), trace reason "chan receive" (7)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gsys(t, append([]string{"park", "-n", "1", "--dumps", "1"}, tc.args...)...)
			wantExit(t, r, 0)
			if !slices.Contains(asText(r.stderrLines()), "parked 1 goroutine: "+tc.want) {
				t.Errorf("want %q in the parked line:\n%v", tc.want, r)
			}
		})
	}
}

// TestGzipToTerminal: --debug 0 refuses a terminal for stdout unless -o -
// insists. script(1) makes the terminal.
func TestGzipToTerminal(t *testing.T) {
	t.Parallel()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a pseudo-terminal")
	}
	refused := execute(t, nil, nil, "", script, "-qec", bin+" park --debug 0 --dumps 1", os.DevNull)
	wantExit(t, refused, 2)
	if !strings.Contains(refused.stdout, "gsysint-demo: park: --debug 0 writes gzip bytes and stdout is a terminal") || strings.Count(strings.TrimSpace(refused.stdout), "\n") != 0 {
		t.Errorf("want one line refusing the terminal:\n%v", refused)
	}
	insisted := execute(t, nil, nil, "", script, "-qec", bin+" park --debug 0 --dumps 1 -o -", os.DevNull)
	wantExit(t, insisted, 0)
	if !strings.Contains(insisted.stdout, "\x1f") {
		t.Errorf("-o -: no gzip bytes on the terminal:\n%v", insisted)
	}
}

// TestPprofEnds: gsysint-demo pprof -http ended by SIGINT to its process
// group (Ctrl-C) or by SIGTERM (timeout) leaves no spool file.
func TestPprofEnds(t *testing.T) {
	t.Parallel()
	profile := writeProtobuf(t)
	for _, s := range []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{{"SIGINT to the group", syscall.SIGINT, true}, {"SIGTERM", syscall.SIGTERM, false}} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			in, err := os.Open(profile)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			cmd := exec.Command(bin, "pprof", "-http=127.0.0.1:0", "-no_browser")
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "PPROF_TMPDIR="+t.TempDir())
			cmd.Stdin = in
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			pipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(pipe)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			timeout := time.After(runBound)
		serving:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						cmd.Wait()
						t.Fatalf("pprof ended before serving")
					}
					if strings.HasPrefix(l, "Serving web UI on ") {
						break serving
					}
				case <-timeout:
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("pprof not serving within %v", runBound)
				}
			}
			if names := ours(dirNames(t, tmp)); len(names) != 1 || !strings.HasPrefix(names[0], "gsysint-demo-pprof-stdin-") {
				t.Errorf("while serving, TMPDIR holds %v, want one gsysint-demo-pprof-stdin-* spool file", names)
			}
			target := cmd.Process.Pid
			if s.group {
				target = -target
			}
			if err := syscall.Kill(target, s.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				for range lines {
				}
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(exitBound):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				t.Fatalf("pprof still running %v after %v", exitBound, s.sig)
			}
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 128+int(s.sig) {
				t.Errorf("exit status %d (%v), want %d", code, cmd.ProcessState, 128+int(s.sig))
			}
			if names := ours(dirNames(t, tmp)); len(names) != 0 {
				t.Errorf("TMPDIR holds %v after %v, want no spool file", names, s.sig)
			}
		})
	}
}

// ours leaves out the go command's own work directories (go-build*), which
// go tool may make and removes itself.
func ours(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "go-build") {
			out = append(out, n)
		}
	}
	return out
}

// TestPprofInput: no output flag, debug=2 text and garbage get messages
// about stdin, not about the spool file.
func TestPprofInput(t *testing.T) {
	t.Parallel()
	profile := writeProtobuf(t)
	text := filepath.Join(t.TempDir(), "g.txt")
	r := gsys(t, "park", "--dumps", "1")
	wantExit(t, r, 0)
	if err := os.WriteFile(text, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("this is not a profile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pprof := func(input string, args ...string) result {
		f, err := os.Open(input)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return execute(t, pprofEnv(t.TempDir()), f, "", bin, append([]string{"pprof"}, args...)...)
	}
	r = pprof(profile)
	wantExit(t, r, 2)
	wantOneLine(t, r, "want an output flag", "-top")
	r = pprof(text, "-top")
	wantExit(t, r, 2)
	wantOneLine(t, r, "debug=2 text", "gsysint-demo report")
	r = pprof(garbage, "-top")
	if r.code == 0 || !strings.Contains(r.stderr, "stdin: parsing profile") || strings.Contains(r.stderr, "gsysint-demo-pprof") {
		t.Errorf("want pprof's failure naming stdin, not the spool file:\n%v", r)
	}
	help := gsys(t, "pprof", "--help")
	wantExit(t, help, 0)
	if regexp.MustCompile(`(?m)^COMMANDS:|^\s+help, h\s`).MatchString(help.stdout) {
		t.Errorf("pprof --help lists a help command:\n%s", help.stdout)
	}
}

// TestDemoScript runs scripts/demo.sh with the binary under test, then
// every command it printed, as printed, in the directory it kept: what it
// shows can be copied and run.
func TestDemoScript(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	env := append(os.Environ(), "GSYSINT_DEMO_BIN="+bin, "TMPDIR="+tmp, "PPROF_TMPDIR="+t.TempDir())
	r := execute(t, env, nil, "", "bash", "../scripts/demo.sh")
	wantExit(t, r, 0)
	m := regexp.MustCompile(`(?m)^Files kept in (\S+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no \"Files kept in DIR\" line:\n%v", r)
	}
	kept := m[1]
	for _, name := range []string{"g.pb.gz", "t.out"} {
		if _, err := os.Stat(filepath.Join(kept, name)); err != nil {
			t.Errorf("the demo points at %s: %v", name, err)
		}
	}
	var cmds []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if c, ok := strings.CutPrefix(line, "$ "); ok {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) < 5 {
		t.Fatalf("%d commands shown, want at least 5:\n%v", len(cmds), r)
	}
	path := filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")
	for _, c := range cmds {
		again := execute(t, append(env, "PATH="+path), nil, kept, "bash", "-o", "pipefail", "-c", c)
		if again.code != 0 {
			t.Errorf("the command as shown fails:\n%v", again)
		}
	}
}
