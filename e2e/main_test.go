package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gsysint-demo/internal/events"
)

// Paths set by TestMain.
var (
	bin    string // the gsysint-demo binary under test
	goTool string // the go command on PATH, which built bin
)

// Bounds. A command that outlives its bound is killed (after a SIGQUIT, so
// that its goroutine dump is in the failure message) and the test fails.
const (
	runBound  = 60 * time.Second // a command run to completion
	lineBound = 20 * time.Second // waiting for one stderr line
	exitBound = 20 * time.Second // waiting for exit after a signal or the last line
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	flag.Parse()
	var err error
	if goTool, err = exec.LookPath("go"); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: no go command on PATH: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "gsysint-demo-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "gsysint-demo")
	build := exec.Command(goTool, "build", "-ldflags=-checklinkname=0", "-o", bin, "gsysint-demo")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s: %v\n%s", strings.Join(build.Args, " "), err, out)
		return 1
	}
	// go tool pprof may be built on first use (a downloaded toolchain):
	// do it here, so that no test's bound includes it.
	warm := exec.Command(goTool, "tool", "pprof", "-h")
	warm.Env = pprofEnv(dir)
	warm.Run()
	return m.Run()
}

// pprofEnv is the environment for go tool pprof: fetched profiles are
// saved under dir, not $HOME/pprof.
func pprofEnv(dir string) []string {
	return append(os.Environ(), "PPROF_TMPDIR="+dir)
}

// result is a finished command.
type result struct {
	args           []string
	stdout, stderr string
	code           int // exit status; -1 if killed by a signal
	state          string
}

func (r result) String() string {
	return fmt.Sprintf("%s: %s\n--- stdout (%d bytes):\n%s\n--- stderr:\n%s", strings.Join(r.args, " "), r.state, len(r.stdout), clip(r.stdout, 2000), clip(r.stderr, 4000))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n... (%d more bytes)", len(s)-n)
}

// stderrLines returns r's stderr as lines, without the final newline.
func (r result) stderrLines() []string {
	s := strings.TrimSuffix(r.stderr, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// gsys runs the binary with args to completion, stdin empty. park runs
// with --log-format json unless args say otherwise (see withLogFormat).
func gsys(t *testing.T, args ...string) result {
	t.Helper()
	return execute(t, nil, nil, "", bin, withLogFormat(args)...)
}

// withLogFormat adds --log-format json to a park command line that gives
// no --log-format: the tests read what park tells in its JSON form, which
// is for programs (the text form is pinned by internal/events' golden
// files and by TestLogFormatsAgree).
func withLogFormat(args []string) []string {
	if len(args) == 0 || args[0] != "park" {
		return args
	}
	for _, a := range args {
		if a == "--log-format" || strings.HasPrefix(a, "--log-format=") {
			return args
		}
	}
	return append([]string{"park", "--log-format", "json"}, args[1:]...)
}

// execute runs name with args in dir (if not "") to completion within runBound.
func execute(t *testing.T, env []string, stdin io.Reader, dir, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: cmd.Args, stdout: stdout.String(), stderr: stderr.String()}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
		r.state = cmd.ProcessState.String()
	}
	if ctx.Err() != nil {
		t.Fatalf("still running after %v, killed:\n%v", runBound, r)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return r
}

// wantExit fails the test unless r exited with code.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d (%s), want %d:\n%v", r.code, r.state, code, r)
	}
}

// proc is a gsysint-demo process that a test talks to while it runs: it
// reads the process's stderr line by line.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // stderr lines, closed at EOF
	seen   []string    // stderr lines read so far
	eof    bool
	exited bool
}

// start starts the binary with args, stdout to stdout (nil: discarded);
// park runs with --log-format json unless args say otherwise. The process
// is killed at the end of the test if it is still running.
func start(t *testing.T, stdout io.Writer, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, withLogFormat(args)...)
	cmd.Stdout = stdout
	return startCmd(t, cmd)
}

// startCmd is start for a command of the test's making (the binary run
// through a shell that sets a limit first, say).
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, lines: make(chan string, 64)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if !p.exited {
			cmd.Process.Kill()
			for range p.lines {
			}
			cmd.Wait()
		}
	})
	return p
}

// stderr is what p wrote to stderr so far (as far as it was read).
func (p *proc) stderr() string { return strings.Join(p.seen, "\n") }

// readResult says what read found.
type readResult int

const (
	gotLine     readResult = iota // a line, appended to p.seen
	endOfStderr                   // p closed its stderr
	timedOut                      // timeout fired first
)

// read reads p's next stderr line into p.seen, unless timeout fires first.
func (p *proc) read(timeout <-chan time.Time) readResult {
	if p.eof {
		return endOfStderr
	}
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.eof = true
			return endOfStderr
		}
		p.seen = append(p.seen, line)
		return gotLine
	case <-timeout:
		return timedOut
	}
}

// waitFor reads p's stderr until a line matches re and returns its
// submatches; it fails the test if p ends its stderr or lineBound passes first.
func (p *proc) waitFor(re lineMatcher) []string {
	p.t.Helper()
	var m []string
	next := len(p.seen) // lines read before the call do not count
	p.pollUntil(fmt.Sprintf("a stderr line matched %q", re), func() bool {
		for ; m == nil && next < len(p.seen); next++ {
			m = re.FindStringSubmatch(p.seen[next])
		}
		return m != nil
	})
	return m
}

// signal sends sig to p.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait reads the rest of p's stderr and waits for p to exit, within
// exitBound, and returns its exit status and whole stderr.
func (p *proc) wait() (code int, stderr []string) {
	p.t.Helper()
	return p.waitWithin(exitBound)
}

// waitWithin is wait with bound d.
func (p *proc) waitWithin(d time.Duration) (code int, stderr []string) {
	p.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		switch p.read(timer.C) {
		case timedOut:
			p.quit()
			p.t.Fatalf("%s: still running %v later; stderr:\n%s", strings.Join(p.cmd.Args, " "), d, p.stderr())
		case endOfStderr:
			code, _ = p.reap()
			return code, p.seen
		}
	}
}

// interrupt sends p SIGINT and checks that it exits 0 after releasing
// the goroutines it parked.
func (p *proc) interrupt(parked int) {
	p.t.Helper()
	p.signal(os.Interrupt)
	code, stderr := p.wait()
	if code != 0 {
		p.t.Errorf("exit status %d after SIGINT, want 0:\n%s", code, strings.Join(stderr, "\n"))
	}
	if n := released(p.t, stderr); n != parked {
		p.t.Errorf("released %d goroutines after SIGINT, want %d", n, parked)
	}
}

func (p *proc) reap() (int, string) {
	p.cmd.Wait()
	p.exited = true
	return p.cmd.ProcessState.ExitCode(), p.cmd.ProcessState.String()
}

// quit has p print its goroutines (SIGQUIT), then kills it, and collects
// what it printed, for a failure message.
func (p *proc) quit() {
	p.cmd.Process.Signal(syscall.SIGQUIT)
	timer := time.NewTimer(3 * time.Second)
	defer timer.Stop()
	for {
		switch p.read(timer.C) {
		case timedOut:
			p.cmd.Process.Kill()
			timer.Reset(3 * time.Second)
		case endOfStderr:
			p.reap()
			return
		}
	}
}

// pollUntil calls cond every few milliseconds, reading p's stderr
// meanwhile, until cond is true; it fails the test if p exits or
// lineBound passes first.
func (p *proc) pollUntil(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(lineBound)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		switch p.read(tick.C) {
		case endOfStderr:
			code, state := p.reap()
			p.t.Fatalf("%s: exited (%d, %s) before %s; stderr:\n%s", strings.Join(p.cmd.Args, " "), code, state, what, p.stderr())
		case timedOut:
			if time.Now().After(deadline) {
				p.quit()
				p.t.Fatalf("%s: not %s within %v; stderr:\n%s", strings.Join(p.cmd.Args, " "), what, lineBound, p.stderr())
			}
		}
	}
}

// lineMatcher finds a line of stderr and returns its parts, as a
// *regexp.Regexp does: a regular expression for free text, an eventLine for
// what park tells.
type lineMatcher interface {
	FindStringSubmatch(line string) []string
}

// eventLine matches a line of park's JSON form that holds an event named
// name, and returns the line and, if fields is not nil, the fields it
// gives (nil from fields: no match).
type eventLine struct {
	name   string
	fields func(events.Event) []string
}

func (m eventLine) FindStringSubmatch(line string) []string {
	if !strings.HasPrefix(line, "{") {
		return nil // the runtime's SIGQUIT dump, say
	}
	ev, err := events.Decode([]byte(line))
	if err != nil || ev.Name() != m.name {
		return nil
	}
	if m.fields == nil {
		return []string{line}
	}
	f := m.fields(ev)
	if f == nil {
		return nil
	}
	return append([]string{line}, f...)
}

// Events the tests look for on park's stderr, with the fields they read.
var (
	// parkedLine gives the count, the reason and the trace reason as
	// the text form shows them ("chan receive" (19)).
	parkedLine = eventLine{"parked", func(ev events.Event) []string {
		e := ev.(events.Parked)
		return []string{strconv.Itoa(e.Count), e.Reason.String(), e.TraceReason.String()}
	}}
	// dumpLine gives n, profile, debug, goroutines and the file written
	// ("" for stdout).
	dumpLine = eventLine{"dump", func(ev events.Event) []string {
		e := ev.(events.Dump)
		return []string{strconv.Itoa(e.N), string(e.Profile), strconv.Itoa(int(e.Debug)), strconv.Itoa(e.Goroutines), e.Path}
	}}
	// releasedLine gives the count released and, of them, the count the
	// goroutineleak profile had marked leaked.
	releasedLine = eventLine{"released", func(ev events.Event) []string {
		e := ev.(events.Released)
		return []string{strconv.Itoa(e.Released), strconv.Itoa(e.LeakedRecovered)}
	}}
	// servingLine gives pprof's URL (http://ADDR/debug/pprof/) and ADDR.
	servingLine = eventLine{"serving_pprof", func(ev events.Event) []string {
		e := ev.(events.ServingPprof)
		return []string{e.URL, e.Addr}
	}}
	// liveLine gives the live page's URL.
	liveLine = eventLine{"live_page", func(ev events.Event) []string {
		return []string{ev.(events.LivePage).URL}
	}}
	// a debug=2 header: goroutine 23 [waiting for godot]:
	headerRE = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]:$`)
)

// dumpN matches the event of dump n.
func dumpN(n int) eventLine {
	return eventLine{"dump", func(ev events.Event) []string {
		if ev.(events.Dump).N != n {
			return nil
		}
		return []string{}
	}}
}

// asText is park's stderr lines with each JSON event line in the text
// form, as a user would have read it: for the tests that check what the
// text says.
func asText(lines []string) []string {
	var out []string
	for _, l := range lines {
		ev, err := events.Decode([]byte(l))
		if !strings.HasPrefix(l, "{") || err != nil {
			out = append(out, l)
			continue
		}
		var b strings.Builder
		events.NewWriter(&b, events.Text).Emit(ev)
		out = append(out, strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")...)
	}
	return out
}

// matching returns the lines that match re, as submatches.
func matching(lines []string, re lineMatcher) [][]string {
	var out [][]string
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// released checks that stderr has exactly one release line and returns the count.
func released(t *testing.T, stderr []string) int {
	t.Helper()
	m := matching(stderr, releasedLine)
	if len(m) != 1 {
		t.Fatalf("want one release line, got %d; stderr:\n%s", len(m), strings.Join(stderr, "\n"))
	}
	n, _ := strconv.Atoi(m[0][1])
	return n
}

// countHeaders counts the debug=2 goroutine headers in text whose state is
// exactly state ("" for any state).
func countHeaders(text, state string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if m := headerRE.FindStringSubmatch(line); m != nil && (state == "" || m[2] == state) {
			n++
		}
	}
	return n
}

// binaryGo is the Go version the binary under test reports ("go1.27.3").
func binaryGo(t *testing.T) string {
	t.Helper()
	r := gsys(t, "version")
	wantExit(t, r, 0)
	m := regexp.MustCompile(`(?m)^go:\s+(go\S+) `).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no go: line in version output:\n%s", r.stdout)
	}
	return m[1]
}

// hasLeakProfile says whether the binary registers the goroutineleak
// profile: Go 1.27 on, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile.
func hasLeakProfile(t *testing.T) bool {
	v := binaryGo(t)
	if strings.HasPrefix(v, "go1.26") {
		return strings.Contains(os.Getenv("GOEXPERIMENT"), "goroutineleakprofile")
	}
	return true
}

func TestToolchain(t *testing.T) {
	v := binaryGo(t)
	t.Logf("test binary %s, gsysint-demo built by %s (%s) reports %s", runtime.Version(), goTool, os.Getenv("GOTOOLCHAIN"), v)
	if v != runtime.Version() {
		t.Errorf("gsysint-demo runs on %s, the test on %s: the go on PATH is not the toolchain running the tests", v, runtime.Version())
	}
}
