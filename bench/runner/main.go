// Command runner is the measuring half of scripts/bench.sh: given a built
// gsysint-demo, the baseline program (bench/baseline) and panicparse's pp,
// it runs each pair alternately, several times, in one run, and prints a
// Markdown table of medians and ratios against the targets of issues 4 and
// 7. scripts/bench.sh builds the binaries (once per toolchain) and prints
// the machine's cores, memory and Go version around this table.
//
// Every figure is the median of the samples shown under the table. Wall
// times of whole commands (report, pp) are measured here, from start to
// exit, and their peak RSS is "Maximum resident set size" as GNU time
// prints it, from one more run under /usr/bin/time (the child's own
// ru_maxrss, without it: see gnuTime). Park, dump and release
// times are what the programs print themselves: gsysint-demo on stderr as
// the events of its --log-format json (parking_done, dump, released: see
// package internal/events) and the baseline as BENCH lines. HTTP times are those of a Go client GET,
// from request to the last byte of the body.
//
// The work is a table of measurements (measurements, below), one file
// each: park.go (park, dump and release), report.go (report against pp),
// html.go (report --html against pp -html), floors.go (the start-up
// floors) and http.go (--http against
// net/http/pprof). table.go prints the table, exec.go runs and measures
// the programs.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

type config struct {
	gsd, baseline, pp string
	// gsdPlain is gsysint-demo built by a plain go build (cgo, urfave/cli's
	// docs), gsd the release build of scripts/build.sh; deps a program that
	// only links the dependencies.
	gsdPlain, deps  string
	work            string
	reason          string
	reps            int
	parkN           int
	dumpNs          []int
	dumps           int // dumps per process at each dump N
	pprofDumpsBig   int // pprof dumps per baseline process at N ≥ 1M (each takes ~10 s)
	reportNs        []int
	reportRepsSmall int // runs of each report command at N ≤ 10k
	ppDefaultMax    int // largest N at which pp runs with default flags
	httpN           int
	httpReps        int
	label           string
}

func main() {
	var c config
	var dumpNs, reportNs string
	flag.StringVar(&c.gsd, "gsd", "", "gsysint-demo binary")
	flag.StringVar(&c.baseline, "baseline", "", "bench/baseline binary")
	flag.StringVar(&c.pp, "pp", "", "panicparse pp binary (empty: skip the report rows)")
	flag.StringVar(&c.gsdPlain, "gsd-plain", "", "gsysint-demo from a plain go build, also timed on the report rows (optional)")
	flag.StringVar(&c.deps, "deps", "", "bench/deps binary: the start-up floor of the dependencies (optional)")
	flag.IntVar(&c.reportRepsSmall, "report-reps-small", 11, "runs of each report command at 10k goroutines or fewer (short runs: more samples)")
	flag.StringVar(&c.work, "work", "", "directory for dump files")
	flag.StringVar(&c.reason, "reason", "sync.Cond.Wait", "wait reason both programs park with")
	flag.IntVar(&c.reps, "reps", 3, "runs of each program of a pair, alternately")
	flag.IntVar(&c.parkN, "park", 1_000_000, "goroutines for the park and release rows")
	flag.StringVar(&dumpNs, "dump", "100000,1000000", "goroutine counts for the dump rows")
	flag.IntVar(&c.dumps, "dumps", 3, "dumps per process at each dump count")
	flag.IntVar(&c.pprofDumpsBig, "pprof-dumps-1m", 1, "pprof WriteTo dumps per baseline process at 1M goroutines or more")
	flag.StringVar(&reportNs, "report", "10000,100000", "goroutine counts for the report rows")
	flag.IntVar(&c.ppDefaultMax, "pp-default-max", 100000, "largest count at which pp also runs with default flags")
	flag.IntVar(&c.httpN, "http", 100000, "goroutines for the --http row (0: skip)")
	flag.IntVar(&c.httpReps, "http-reps", 5, "GETs of each endpoint, alternately")
	flag.StringVar(&c.label, "label", "", "title of the table (e.g. the Go version)")
	flag.Parse()
	c.dumpNs = ints(dumpNs)
	c.reportNs = ints(reportNs)
	if c.gsd == "" || c.baseline == "" || c.work == "" {
		fmt.Fprintln(os.Stderr, "runner: -gsd, -baseline and -work are required")
		os.Exit(2)
	}
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "runner: %q: want comma-separated counts\n", s)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}

// A measurement is one part of the benchmark: it runs its programs and adds
// its rows to the table and its samples to the list under it.
type measurement struct {
	name string
	// off reports whether the flags turned the measurement off.
	off func(*config) bool
	run func(*config, *table) error
}

// measurements run in this order, which is the order of their rows and
// samples.
var measurements = []measurement{
	{name: "park, dump and release", run: measurePark},
	{name: "report against pp", off: func(c *config) bool { return c.pp == "" }, run: measureReport},
	{name: "report --html against pp -html", off: func(c *config) bool { return c.pp == "" }, run: measureHTML},
	{name: "floors", run: measureFloors},
	{name: "--http debug=2", off: func(c *config) bool { return c.httpN <= 0 }, run: measureHTTP},
}

func run(c *config) error {
	var t table
	for _, m := range measurements {
		if m.off != nil && m.off(c) {
			continue
		}
		if err := m.run(c, &t); err != nil {
			return err
		}
	}
	t.print(os.Stdout, c.label)
	return nil
}
