package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/urfave/cli/v2"
)

func pprofCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "pprof",
		Usage:     "run go tool pprof on a profile read from stdin (go tool pprof cannot read a pipe)",
		ArgsUsage: "[go tool pprof flags, e.g. -top or -tags]",
		Description: "go tool pprof opens its input twice, so it cannot read a pipe. This command spools stdin\n" +
			"to a temporary file, runs go tool pprof ARGS FILE, passes its exit status through and\n" +
			"removes the file:\n\n" +
			"   gsysint-demo park --debug 0 --dumps 1 | gsysint-demo pprof -top",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			if args := c.Args().Slice(); len(args) == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
				return cli.ShowSubcommandHelp(c)
			}
			return runPprof(e, c.Args().Slice())
		},
	}
}

func runPprof(e *env, args []string) error {
	goTool, err := goCommand()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "gsysint-demo-pprof-*.pb.gz")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	n, err := io.Copy(f, e.stdin)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pprof: spooling stdin to %s: %w", f.Name(), err)
	}
	if n == 0 {
		return usagef("pprof: stdin is empty: want a profile, e.g. gsysint-demo park --debug 0 --dumps 1 | gsysint-demo pprof -top")
	}
	cmd := exec.Command(goTool, append(append([]string{"tool", "pprof"}, args...), f.Name())...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, e.stdout, e.stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exitStatus(exit.ExitCode())
	}
	return err
}

// goCommand finds the go command on PATH.
func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command on PATH: install Go to use go tool pprof (%v)", err)
	}
	return p, nil
}
