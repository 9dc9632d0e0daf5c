package cmd

import (
	"encoding/json"
	"os"

	"github.com/urfave/cli/v2"

	"gsysint-demo/tracing"

	"gsysint-demo/park"
)

func traceCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "summarise the block events of an execution trace (e.g. from park --trace) by trace block reason",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON (schema: see package tracing)"},
			&cli.IntFlag{Name: "top", Value: tracing.DefaultTop, Usage: "`N` stacks shown per reason; negative for all"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("trace: want exactly one trace FILE, got %d arguments", c.NArg())
			}
			path := c.Args().First()
			if _, err := os.Stat(path); err != nil {
				return usagef("trace: %v", err)
			}
			top := c.Int("top")
			if top == 0 {
				return usagef("trace: --top 0: want a positive number of stacks, or negative for all")
			}
			s, err := tracing.SummarizeFile(path, tracing.Options{Top: top, MarkFuncPrefix: park.WaiterFunc})
			if err != nil {
				return usagef("trace: %s is not a readable execution trace: %v", path, err)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			return s.WriteText(e.stdout)
		},
	}
}
