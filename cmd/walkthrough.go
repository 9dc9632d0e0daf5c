package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/urfave/cli/v2"

	"gsysint-demo/walkthrough"
)

func walkthroughCommand(e *env) *cli.Command {
	n := len(walkthrough.Steps())
	return &cli.Command{
		Name:  "walkthrough",
		Usage: "a narrated tour of every technique, each step shown live: linkname pull and push, assembly stubs, parking, dumps, traces, leaks",
		Description: fmt.Sprintf("Steps 1 to %d, each with a short explanation, the code in question, a live demonstration\n"+
			"and what to notice. Steps 1-4 compile small programs with your own go command, in a temporary\n"+
			"module; the others park goroutines in this process and release them before the step ends.\n"+
			"When stdin is a terminal it waits after each step: Enter continues, q quits.\n\n"+
			"   gsysint-demo walkthrough\n"+
			"   gsysint-demo walkthrough --no-pause\n"+
			"   gsysint-demo walkthrough --step 5     (step 5 alone)\n"+
			"   gsysint-demo walkthrough --from 5     (steps 5 to %d)", n, n),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-pause", Usage: "run every step straight through"},
			&cli.IntFlag{Name: "step", Usage: fmt.Sprintf("run step `N` alone, 1 to %d (see --list)", n)},
			&cli.IntFlag{Name: "from", Usage: fmt.Sprintf("start at step `N`, 1 to %d, and go on to the end", n)},
			&cli.BoolFlag{Name: "list", Usage: "print the numbered step titles and exit"},
			// Tests and scripts: pause (reading answers from stdin) even
			// when stdin is not a terminal.
			&cli.BoolFlag{Name: "pause", Hidden: true, Usage: "pause after each step even when stdin is not a terminal"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("walkthrough: unexpected argument %q: flags only (--no-pause, --step N, --from N, --list)", c.Args().First())
			}
			steps := walkthrough.Steps()
			if c.Bool("list") {
				for i, s := range steps {
					fmt.Fprintf(e.stdout, "%2d. %s\n", i+1, s.Title)
				}
				return nil
			}
			start, end := 1, len(steps)
			for _, f := range []string{"step", "from"} {
				if !c.IsSet(f) {
					continue
				}
				n := c.Int(f)
				if n < 1 || n > len(steps) {
					return usagef("walkthrough: --%s %d: want a step from 1 to %d (see --list)", f, n, len(steps))
				}
				start = n
				if f == "step" {
					end = n
				}
			}
			if c.IsSet("step") && c.IsSet("from") {
				return usagef("walkthrough: --step %d and --from %d: give one of them (--step runs one step, --from starts at one)", c.Int("step"), c.Int("from"))
			}
			if c.Bool("pause") && c.Bool("no-pause") {
				return usagef("walkthrough: --pause and --no-pause: give one of them")
			}
			pause := c.Bool("pause") || (!c.Bool("no-pause") && isTerminal(e.stdin))
			_, noColor := os.LookupEnv("NO_COLOR")

			ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
			defer stop()
			err := walkthrough.Run(ctx, walkthrough.Options{
				Out:    e.stdout,
				Prompt: e.stderr,
				In:     e.stdin,
				Pause:  pause,
				Start:  start,
				End:    end,
				Color:  !noColor && isTerminal(e.stdout),
			})
			if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				// As park does: an interrupt ends the tour, released, with status 0.
				fmt.Fprintln(e.stderr, "interrupted: everything the walkthrough parked has been released")
				return nil
			}
			return err
		},
	}
}

// isTerminal reports whether f is a terminal: a character device other
// than /dev/null.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}
