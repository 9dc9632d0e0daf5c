package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"gsysint-demo/linked"
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

// reasonRow is one reason as reasons prints it; its JSON is the stable schema.
type reasonRow struct {
	Index      int          `json:"index"`
	Text       string       `json:"text"`
	Class      linked.Class `json:"class"`
	Parkable   bool         `json:"parkable"`
	Borrowable bool         `json:"borrowable"`
	Note       string       `json:"note"`
}

type reasonsReport struct {
	Go      string      `json:"go"`
	Catalog string      `json:"catalog"`
	Wait    []reasonRow `json:"wait"`
	Trace   []reasonRow `json:"trace"`
}

func runReasons(e *env, asJSON bool) error {
	cat := linked.Vetted()
	// The tables are read live, and only once their length and every entry
	// have been checked against the catalog: a mismatch is an error.
	if err := linked.CheckTables(); err != nil {
		return fmt.Errorf("the runtime's tables do not match catalog %s: %w", cat.Name, err)
	}
	rows := func(table []linked.Entry, borrowable []int, live func(int) string) []reasonRow {
		out := make([]reasonRow, len(table))
		for i, entry := range table {
			out[i] = reasonRow{
				Index:      entry.Index,
				Text:       live(i),
				Class:      entry.Class,
				Parkable:   entry.Class.Parkable(),
				Borrowable: slices.Contains(borrowable, i),
				Note:       entry.Note,
			}
		}
		return out
	}
	rep := reasonsReport{
		Go:      runtime.Version(),
		Catalog: cat.Name,
		Wait:    rows(cat.Wait, cat.BorrowableWait(), func(i int) string { return linked.WaitText(linked.WaitReason(i)) }),
		Trace:   rows(cat.Trace, cat.BorrowableTrace(), func(i int) string { return linked.TraceText(linked.TraceReason(i)) }),
	}
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
		cat.BorrowableWait(), cat.BorrowableTrace())
	return nil
}

func printReasons(e *env, rows []reasonRow) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tTEXT\tCLASS\tPARK\tNOTE")
	for _, r := range rows {
		park := "yes"
		if !r.Parkable {
			park = "no"
		}
		if r.Borrowable {
			park += ", slot"
		}
		fmt.Fprintf(tw, "%d\t%q\t%s\t%s\t%s\n", r.Index, r.Text, r.Class, park, r.Note)
	}
	tw.Flush()
}
