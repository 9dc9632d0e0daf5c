package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"gsysint-demo/dump"
	"gsysint-demo/series"
	"gsysint-demo/web"
)

// seriesFlags are report's flags for several dumps: a series (one process
// over time), a merged view (several processes), --watch.
func seriesFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "suspect-window", Value: series.DefaultWindow, Usage: "a group is a leak suspect when it grew in each of the last `K` dumps"},
		&cli.BoolFlag{Name: "merge", Usage: "read the inputs as dumps of different processes: one merged view with a column per source (the default for URLs of several hosts and a directory of other files than park's)"},
		&cli.StringSliceFlag{Name: "label-source", Usage: "name an input's source `NAME=INPUT` in the merged view (default: URL host:port, file name); implies --merge; repeatable"},
		&cli.BoolFlag{Name: "split-context", Usage: "read dumps with text between them in one input (a log of several crashes) as a series too; by default they are added up, and only dumps one right after another (park's stdout, profiles appended to a file) are a series"},
		&cli.IntFlag{Name: "parallel", Value: 8, Usage: "inputs read at once, at most `N`"},
		&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give up an input (a file, or a URL's request and whole body) not read within `D`"},
		&cli.StringFlag{Name: "to", Usage: "write the merged view as `FORMAT` to --out instead of text: pprof (a gzipped goroutine profile with labels source, state, wait_reason)"},
		&cli.StringFlag{Name: "out", Usage: "the `FILE` for --to", TakesFile: true},
		&cli.BoolFlag{Name: "watch", Usage: "fetch the one URL (or read the file) every --interval and show the series live, until Ctrl-C"},
		&cli.DurationFlag{Name: "interval", Value: 2 * time.Second, Usage: "with --watch: time `D` between fetches"},
	}
}

// seriesRequest is what report was asked for several dumps.
type seriesRequest struct {
	opt      dump.Options // Top and Match as given
	asJSON   bool
	html     string
	window   int
	merge    bool
	named    map[string]string
	parallel int
	timeout  time.Duration
	to, out  string
	// splitContext: dumps with context between them are a series too.
	splitContext bool
}

// manyInputs reports whether report was asked for more than one dump of
// one input: several inputs, a directory, or a flag of a series or merge.
func manyInputs(c *cli.Context) bool {
	if c.NArg() > 1 || c.Bool("merge") || c.IsSet("label-source") || c.IsSet("to") || c.Bool("watch") {
		return true
	}
	return c.NArg() == 1 && isDir(c.Args().First())
}

// newSeriesRequest checks the flags of several dumps.
func newSeriesRequest(c *cli.Context, opt dump.Options, html string) (*seriesRequest, error) {
	q := &seriesRequest{opt: opt, asJSON: c.Bool("json"), html: html, window: c.Int("suspect-window"),
		merge: c.Bool("merge") || c.IsSet("label-source"), parallel: c.Int("parallel"), timeout: c.Duration("timeout"),
		to: c.String("to"), out: c.String("out"), splitContext: c.Bool("split-context")}
	var err error
	if q.named, err = parseLabelSources(c.StringSlice("label-source")); err != nil {
		return nil, err
	}
	switch {
	case q.window < 1:
		return nil, usagef("report: --suspect-window %d: want 1 or more dumps", q.window)
	case q.parallel < 1:
		return nil, usagef("report: --parallel %d: want 1 or more", q.parallel)
	case q.timeout <= 0:
		return nil, usagef("report: --timeout %v: want a positive duration, e.g. 30s", q.timeout)
	case q.to != "" && q.to != "pprof":
		return nil, usagef("report: --to %q: want pprof", q.to)
	case q.to != "" && q.out == "":
		return nil, usagef("report: --to %s: want --out FILE", q.to)
	case q.to == "" && q.out != "":
		return nil, usagef("report: --out %q: want --to pprof with it", q.out)
	case q.to != "" && (q.asJSON || html != ""):
		return nil, usagef("report: --to and --json or --html: want one of them")
	case html != "" && c.Bool("watch"):
		return nil, usagef("report: --html and --watch: want one of them")
	}
	if q.to != "" {
		q.merge = true
	}
	if q.merge && html != "" {
		return nil, usagef("report: --html shows one dump or a series of one process's dumps: for several processes, want the text, --json or --to pprof")
	}
	return q, nil
}

// runInputs reports several dumps: a series, or a merged view.
func runInputs(e *env, c *cli.Context, q *seriesRequest) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		args = []string{"-"}
	}
	set, err := expandInputs(args, q.named)
	if err != nil {
		return err
	}
	if c.Bool("watch") {
		if len(set.ins) != 1 || q.merge || set.ins[0].arg == "-" {
			return usagef("report: --watch %s: want one URL or file, read again at each --interval", strings.Join(args, " "))
		}
		if d := c.Duration("interval"); d <= 0 {
			return usagef("report: --interval %v: want a positive duration, e.g. 2s", d)
		}
		return watch(e, set.ins[0], q, c.Duration("interval"))
	}
	if q.merge || set.distinct {
		return runMerged(e, latestOfEach(set.ins), q)
	}
	return runSeries(e, set.ins, q)
}

// failed reports an input that could not be read, on its own line.
func failed(e *env, err error) {
	fmt.Fprintf(e.stderr, "gsysint-demo: %v\n", err)
}

// errSomeInputs is the exit status when some inputs could not be read
// (each said on its own line): the rest was reported.
var errSomeInputs = exitStatus(exitFailure)

// allFailed is the exit status when no input could be read (each said on
// its own line): bad input (2) if every one was, else 1.
func allFailed(errs []error) error {
	for _, err := range errs {
		var usage *usageError
		if err != nil && !errors.As(err, &usage) {
			return exitStatus(exitFailure)
		}
	}
	return exitStatus(exitUsage)
}

// runSeries reads the inputs in order and compares their dumps.
func runSeries(e *env, ins []reportInput, q *seriesRequest) error {
	all := q.opt
	all.Top = 0
	results := make([][]*dump.Summary, len(ins))
	errs := make([]error, len(ins))
	readInputs(e, ins, all, q, func(i int, sums []*dump.Summary, err error) {
		results[i], errs[i] = sums, err
	})
	var dumps []series.Dump
	var sums []*dump.Summary
	nfailed := 0
	for i, in := range ins {
		if errs[i] != nil {
			nfailed++
			if len(ins) == 1 {
				return errs[i]
			}
			failed(e, errs[i])
			continue
		}
		for j, s := range results[i] {
			name := inputName(in)
			if len(results[i]) > 1 {
				name = fmt.Sprintf("%s#%d", name, j+1)
			}
			dumps = append(dumps, series.Dump{Name: name, Format: s.Format, Profile: s.Profile, Total: s.Total})
			sums = append(sums, s)
		}
	}
	if len(sums) == 0 {
		return allFailed(errs)
	}
	if err := writeSeries(e, dumps, sums, q); err != nil {
		return err
	}
	if nfailed > 0 {
		return errSomeInputs
	}
	return nil
}

// inputName names an input in the output.
func inputName(in reportInput) string {
	switch {
	case in.shown != "":
		return in.shown
	case in.arg == "-":
		return "stdin"
	}
	return in.arg
}

// writeSeries compares the dumps and prints the comparison; one dump is
// reported as report reports one.
func writeSeries(e *env, dumps []series.Dump, sums []*dump.Summary, q *seriesRequest) error {
	if len(sums) == 1 {
		s := sums[0]
		if q.opt.Top > 0 && len(s.Groups) > q.opt.Top {
			s.Groups = s.Groups[:q.opt.Top]
		}
		return writeSummary(e, s, dumps[0].Name, q.asJSON, q.html)
	}
	sr := series.Build(dumps, sums, series.Options{Window: q.window})
	switch {
	case q.html != "":
		return writeHTMLPage(e, q.html, func(w io.Writer) error { return web.WriteSeries(w, web.FromSeries(sr, q.opt.Top)) })
	case q.asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sr)
	}
	return sr.WriteText(e.stdout, q.opt.Top)
}

// writeSummary prints one dump's summary as report does.
func writeSummary(e *env, s *dump.Summary, name string, asJSON bool, html string) error {
	if html != "" {
		page := web.FromSummary(s, name)
		return writeHTMLPage(e, html, func(w io.Writer) error { return web.WriteReport(w, page) })
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	if useColor(e.stdout) {
		return s.WriteColorText(e.stdout)
	}
	return s.WriteText(e.stdout)
}

// runMerged reads the inputs concurrently, each a process, and prints one
// view of them all; an input that holds several dumps counts with its
// latest.
func runMerged(e *env, ins []reportInput, q *seriesRequest) error {
	all := q.opt
	all.Top = 0
	sources := make([]series.Source, len(ins))
	for i, in := range ins {
		sources[i] = series.Source{Name: in.source, Input: inputName(in)}
	}
	m := series.NewMerger(sources)
	var errs []error
	var mu sync.Mutex
	readInputs(e, ins, all, q, func(i int, sums []*dump.Summary, err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			failed(e, err)
			mu.Unlock()
			m.Fail(i, err)
			return
		}
		m.Add(i, sums[len(sums)-1], len(sums))
	})
	if len(errs) == len(ins) {
		return allFailed(errs)
	}
	v := m.Merged(q.opt.Top)
	var err error
	switch {
	case q.to == "pprof":
		err = writePprofFile(e, q.out, v)
	case q.asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	default:
		err = v.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errSomeInputs
	}
	return nil
}

// writePprofFile writes the merged view's protobuf to path (temp name and
// rename), or to stdout for "-".
func writePprofFile(e *env, path string, v *series.Merged) error {
	if path == "-" {
		return v.WriteProfile(e.stdout)
	}
	return writeNamedFile(path, "--out", v.WriteProfile)
}

// watch reads in every interval and prints the series so far: on a
// terminal redrawn in place, else one block per fetch, until a stop
// signal. A fetch that fails is said and the watch goes on.
func watch(e *env, in reportInput, q *seriesRequest, interval time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	all := q.opt
	all.Top = 0
	tty := isTerminal(e.stdout)
	var dumps []series.Dump
	var sums []*dump.Summary
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 1; ; n++ {
		type fetched struct {
			sums []*dump.Summary
			err  error
		}
		ch := make(chan fetched, 1)
		go readInputs(e, []reportInput{in}, all, q, func(_ int, s []*dump.Summary, err error) { ch <- fetched{s, err} })
		var f fetched
		select {
		case f = <-ch:
		case <-ctx.Done():
			// A fetch under way is left to its timeout: the process ends.
			fmt.Fprintln(e.stderr, "interrupted")
			return nil
		}
		at := time.Now().Format("15:04:05")
		if f.err != nil {
			fmt.Fprintf(e.stderr, "%s fetch %d: %v\n", at, n, f.err)
		} else {
			s := f.sums[len(f.sums)-1]
			dumps = append(dumps, series.Dump{Name: fmt.Sprintf("fetch %d at %s", n, at), Format: s.Format, Profile: s.Profile, Total: s.Total})
			sums = append(sums, s)
			if len(sums) > maxWatched {
				dumps, sums = dumps[1:], sums[1:]
			}
			if err := drawWatch(e, dumps, sums, q, tty, n); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr, "interrupted")
			return nil
		case <-tick.C:
		}
	}
}

// maxWatched is the number of fetches --watch keeps: its memory stays
// bounded however long it runs.
const maxWatched = 64

// drawWatch prints the series after fetch n.
func drawWatch(e *env, dumps []series.Dump, sums []*dump.Summary, q *seriesRequest, tty bool, n int) error {
	sr := series.Build(dumps, sums, series.Options{Window: q.window})
	if q.asJSON {
		// One JSON document per fetch, on one line each.
		return json.NewEncoder(e.stdout).Encode(sr)
	}
	var b strings.Builder
	if len(sums) == 1 {
		fmt.Fprintf(&b, "%s: %d goroutines; the comparison starts with the next fetch\n", dumps[0].Name, sums[0].Total)
	} else if err := sr.WriteText(&b, q.opt.Top); err != nil {
		return err
	}
	if tty {
		// Cursor home and clear the screen, then the block: redrawn in place.
		_, err := fmt.Fprint(e.stdout, "\x1b[H\x1b[2J"+b.String())
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "=== fetch %d\n%s\n", n, b.String())
	return err
}

// isDir reports whether path names a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// writeHTMLPage writes a page with write to path (temp name and rename),
// or to stdout for "-".
func writeHTMLPage(e *env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(e.stdout)
	}
	return writeNamedFile(path, "--html", write)
}

// writeNamedFile writes the file the user named with flag, under a
// temporary name put in place whole, replacing what was there: a second run
// rewrites it, as -o does for most tools (park's dumps, named by the tool,
// never replace a file). A directory is bad input. It writes every file
// report names: --html (of one dump or of many) and --out.
func writeNamedFile(path, flag string, write func(io.Writer) error) error {
	if isDir(path) {
		return usagef("report: %s %q is a directory: want a file in a writable directory, or - for stdout", flag, path)
	}
	f, err := createAtomic(path)
	if err != nil {
		return usagef("report: %s %q: %v: want a file in a writable directory, or - for stdout", flag, path, err)
	}
	defer f.discard()
	if err := write(f); err != nil {
		return fmt.Errorf("report: %s %q: %v", flag, path, err)
	}
	return f.commitReplacing()
}
