package walkthrough

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"gsysint-demo/internal/errwriter"
)

// Step is one numbered step of the tour: data to print, and a live
// demonstration to run.
type Step struct {
	Title   string    // one line; the tour prints "Step N of M: Title"
	Explain string    // a few lines of plain words
	Code    []Snippet // the code in question
	Notice  string    // what to notice in the live output

	builds []buildSpec                              // compile demos it shows, started ahead of time
	live   func(ctx context.Context, t *tour) error // the demonstration
}

// Snippet is a piece of code a step shows.
type Snippet struct {
	// Name is a path: in the temporary module for the programs the tour
	// compiles, in gsysint-demo's source tree when Quoted.
	Name string
	Text string
	// Quoted says Text is an excerpt of gsysint-demo's own file Name; a
	// test checks that each of its lines is still in that file.
	Quoted bool
}

// Steps returns the tour's steps, in order; step N is Steps()[N-1].
func Steps() []Step { return append([]Step(nil), steps...) }

// Options configures [Run].
type Options struct {
	Out    io.Writer // the tour
	Prompt io.Writer // the prompt between steps; nil means Out
	In     io.Reader // the answers to the prompt, one line each
	// Pause prompts "Enter to continue, q to quit" after every step but the
	// last and reads a line from In: q (or quit, or the end of In) stops the
	// tour, anything else goes on.
	Pause bool
	Start int  // the first step, 1 to len(Steps()); 0 means 1
	End   int  // the last step, Start to len(Steps()); 0 means len(Steps())
	Color bool // bold titles and dim notes (ANSI escapes)
	// Go is the go command that compiles the demonstration programs; ""
	// looks up "go" on PATH. Where there is none, the compile steps say so
	// and show their code only.
	Go string
}

// Run runs the tour from o.Start to o.End, or until the reader
// quits or ctx is cancelled (then it returns ctx's error). Every goroutine a
// step parks is released before the step ends. A step whose demonstration
// fails says so and the tour goes on; Run then returns an error naming the
// failed steps.
func Run(ctx context.Context, o Options) error {
	if o.Start == 0 {
		o.Start = 1
	}
	if o.Start < 1 || o.Start > len(steps) {
		return fmt.Errorf("step %d: want a step from 1 to %d", o.Start, len(steps))
	}
	if o.End == 0 {
		o.End = len(steps)
	}
	if o.End < o.Start || o.End > len(steps) {
		return fmt.Errorf("last step %d: want a step from %d to %d", o.End, o.Start, len(steps))
	}
	if o.Prompt == nil {
		o.Prompt = o.Out
	}
	scratch, err := os.MkdirTemp("", "gsysint-walkthrough-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)

	out := &printer{w: &errwriter.Writer{W: o.Out}, color: o.Color}
	t := &tour{printer: out, scratch: scratch}

	var specs []buildSpec
	for _, s := range steps[o.Start-1 : o.End] {
		specs = append(specs, s.builds...)
	}
	if len(specs) > 0 {
		goTool, lookErr := o.Go, error(nil)
		if goTool == "" {
			goTool, lookErr = exec.LookPath("go")
		}
		t.lab, err = startLab(ctx, scratch, goTool, lookErr, specs)
		if err != nil {
			return err
		}
		// Stop and wait for the builds before the scratch directory goes.
		defer t.lab.close()
	}

	var ask *prompter
	if o.Pause {
		ask = newPrompter(o.In, &printer{w: &errwriter.Writer{W: o.Prompt}, color: o.Color})
		defer ask.close()
	}
	var failed []string
	for n := o.Start; n <= o.End; n++ {
		if err := t.step(ctx, n); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed = append(failed, fmt.Sprint(n))
			t.printf("\n")
			t.note("This demonstration failed: %v", err)
		}
		if err := out.w.Err; err != nil {
			return fmt.Errorf("writing the tour: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ask != nil && n < o.End {
			quit, err := ask.next(ctx)
			if err != nil {
				return err
			}
			if quit {
				t.printf("\nStopped after step %d of %d. To go on from there: gsysint-demo walkthrough --from %d\n", n, len(steps), n+1)
				return out.w.Err
			}
		}
	}
	if o.End == len(steps) {
		t.printf("\nThat was the whole tour. Every goroutine it parked has been released.\n")
	} else {
		t.printf("\nThat was step %d of %d. Every goroutine it parked has been released. To go on: gsysint-demo walkthrough --from %d\n", o.End, len(steps), o.End+1)
	}
	if err := out.w.Err; err != nil {
		return fmt.Errorf("writing the tour: %w", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("the demonstrations of step %s failed (see above)", strings.Join(failed, ", "))
	}
	return nil
}

// tour is what a step's demonstration prints with and works in.
type tour struct {
	*printer
	lab     *lab   // the compile demos; nil when the tour starts after them
	scratch string // a directory removed at the end of the tour
	// toolchainShown: the first compile step shown says which go it uses.
	toolchainShown bool
}

// step prints step n and runs its demonstration.
func (t *tour) step(ctx context.Context, n int) error {
	s := steps[n-1]
	t.printf("\n")
	t.title(fmt.Sprintf("Step %d of %d: %s", n, len(steps), s.Title))
	t.printf("\n%s\n", strings.TrimSpace(s.Explain))
	if len(s.Code) > 0 {
		t.printf("\nThe code\n")
		for i, c := range s.Code {
			if i > 0 {
				t.printf("\n")
			}
			from := ""
			if c.Quoted {
				from = " (excerpt)"
			}
			t.indent(fmt.Sprintf("// %s%s\n%s", c.Name, from, strings.TrimRight(c.Text, "\n")))
		}
	}
	t.printf("\nLive\n")
	err := s.live(ctx, t)
	if errors.Is(err, errSkipped) {
		return nil // it said why; there is nothing to notice
	}
	if err == nil && s.Notice != "" {
		t.printf("\nWhat to notice\n%s\n", strings.TrimSpace(s.Notice))
	}
	return err
}

// printer writes the tour, with ANSI bold titles and dim notes when color
// is set.
type printer struct {
	w     *errwriter.Writer
	color bool
}

const (
	bold  = "\033[1m"
	dim   = "\033[2m"
	reset = "\033[0m"
)

func (p *printer) printf(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p *printer) title(s string) {
	if p.color {
		s = bold + s + reset
	}
	p.printf("%s\n", s)
}

// note prints a remark of the tour's own (not output of what it ran),
// indented like the live output.
func (p *printer) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, line := range strings.Split(s, "\n") {
		if p.color {
			line = dim + line + reset
		}
		p.printf("    %s\n", line)
	}
}

// indent prints text with every line indented by four spaces.
func (p *printer) indent(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			p.printf("\n")
			continue
		}
		p.printf("    %s\n", line)
	}
}

// command prints a command line as if typed at a shell prompt.
func (p *printer) command(line string) { p.printf("    $ %s\n", line) }

// PromptText is what the tour asks between steps when it pauses.
const PromptText = "Enter to continue, q to quit"

// prompter asks between steps and reads the answers. A goroutine reads one
// line per question, so that a cancelled context (SIGINT) stops the wait
// even though a read from a terminal cannot be interrupted.
type prompter struct {
	out     *printer
	in      *bufio.Reader
	ask     chan struct{}
	answers chan answer
	started bool
}

type answer struct {
	line string
	err  error
}

func newPrompter(in io.Reader, out *printer) *prompter {
	if in == nil {
		in = strings.NewReader("")
	}
	return &prompter{out: out, in: bufio.NewReader(in), ask: make(chan struct{}), answers: make(chan answer, 1)}
}

func (p *prompter) read() {
	for range p.ask {
		line, err := p.in.ReadString('\n')
		if err == nil || line != "" {
			err = nil // a last line without a newline is still an answer
		}
		p.answers <- answer{line, err}
	}
}

// next prompts and waits for an answer: quit is true for q, quit or exit
// (any case), and at the end of the input. It returns ctx's error if ctx is
// cancelled first.
func (p *prompter) next(ctx context.Context) (quit bool, err error) {
	p.out.printf("\n")
	if p.out.color {
		p.out.printf("%s%s: %s", dim, PromptText, reset)
	} else {
		p.out.printf("%s: ", PromptText)
	}
	if !p.started {
		p.started = true
		go p.read()
	}
	select {
	case p.ask <- struct{}{}:
	case <-ctx.Done():
		p.out.printf("\n")
		return true, ctx.Err()
	}
	select {
	case a := <-p.answers:
		if a.err != nil {
			p.out.printf("\n")
			if errors.Is(a.err, io.EOF) {
				return true, nil
			}
			return true, fmt.Errorf("reading the answer to the prompt: %w", a.err)
		}
		switch strings.ToLower(strings.TrimSpace(a.line)) {
		case "q", "quit", "exit":
			return true, nil
		}
		return false, nil
	case <-ctx.Done():
		p.out.printf("\n")
		return true, ctx.Err()
	}
}

// close stops the reading goroutine once it is done with a read in
// progress, if any.
func (p *prompter) close() { close(p.ask) }
