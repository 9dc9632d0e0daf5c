package cmd

import (
	"github.com/urfave/cli/v2"

	"gsysint-demo/park"
	"gsysint-demo/tracing"
)

func traceCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "summarise the block events of an execution trace (e.g. from park --trace) by trace block reason",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON (schema: see package tracing)"},
			&cli.IntFlag{Name: "top", Value: tracing.DefaultTop, Usage: "`N` stacks shown per reason, most frequent first; 0 for all"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("trace: want exactly one trace FILE, got %d arguments", c.NArg())
			}
			path := c.Args().First()
			top := c.Int("top")
			if top < 0 {
				return usagef("trace: --top %d: want 0 (all) or more", top)
			}
			s, err := tracing.SummarizeFile(path, tracing.Options{Top: top, MarkFuncPrefix: park.WaiterFunc})
			if err != nil {
				// The error names path and says what is wrong with it.
				return usagef("trace: %v", err)
			}
			if c.Bool("json") {
				return s.WriteJSON(e.stdout)
			}
			return s.WriteText(e.stdout)
		},
	}
}
