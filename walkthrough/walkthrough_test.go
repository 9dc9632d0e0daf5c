package walkthrough

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gsysint-demo/internal/errwriter"
)

// The end-to-end tests run gsysint-demo walkthrough as a user would: the
// binary is built once per test run, with the go command on PATH (go test
// puts its own toolchain's first, so GOTOOLCHAIN carries through).

var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "walkthrough-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gsysint-demo")
	out, err := exec.Command("go", "build", "-ldflags=-checklinkname=0", "-o", bin, "gsysint-demo").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := binary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// runBound is how long a run of the binary may take before it is sent
// SIGQUIT (its goroutines then show what it was stuck on) and the test fails.
const runBound = 3 * time.Minute

// command returns bin with args, to be run within runBound.
func command(t *testing.T, name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// run runs the built binary with args, stdin and extra environment. The
// walkthrough's temporary files go to a directory of the test's own, which
// must be empty again when it exits.
func run(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := command(t, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("walkthrough %v left files in TMPDIR: %v", args, left)
	}
	return r
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

func stepHeader(n int) string {
	return fmt.Sprintf("Step %d of %d: %s", n, len(steps), steps[n-1].Title)
}

func TestNoPause(t *testing.T) {
	r := run(t, "", nil, "walkthrough", "--no-pause")
	t.Logf("walkthrough --no-pause took %v", r.elapsed)
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
	}
	for n := 1; n <= len(steps); n++ {
		if c := strings.Count(r.stdout, stepHeader(n)); c != 1 {
			t.Errorf("step %d's header %q appears %d times, want once", n, stepHeader(n), c)
		}
	}
	mustContain(t, "walkthrough --no-pause", r.stdout,
		// The real toolchain, steps 1–4.
		"undefined: runtime.gopark",
		"  runtime.gopark ", "  runtime.chanrecv ", "  "+blockedReceiveFunc+" ",
		"invalid reference to runtime.lock",
		"took and released a runtime lock",
		"missing function body",
		"hello from package greet, called as main.greeting",
		"runtime·nanotime1 says",
		"not defined for ABI0",
		// The live runtime, steps 5–10.
		" [chan receive]:",
		" [waiting for godot]:",
		`# labels: {"reason":"waiting for godot"`,
		`label:  reason = "waiting for godot"`,
		`"waiting for the bus"`,
		"is refused: suspendG class",
		"is out of range",
		"gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME",
		// Step 11, the census.
		`state "waiting for godot"`,
		"labels:         {reason: waiting for godot, step: 11, trace_reason: unspecified}",
		"two GCs later (runtime.GC()), the runtime has an age for it:",
		" [waiting for godot]:",
		`"step":"11"`,
		"census.TakeGroups: ",
		"runtime.Stack (debug=2): ",
		"That was the whole tour.",
	)
	if pprof.Lookup("goroutineleak") != nil {
		mustContain(t, "walkthrough --no-pause", r.stdout, " [chan receive (leaked)]:", "of which 1 had been marked leaked")
	} else {
		mustContain(t, "walkthrough --no-pause", r.stdout, "has no goroutineleak profile")
	}
	mustNotContain(t, "walkthrough --no-pause", r.stdout+r.stderr, "\033[", PromptText, "This demonstration failed")
}

func TestList(t *testing.T) {
	r := run(t, "", nil, "walkthrough", "--list")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit status %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(steps) {
		t.Fatalf("--list printed %d lines, want %d:\n%s", len(lines), len(steps), r.stdout)
	}
	for i, line := range lines {
		if want := fmt.Sprintf("%2d. %s", i+1, steps[i].Title); line != want {
			t.Errorf("--list line %d = %q, want %q", i+1, line, want)
		}
	}
}

func TestStartAtStep(t *testing.T) {
	r := run(t, "", nil, "walkthrough", "--no-pause", "--from", "9")
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.HasPrefix(strings.TrimLeft(r.stdout, "\n"), stepHeader(9)) {
		t.Errorf("the output does not start with %q:\n%.300s", stepHeader(9), r.stdout)
	}
	mustContain(t, "walkthrough --from 9", r.stdout, stepHeader(10), "That was the whole tour")
	for n := 1; n < 9; n++ {
		mustNotContain(t, "walkthrough --from 9", r.stdout, fmt.Sprintf("Step %d of", n))
	}
	// Nothing to compile from step 9 on: no go command runs.
	mustNotContain(t, "walkthrough --from 9", r.stdout, "$ go ")
}

// TestOneStep: --step N runs step N and no other.
func TestOneStep(t *testing.T) {
	r := run(t, "", nil, "walkthrough", "--no-pause", "--step", "9")
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.HasPrefix(strings.TrimLeft(r.stdout, "\n"), stepHeader(9)) {
		t.Errorf("the output does not start with %q:\n%.300s", stepHeader(9), r.stdout)
	}
	for n := 1; n <= len(steps); n++ {
		if n != 9 {
			mustNotContain(t, "walkthrough --step 9", r.stdout, fmt.Sprintf("Step %d of", n))
		}
	}
	mustNotContain(t, "walkthrough --step 9", r.stdout, "That was the whole tour")
	mustContain(t, "walkthrough --step 9", r.stdout, "To go on: gsysint-demo walkthrough --from 10")
}

func TestBadStep(t *testing.T) {
	for _, flag := range []string{"--step", "--from"} {
		for _, arg := range []string{"99", "0", "-1"} {
			r := run(t, "", nil, "walkthrough", "--no-pause", flag, arg)
			if r.code != 2 {
				t.Errorf("%s %s: exit status %d, want 2", flag, arg, r.code)
			}
			if r.stdout != "" {
				t.Errorf("%s %s: stdout %q, want nothing", flag, arg, r.stdout)
			}
			want := fmt.Sprintf("gsysint-demo: walkthrough: %s %s: want a step from 1 to %d (see --list)\n", flag, arg, len(steps))
			if r.stderr != want {
				t.Errorf("%s %s: stderr %q, want %q", flag, arg, r.stderr, want)
			}
		}
	}
	r := run(t, "", nil, "walkthrough", "--step", "nine")
	if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "nine") {
		t.Errorf("--step nine: exit status %d, stderr %q; want 2 and one line naming the value", r.code, r.stderr)
	}
}

// TestInteractive answers the prompt through a pipe: Enter, Enter, q.
// stdin is then not a terminal, so --pause asks for the prompts.
func TestInteractive(t *testing.T) {
	r := run(t, "\n\nq\n", nil, "walkthrough", "--pause")
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	for n := 1; n <= 3; n++ {
		mustContain(t, "stdout", r.stdout, stepHeader(n))
	}
	mustNotContain(t, "stdout", r.stdout, "Step 4 of", "That was the whole tour")
	if c := strings.Count(r.stderr, PromptText); c != 3 {
		t.Errorf("the prompt appears %d times on stderr, want 3:\n%s", c, r.stderr)
	}
	mustContain(t, "stdout", r.stdout, "Stopped after step 3 of 11. To go on from there: gsysint-demo walkthrough --from 4")
	mustNotContain(t, "output", r.stdout+r.stderr, "\033[")

	// Without --pause, a pipe on stdin does not make it interactive. (From
	// step 9: the last step asks nothing either way.)
	r = run(t, "q\n", nil, "walkthrough", "--from", "9")
	if r.code != 0 || !strings.Contains(r.stdout, "That was the whole tour") {
		t.Errorf("without --pause: exit status %d, want 0 and the whole tour from step 9:\n%s", r.code, r.stdout)
	}
	mustNotContain(t, "stderr", r.stderr, PromptText)
	// The end of the input ends the tour like q.
	r = run(t, "", nil, "walkthrough", "--pause", "--from", "9")
	if r.code != 0 || !strings.Contains(r.stdout, "Stopped after step 9 of 11") {
		t.Errorf("at the end of stdin: exit status %d, want 0 and a stop after step 9:\n%s", r.code, r.stdout)
	}
}

// TestInterrupt sends SIGINT while the tour waits at the prompt: it stops,
// says so and exits 0.
func TestInterrupt(t *testing.T) {
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := command(t, bin, "walkthrough", "--pause", "--from", "9")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the prompt (it ends without a newline), then interrupt.
	br := bufio.NewReader(stderr)
	var seen strings.Builder
	for !strings.Contains(seen.String(), PromptText) {
		b, err := br.ReadByte()
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no prompt before %v; stderr so far: %q", err, seen.String())
		}
		seen.WriteByte(b)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(br)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v, want exit status 0; stderr: %s%s", err, seen.String(), rest)
	}
	mustContain(t, "stderr", string(rest), "interrupted: everything the walkthrough parked has been released")
}

// TestNoGoCommand runs the compile steps with no go on PATH: they say so
// and the tour goes on.
func TestNoGoCommand(t *testing.T) {
	r := run(t, "", []string{"PATH=" + t.TempDir()}, "walkthrough", "--no-pause", "--from", "4")
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	mustContain(t, "stdout", r.stdout, "There is no go command to compile with", stepHeader(5), "That was the whole tour.")
	mustNotContain(t, "stdout", r.stdout, "$ go build")
}

// TestTerminal runs the walkthrough on a pseudo-terminal made by script(1):
// colour unless NO_COLOR is set, and prompts without --pause.
func TestTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a pseudo-terminal")
	}
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	onTerminal := func(stdin string, env ...string) string {
		cmd := command(t, script, "-qec", bin+" walkthrough --from 9", os.DevNull)
		cmd.Env = append(append(os.Environ(), "TMPDIR="+t.TempDir()), env...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
		return string(out)
	}
	out := onTerminal("q\n")
	mustContain(t, "output on a terminal", out, bold+stepHeader(9)+reset, dim+PromptText, "Stopped after step 9 of 11")
	mustNotContain(t, "output on a terminal", out, "Step 10 of")

	out = onTerminal("q\n", "NO_COLOR=1")
	mustNotContain(t, "output on a terminal with NO_COLOR=1", out, "\033[")
	mustContain(t, "output on a terminal with NO_COLOR=1", out, PromptText, "Stopped after step 9 of 11")
}

func TestPrompter(t *testing.T) {
	for _, tc := range []struct {
		in    string
		quits []bool // the answers to successive prompts
	}{
		{"\n\nq\n", []bool{false, false, true}},
		{"go on\nQuit\n", []bool{false, true}},
		{" exit \n", []bool{true}},
		{"q", []bool{true}}, // a last line without a newline
		{"\n", []bool{false, true}},
		{"", []bool{true}},
	} {
		var out bytes.Buffer
		p := newPrompter(strings.NewReader(tc.in), &printer{w: &errwriter.Writer{W: &out}})
		for i, want := range tc.quits {
			quit, err := p.next(context.Background())
			if err != nil || quit != want {
				t.Errorf("input %q, prompt %d: quit %v, error %v; want %v, nil", tc.in, i+1, quit, err, want)
			}
		}
		p.close()
		if c := strings.Count(out.String(), PromptText); c != len(tc.quits) {
			t.Errorf("input %q: %d prompts, want %d", tc.in, c, len(tc.quits))
		}
	}

	// A cancelled context ends the wait for a line that never comes.
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newPrompter(r, &printer{w: &errwriter.Writer{W: io.Discard}})
	defer p.close()
	if quit, err := p.next(ctx); !quit || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: quit %v, error %v; want true, context.Canceled", quit, err)
	}
}

// TestQuotedCode checks that every excerpt of gsysint-demo's code a step
// shows is still in the file it names: each line (trimmed; "..." marks a
// cut, and a line ending in "..." is a prefix) is in some line of it.
func TestQuotedCode(t *testing.T) {
	for n, s := range steps {
		for _, c := range s.Code {
			if !c.Quoted {
				continue
			}
			src, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(c.Name)))
			if err != nil {
				t.Errorf("step %d: %v", n+1, err)
				continue
			}
			for _, line := range strings.Split(c.Text, "\n") {
				line = strings.TrimSpace(line)
				line = strings.TrimSpace(strings.TrimSuffix(line, "..."))
				if line == "" {
					continue
				}
				if !bytes.Contains(src, []byte(line)) {
					t.Errorf("step %d quotes %s, which has no line with %q", n+1, c.Name, line)
				}
			}
		}
	}
}

// TestLabPrograms checks the programs the tour compiles: gofmt-clean, and
// each file a step shows or builds exists.
func TestLabPrograms(t *testing.T) {
	for name, text := range labFiles {
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		formatted, err := format.Source([]byte(text))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if string(formatted) != text {
			t.Errorf("%s is not gofmt-formatted; gofmt says:\n%s", name, formatted)
		}
	}
	// Step 3 says the two builds differ only in pushstub/stub.s.
	if labFiles["pushnostub/main.go"] != labFiles["pushstub/main.go"] {
		t.Errorf("_lab/pushnostub/main.go and _lab/pushstub/main.go differ; step 3 shows one file for both")
	}
	ids := map[string]bool{}
	for n, s := range steps {
		for _, b := range s.builds {
			if ids[b.id] {
				t.Errorf("step %d: build id %q is used twice", n+1, b.id)
			}
			ids[b.id] = true
			if _, ok := labFiles[b.pkg+"/main.go"]; !ok {
				t.Errorf("step %d: build %q of ./%s: no %s/main.go in the lab", n+1, b.id, b.pkg, b.pkg)
			}
		}
	}
}

// TestLabVet runs go vet on the lab module as the tour writes it (go vet
// ./... of gsysint-demo skips _lab/). Every package passes but unexported,
// whose call of runtime.gopark is the compile error step 1 shows.
func TestLabVet(t *testing.T) {
	dir := t.TempDir()
	if err := writeLab(dir); err != nil {
		t.Fatal(err)
	}
	l := &lab{dir: dir, tmp: t.TempDir()}
	cmd := command(t, "go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = l.env()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go vet ./... in the lab passed; want it to refuse unexported/main.go. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "unexported/main.go:7:10: undefined: runtime.gopark") {
		t.Errorf("go vet ./... in the lab does not say undefined: runtime.gopark at unexported/main.go:7:10")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.Contains(line, "unexported") {
			t.Errorf("go vet ./... in the lab: %s", line)
		}
	}
	if t.Failed() {
		t.Logf("go vet ./... output:\n%s", out)
	}
}

// TestSteps checks the shape of the tour: eleven steps, each with a title,
// an explanation, a demonstration and something to notice.
func TestSteps(t *testing.T) {
	if len(Steps()) != 11 {
		t.Fatalf("%d steps, want 11", len(Steps()))
	}
	for n, s := range Steps() {
		if s.Title == "" || strings.Contains(s.Title, "\n") || s.Explain == "" || s.Notice == "" || s.live == nil {
			t.Errorf("step %d (%q) lacks a one-line title, an explanation, a notice or a demonstration", n+1, s.Title)
		}
	}
}
