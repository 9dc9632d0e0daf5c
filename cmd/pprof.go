package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

func pprofCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "pprof",
		Usage:     "run go tool pprof on a profile read from stdin (go tool pprof cannot read a pipe)",
		ArgsUsage: "FORMAT [go tool pprof flags], e.g. -top, -tags, -traces or -http=127.0.0.1:0",
		Description: "go tool pprof opens its input twice, so it cannot read a pipe. This command spools stdin\n" +
			"to a temporary file (" + os.TempDir() + "/gsysint-demo-pprof-stdin-*.pb.gz, mode 0600), runs\n" +
			"go tool pprof ARGS FILE and passes its exit status through. The file is removed when pprof\n" +
			"ends, and on SIGINT, SIGTERM or SIGHUP (which are passed on to pprof). An output flag is\n" +
			"needed: stdin holds the profile, so pprof's interactive prompt has nothing to read.\n\n" +
			"   gsysint-demo park --debug 0 --dumps 1 | gsysint-demo pprof -top",
		SkipFlagParsing: true,
		HideHelpCommand: true,
		Action: func(c *cli.Context) error {
			if args := c.Args().Slice(); len(args) == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
				return cli.ShowSubcommandHelp(c)
			}
			return runPprof(e, c.Args().Slice())
		},
	}
}

// pprofOutputs are go tool pprof's output flags: -http and the formats
// (go tool pprof -h, "Output formats").
var pprofOutputs = strings.Fields("http callgrind comments disasm dot eog evince gif gv kcachegrind list pdf peek png proto ps raw svg tags text top topproto traces tree web weblist")

// hasPprofOutput says whether args select an output: without one, go tool
// pprof opens its interactive prompt.
func hasPprofOutput(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") {
			for _, o := range pprofOutputs {
				if name == o {
					return true
				}
			}
		}
	}
	return false
}

func runPprof(e *env, args []string) error {
	if !hasPprofOutput(args) {
		return usagef("pprof: want an output flag, e.g. -top, -tags, -traces or -http=127.0.0.1:0: stdin holds the profile, so go tool pprof's interactive prompt would have nothing to read")
	}
	if isTerminal(e.stdin) {
		return usagef("pprof: stdin is a terminal: want a profile piped or redirected in, e.g. gsysint-demo park --debug 0 --dumps 1 | gsysint-demo pprof -top")
	}
	goTool, err := goCommand()
	if err != nil {
		return err
	}
	// SIGINT (Ctrl-C reaches the whole process group), SIGTERM (timeout)
	// and SIGHUP must not end this process before it removes the file.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	f, err := os.CreateTemp("", "gsysint-demo-pprof-stdin-*.pb.gz")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	// The first bytes tell debug=2 text ("goroutine 1 [running]:") from
	// what pprof reads: gzip, a protobuf, or debug=1 text ("goroutine
	// profile: total 8").
	head := make([]byte, len("goroutine 1"))
	n, err := io.ReadFull(e.stdin, head)
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		var m int64
		f.Write(head[:n])
		m, err = io.Copy(f, e.stdin)
		n += int(m)
	} else if err == io.EOF {
		err = nil
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pprof: spooling stdin to %s: %w", f.Name(), err)
	}
	select {
	case s := <-sigs:
		return exitStatus(128 + int(s.(syscall.Signal)))
	default:
	}
	if n == 0 {
		return usagef("pprof: stdin is empty: want a profile, e.g. gsysint-demo park --debug 0 --dumps 1 | gsysint-demo pprof -top")
	}
	if n >= len(head) && bytes.HasPrefix(head, []byte("goroutine ")) && '0' <= head[len(head)-1] && head[len(head)-1] <= '9' {
		return usagef("pprof: stdin is debug=2 text (goroutine N [state]:), which go tool pprof cannot read: read it with gsysint-demo report, or take a --debug 0 or 1 profile")
	}

	cmd := exec.Command(goTool, append(append([]string{"tool", "pprof"}, args...), f.Name())...)
	// pprof's messages name the file it read: that is stdin to the user.
	stderr := &replaceLines{w: e.stderr, old: f.Name(), new: "stdin"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, e.stdout, stderr
	// Its own process group: a signal is passed on to go and pprof alike,
	// once, by this process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var got os.Signal
	for {
		select {
		case s := <-sigs:
			got = s
			syscall.Kill(-cmd.Process.Pid, s.(syscall.Signal))
			continue
		case err = <-done:
		}
		break
	}
	stderr.flush()
	var exit *exec.ExitError
	switch {
	case got != nil:
		return exitStatus(128 + int(got.(syscall.Signal)))
	case errors.As(err, &exit):
		return exitStatus(exit.ExitCode())
	}
	return err
}

// replaceLines writes lines to w with old replaced by new.
type replaceLines struct {
	w        io.Writer
	old, new string
	partial  []byte
}

func (r *replaceLines) Write(p []byte) (int, error) {
	r.partial = append(r.partial, p...)
	if i := bytes.LastIndexByte(r.partial, '\n'); i >= 0 {
		line := r.partial[:i+1]
		if _, err := io.WriteString(r.w, strings.ReplaceAll(string(line), r.old, r.new)); err != nil {
			return 0, err
		}
		r.partial = append(r.partial[:0], r.partial[i+1:]...)
	}
	return len(p), nil
}

func (r *replaceLines) flush() {
	if len(r.partial) > 0 {
		io.WriteString(r.w, strings.ReplaceAll(string(r.partial), r.old, r.new))
		r.partial = nil
	}
}

// goCommand finds the go command on PATH.
func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command on PATH: install Go to use go tool pprof (%v)", err)
	}
	return p, nil
}
