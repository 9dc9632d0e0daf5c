package walkthrough

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The lab is a temporary module ("module demo", "go 1.26") holding the
// programs of steps 1–4. It builds them all with the user's own go command
// as soon as the tour starts, a few at a time and in step order, so that
// a step usually finds its results ready. The default build cache serves
// them all: the standard library is compiled once, if at all.

// buildSpec is one go build the tour shows.
type buildSpec struct {
	id    string   // the binary's name under bin/; unique
	pkg   string   // the package directory in the lab module
	flags []string // go build flags, before -o
	run   bool     // run the binary if it links
}

func (b buildSpec) args() []string {
	return append(append([]string{"build"}, b.flags...), "-o", "bin/"+b.id, "./"+b.pkg)
}

// commandLine is the build as typed in the lab directory.
func (b buildSpec) commandLine() string { return "go " + strings.Join(b.args(), " ") }

// job is a build in progress or done. Its results are valid once done is
// closed.
type job struct {
	spec buildSpec
	done chan struct{}

	out    string // go's output, stdout and stderr together
	err    error  // nil if it built
	runOut string // the binary's output, stdout and stderr together
	runErr error
}

// lab runs the builds.
type lab struct {
	goTool  string // the go command; "" when there is none
	lookErr error  // why there is none
	dir     string // the module
	tmp     string // TMPDIR and GOTMPDIR of the commands
	version *job   // go version, run first
	jobs    map[string]*job
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Timeouts: a build with a warm cache takes about a second; a cold cache
// (or GOTOOLCHAIN fetching a toolchain) takes longer, but not this long.
const (
	buildTimeout = 3 * time.Minute
	runTimeout   = 30 * time.Second
)

// startLab writes the lab module under scratch and starts the builds. With
// no go command it starts nothing; steps then show their code only.
func startLab(ctx context.Context, scratch, goTool string, lookErr error, specs []buildSpec) (*lab, error) {
	l := &lab{goTool: goTool, lookErr: lookErr, dir: filepath.Join(scratch, "lab"), tmp: filepath.Join(scratch, "tmp"), jobs: map[string]*job{}}
	if goTool == "" {
		if l.lookErr == nil {
			l.lookErr = errors.New("no go command")
		}
		return l, nil
	}
	if err := os.Mkdir(l.tmp, 0o700); err != nil {
		return nil, err
	}
	if err := writeLab(l.dir); err != nil {
		return nil, err
	}
	ctx, l.cancel = context.WithCancel(ctx)
	queue := make(chan *job, len(specs)+1)
	l.version = &job{done: make(chan struct{})}
	queue <- l.version
	for _, s := range specs {
		j := &job{spec: s, done: make(chan struct{})}
		l.jobs[s.id] = j
		queue <- j
	}
	close(queue)
	// Each build is mostly one compile and one link, each of them using
	// about one CPU: run as many at once as there are CPUs, within reason.
	workers := min(max(runtime.NumCPU(), 2), 4)
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for j := range queue {
				l.do(ctx, j)
				close(j.done)
			}
		}()
	}
	return l, nil
}

// writeLab writes the lab module (labFiles) into dir.
func writeLab(dir string) error {
	for name, text := range labFiles {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// env is the environment of the go commands: the user's, with GOFLAGS
// replaced (a GOFLAGS=-ldflags=-checklinkname=0 in the environment or in
// go env -w would hide the very errors the tour shows; the value must not
// be empty, or go env -w's would apply), workspaces off, and temporary
// files in the lab's own directory, which goes with the tour even when a
// go command is interrupted before it cleans up.
func (l *lab) env() []string {
	return append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOWORK=off", "GO111MODULE=on",
		"TMPDIR="+l.tmp, "GOTMPDIR="+l.tmp)
}

func (l *lab) do(ctx context.Context, j *job) {
	if ctx.Err() != nil {
		j.err = ctx.Err()
		return
	}
	args := []string{"version"}
	if j != l.version {
		args = j.spec.args()
	}
	j.out, j.err = l.command(ctx, buildTimeout, l.goTool, args...)
	if j.err != nil || j == l.version || !j.spec.run {
		return
	}
	j.runOut, j.runErr = l.command(ctx, runTimeout, filepath.Join(l.dir, "bin", j.spec.id))
}

// command runs name in the lab directory and returns its output. A
// cancelled ctx interrupts it (the go command then stops its compilers and
// linkers) rather than killing it outright.
func (l *lab) command(ctx context.Context, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = l.dir
	cmd.Env = l.env()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", err, ctx.Err())
	}
	return string(out), err
}

// wait returns once j is done, or ctx's error.
func (l *lab) wait(ctx context.Context, j *job) error {
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the builds still running and waits for them.
func (l *lab) close() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

// toolchain prints, in the first compile step shown, which go builds the
// programs and where; in later ones, a reminder. It reports false (having
// said so) when there is no go command.
func (t *tour) toolchain(ctx context.Context) (bool, error) {
	l := t.lab
	if l.goTool == "" {
		t.note("There is no go command to compile with (%v):", l.lookErr)
		t.note("this step shows its code but cannot compile it. Install Go, or put it on PATH.")
		return false, nil
	}
	if t.toolchainShown {
		t.note("(the same go command and temporary module as above)")
		return true, nil
	}
	t.toolchainShown = true
	if err := l.wait(ctx, l.version); err != nil {
		return false, err
	}
	t.note("Compiling with your own go command, %s, in a temporary module:", l.goTool)
	t.command("cd " + l.dir + "    # go.mod: module demo, go 1.26")
	t.command("go version")
	t.indent(strings.TrimSpace(l.version.out))
	if l.version.err != nil {
		t.note("(%v)", l.version.err)
	}
	if v := l.goVersion(); v != "" && v != runtime.Version() {
		t.note("(this walkthrough itself was built by %s; the demonstrations below compile with %s)", runtime.Version(), v)
	}
	return true, nil
}

// goVersion returns the version go version printed ("go1.26.8"), or "".
func (l *lab) goVersion() string {
	if l.version == nil {
		return ""
	}
	<-l.version.done
	// go version go1.26.8 linux/amd64
	if f := strings.Fields(l.version.out); len(f) > 2 && f[0] == "go" && f[1] == "version" {
		return f[2]
	}
	return ""
}

// build prints build id as it ran: the command line, go's output, and the
// run of the binary if it built and runs. It returns the job, nil when the
// tour started after the step that schedules it.
func (t *tour) build(ctx context.Context, id string) (*job, error) {
	j := t.lab.jobs[id]
	if j == nil {
		return nil, fmt.Errorf("internal error: no build %q scheduled", id)
	}
	if err := t.lab.wait(ctx, j); err != nil {
		return nil, err
	}
	t.command(j.spec.commandLine())
	if out := strings.TrimSpace(j.out); out != "" {
		t.indent(out)
	}
	var exit *exec.ExitError
	switch {
	case j.err == nil:
		t.note("(built bin/%s)", j.spec.id)
	case errors.As(j.err, &exit):
		t.note("(%v: it did not build)", j.err)
		return j, nil
	default:
		// go did not run to the end: it could not start, or was stopped.
		return j, fmt.Errorf("go build ./%s: %w", j.spec.pkg, j.err)
	}
	if !j.spec.run {
		return j, nil
	}
	t.command("bin/" + j.spec.id)
	if out := strings.TrimSpace(j.runOut); out != "" {
		t.indent(out)
	}
	if j.runErr != nil {
		return j, fmt.Errorf("bin/%s: %w", j.spec.id, j.runErr)
	}
	return j, nil
}
