package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"gsysint-demo/park"
)

func reasonsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "reasons",
		Usage: "list the runtime's wait reasons and trace block reasons, read live, with what park does with each",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON: {\"go\",\"catalog\",\"wait\":[{\"index\",\"text\",\"class\",\"parkable\",\"borrowable\",\"note\"}],\"trace\":[...]}"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("reasons: unexpected argument %q: want none", c.Args().First())
			}
			return runReasons(e, c.Bool("json"))
		},
	}
}

type reasonsReport struct {
	Go      string               `json:"go"`
	Catalog string               `json:"catalog"`
	Wait    []park.CatalogReason `json:"wait"`
	Trace   []park.CatalogReason `json:"trace"`
}

func runReasons(e *env, asJSON bool) error {
	// The tables are read live, and only once the runtime has been checked
	// against the catalog: a mismatch is an error.
	cat, err := park.Reasons()
	if err != nil {
		return err
	}
	rep := reasonsReport{Go: runtime.Version(), Catalog: cat.Name, Wait: cat.Wait, Trace: cat.Trace}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(e.stdout, "Wait reasons (runtime.waitReasonStrings, %d entries, read live from %s; catalog %s)\n\n", len(rep.Wait), rep.Go, rep.Catalog)
	printReasons(e, rep.Wait)
	fmt.Fprintf(e.stdout, "\nTrace block reasons (runtime.traceBlockReasonStrings, %d entries)\n\n", len(rep.Trace))
	printReasons(e, rep.Trace)
	fmt.Fprintf(e.stdout, "\npark takes a reason by its text or its INDEX (-r 19); other text is custom and borrows a \"slot\" row, in order: wait %v, trace %v.\n",
		cat.WaitSlots, cat.TraceSlots)
	return nil
}

func printReasons(e *env, rows []park.CatalogReason) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tTEXT\tCLASS\tPARK\tNOTE")
	for _, r := range rows {
		col := "yes"
		if !r.Parkable {
			col = "no"
		}
		if r.Borrowable {
			col += ", slot"
		}
		fmt.Fprintf(tw, "%d\t%q\t%s\t%s\t%s\n", r.Index, r.Text, r.Class, col, r.Note)
	}
	tw.Flush()
}
