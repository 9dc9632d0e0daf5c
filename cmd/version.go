package cmd

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"

	"gsysint-demo/park"
)

func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the tool's version, the Go runtime's, and the reason catalog in use",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("version: unexpected argument %q: want none", c.Args().First())
			}
			printVersion(e)
			return nil
		},
	}
}

func printVersion(e *env) {
	check := "runtime tables and g layout match"
	if err := park.Check(); err != nil {
		check = "MISMATCH: " + err.Error()
	}
	fmt.Fprintf(e.stdout, "gsysint-demo %s\n", Version)
	fmt.Fprintf(e.stdout, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(e.stdout, "catalog: %s (%s)\n", park.CatalogName(), check)
	fmt.Fprintf(e.stdout, "build:   %s\n", e.build)
}
