// Package cmd is the gsysint-demo command line: one file per command, built
// from the table in commands. It knows nothing of unsafe; the engine
// packages do the work.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Version is the tool's version.
const Version = "0.1.0"

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the work failed
	exitUsage   = 2 // bad input: nothing was done
	// exitReaderGone is what a shell reports for a process that SIGPIPE
	// ended (128+13): park | head. Main ends the process by SIGPIPE itself.
	exitReaderGone = 128 + int(syscall.SIGPIPE)
)

// env is what commands print to and read from.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	build          string // the build's description, from main
}

// commands lists every command, in the order help shows them.
var commands = []func(*env) *cli.Command{
	parkCommand,
	reasonsCommand,
	reportCommand,
	traceCommand,
	walkthroughCommand,
	pprofCommand,
	versionCommand,
}

// usageError is bad input: the command did nothing, and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitStatus is an error that carries an exit status of its own and has
// been reported already (gsysint-demo pprof passes go tool pprof's through).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Main runs the command line args and returns the exit status.
func Main(args []string, build string) int {
	crashLoudly()
	code := run(args, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, build: build})
	if code == exitReaderGone {
		dieOfSIGPIPE()
	}
	return code
}

// dieOfSIGPIPE ends the process as a write to a closed stdout ends any Go
// program that does not handle SIGPIPE (and yes, cat or seq): by the
// signal, so that the shell and set -o pipefail see what they see of those.
// park has released everything and written its files by now.
func dieOfSIGPIPE() {
	signal.Reset(syscall.SIGPIPE)
	// The runtime raises SIGPIPE for a write to fd 1 that fails with EPIPE.
	os.Stdout.Write([]byte{'\n'})
	syscall.Kill(os.Getpid(), syscall.SIGPIPE)
}

func run(args []string, e *env) int {
	app := newApp(e)
	err := app.Run(flagsFirst(app, args))
	var status exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errReaderGone):
		return exitReaderGone
	case errors.As(err, &status):
		return int(status)
	}
	fmt.Fprintf(e.stderr, "gsysint-demo: %v\n", err)
	return exitStatusOf(err)
}

// exitStatusOf is the exit status of a run that err ended: 2 for bad
// input, else 1.
func exitStatusOf(err error) int {
	var usage *usageError
	if errors.As(err, &usage) {
		return exitUsage
	}
	return exitFailure
}

func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:      "gsysint-demo",
		Usage:     "park goroutines through the runtime's hidden scheduler functions and see how the runtime reports them",
		Version:   Version,
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		// Errors are printed once, by run, with their exit status.
		ExitErrHandler: func(*cli.Context, error) {},
		// Reasons and label values may contain commas: each -r and --label
		// is one value.
		DisableSliceFlagSeparator: true,
		OnUsageError:              onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unknown command %q: want one of %s", c.Args().First(), strings.Join(commandNames(e), ", "))
			}
			return cli.ShowAppHelp(c)
		},
	}
	cli.VersionPrinter = func(c *cli.Context) { printVersion(e) }
	for _, mk := range commands {
		cmd := mk(e)
		cmd.OnUsageError = onUsageError
		app.Commands = append(app.Commands, cmd)
	}
	return app
}

func commandNames(e *env) []string {
	var names []string
	for _, mk := range commands {
		names = append(names, mk(e).Name)
	}
	return names
}

// onUsageError turns a flag parsing error into one line and exit status 2,
// with the hint the project's own checks give. The flag package says
//
//	invalid value "5" for flag -interval: parse error
//	flag provided but not defined: -bogus
//	flag needs an argument: -n
//	invalid boolean value "maybe" for -summary: parse error
func onUsageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	prefix, help := "", "gsysint-demo --help"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		prefix, help = c.Command.Name+": ", "gsysint-demo "+c.Command.Name+" --help"
	}
	var flags []cli.Flag
	if c.Command != nil {
		flags = c.Command.Flags
	}
	if len(flags) == 0 {
		flags = c.App.Flags
	}
	if m := invalidValueRE.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("%s %q: %s", dashes(m[2]), m[1], wantFor(flags, m[2]))
	} else if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = fmt.Sprintf("unknown flag %s: see %s", dashes(name), help)
	} else if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		msg = fmt.Sprintf("%s needs a value: %s", dashes(name), wantFor(flags, name))
	}
	return &usageError{prefix + msg}
}

var invalidValueRE = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-(\S+): `)

// dashes writes a flag name as help shows it: -n, --count.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// wantFor says what flag name takes, from its type.
func wantFor(flags []cli.Flag, name string) string {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			switch f.(type) {
			case *cli.DurationFlag:
				return "want a duration with a unit, such as 500ms, 2s or 1m"
			case *cli.IntFlag:
				return "want a whole number"
			case *cli.BoolFlag:
				return "want true or false (or the flag alone)"
			}
			return "want a value"
		}
	}
	return "want a value"
}

// flagsFirst moves a command's flags in front of its arguments, so that
// "trace t.out --json" reads like "trace --json t.out": urfave/cli stops
// parsing flags at the first argument.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil || cmd.SkipFlagParsing {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, rest []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		name, _, eq := strings.Cut(strings.TrimLeft(a, "-"), "=")
		flags = append(flags, a)
		if !eq && takesValue[name] && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(append(args[:2:2], flags...), rest...)
}
