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
// times are what the programs print themselves: gsysint-demo on stderr
// ("parking took D; resident memory grew X, Y KB a goroutine", "dump 1:
// goroutine debug=2, N goroutines, SIZE in D", "released N goroutines in D")
// and the baseline as BENCH lines. HTTP times are those of a Go client GET,
// from request to the last byte of the body.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// samples is a set of measurements of one figure.
type samples []float64

func (s samples) median() float64 {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

// row is one line of the table.
type row struct {
	work             string
	n                int // goroutines
	ours, base       samples
	unit             string  // "s", "B", "count"
	speedup          bool    // ratio is base/ours ("× faster"), else ours/base
	target           float64 // 0: no numeric target
	targetText, note string
}

func (r *row) ratio() float64 {
	o, b := r.ours.median(), r.base.median()
	if o == 0 || b == 0 {
		return 0
	}
	if r.speedup {
		return b / o
	}
	return o / b
}

func (r *row) met() string {
	if r.target == 0 {
		return ""
	}
	q := r.ratio()
	if q == 0 {
		return "?"
	}
	if r.speedup && q >= r.target || !r.speedup && q <= r.target {
		return "yes"
	}
	return "**no**"
}

func format(v float64, unit string) string {
	switch unit {
	case "s":
		switch {
		case v >= 1:
			return fmt.Sprintf("%.2f s", v)
		case v >= 1e-3:
			return fmt.Sprintf("%.1f ms", v*1e3)
		}
		return fmt.Sprintf("%.0f µs", v*1e6)
	case "B":
		switch {
		case v >= 1<<30:
			return fmt.Sprintf("%.2f GiB", v/(1<<30))
		case v >= 1<<20:
			return fmt.Sprintf("%.1f MiB", v/(1<<20))
		case v >= 1<<10:
			return fmt.Sprintf("%.2f KiB", v/(1<<10))
		}
		return fmt.Sprintf("%.0f B", v)
	case "B/g":
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(c *config) error {
	var rows []*row
	var extra []string // lines printed under the table

	// Park, dump and release: one process of each program per rep and
	// count, ours and the baseline alternately.
	counts := slices.Clone(c.dumpNs)
	if !slices.Contains(counts, c.parkN) {
		counts = append(counts, c.parkN)
	}
	slices.Sort(counts)
	for _, n := range counts {
		dumps := 0
		if slices.Contains(c.dumpNs, n) {
			dumps = c.dumps
		}
		pprofDumps := dumps
		if n >= 1_000_000 {
			pprofDumps = min(dumps, c.pprofDumpsBig)
		}
		var o, b parkRun
		for rep := range c.reps {
			order := []func() error{
				func() error { return runOurs(c, n, dumps, &o) },
				func() error { return runBaseline(c, n, dumps, pprofDumps, &b) },
			}
			if rep%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, f := range order {
				if err := f(); err != nil {
					return err
				}
			}
		}
		N := count(n)
		if n == c.parkN {
			rows = append(rows,
				&row{work: "park: wall time", n: n, ours: o.park, base: b.park, unit: "s",
					target: 1.2, targetText: "≤ 1.2×"},
				&row{work: "park: RSS growth per goroutine", n: n, ours: o.rssPerG, base: b.rssPerG, unit: "B/g",
					target: 1.05, targetText: "≤ 1.05× (≈ 2.7 KB)"},
				&row{work: "release: wall time", n: n, ours: o.release, base: b.release, unit: "s",
					target: 1.2, targetText: "≤ 1.2×"},
			)
		}
		if dumps > 0 {
			var pprofTarget float64
			var pprofTargetText string
			if n == 100_000 {
				pprofTarget, pprofTargetText = 6, "≥ 6× faster"
			}
			rows = append(rows,
				&row{work: "debug=2 dump vs one pre-sized runtime.Stack", n: n, ours: o.dump, base: b.stack, unit: "s",
					target: 1.15, targetText: "≤ 1.15×"},
				&row{work: "debug=2 dump vs pprof WriteTo(w, 2)", n: n, ours: o.dump, base: b.pprof, unit: "s",
					speedup: true, target: pprofTarget, targetText: pprofTargetText},
				&row{work: "debug=2 completeness: goroutine headers, ours vs pprof", n: n, ours: o.headers, base: b.pprofHeaders, unit: "count",
					speedup: true, note: fmt.Sprintf("pre-sized runtime.Stack: %s headers; pprof text %s (cut at 64 MiB)", format(b.stackHeaders.median(), "count"), format(b.pprofBytes.median(), "B"))},
			)
			extra = append(extra,
				fmt.Sprintf("dump %s: ours %s", N, list(o.dump, "s")),
				fmt.Sprintf("dump %s: pre-sized runtime.Stack %s", N, list(b.stack, "s")),
				fmt.Sprintf("dump %s: pprof WriteTo %s", N, list(b.pprof, "s")),
				fmt.Sprintf("dump %s: bytes ours %s, runtime.Stack %s", N, format(o.bytes.median(), "B"), format(b.stackBytes.median(), "B")))
		}
		extra = append(extra,
			fmt.Sprintf("park %s: ours %s; baseline %s", N, list(o.park, "s"), list(b.park, "s")),
			fmt.Sprintf("park %s RSS/goroutine: ours %s; baseline %s", N, list(o.rssPerG, "B/g"), list(b.rssPerG, "B/g")),
			fmt.Sprintf("release %s: ours %s; baseline %s", N, list(o.release, "s"), list(b.release, "s")))
	}

	// report against pp.
	if c.pp != "" {
		for _, n := range c.reportNs {
			file := filepath.Join(c.work, fmt.Sprintf("goroutines-%d.txt", n))
			if err := makeDump(c, n, file); err != nil {
				return err
			}
			st, err := os.Stat(file)
			if err != nil {
				return err
			}
			runPP := n <= c.ppDefaultMax
			reps := c.reps
			if n <= 10_000 {
				reps = max(reps, c.reportRepsSmall)
			}
			var ours, plain, pp, ppa, oursRSS, plainRSS samples
			// report times bin's report on the file and measures its peak RSS.
			report := func(bin string, wall, rss *samples) func() error {
				return func() error {
					if bin == "" {
						return nil
					}
					w, err := timeCmd(bin, "report", file)
					if err != nil {
						return err
					}
					r, err := peakRSS(bin, "report", file)
					*wall, *rss = append(*wall, w), append(*rss, r)
					return err
				}
			}
			for rep := range reps {
				steps := []func() error{
					report(c.gsd, &ours, &oursRSS),
					report(c.gsdPlain, &plain, &plainRSS),
					func() error {
						if !runPP {
							return nil
						}
						w, err := timeCmd(c.pp, file)
						pp = append(pp, w)
						return err
					},
					func() error {
						w, err := timeCmd(c.pp, "-aggressive", file)
						ppa = append(ppa, w)
						return err
					},
				}
				if rep%2 == 1 {
					slices.Reverse(steps)
				}
				for _, f := range steps {
					if err := f(); err != nil {
						return err
					}
				}
			}
			N := count(n)
			if runPP {
				r := &row{work: "report vs pp (default flags)", n: n, ours: ours, base: pp, unit: "s", speedup: true}
				if n == 10_000 {
					r.target, r.targetText = 20, "≥ 20× faster"
				}
				rows = append(rows, r)
				if c.gsdPlain != "" {
					rows = append(rows, &row{work: "report vs pp (default flags), plain go build", n: n, ours: plain, base: pp, unit: "s", speedup: true})
				}
			}
			r := &row{work: "report vs pp -aggressive", n: n, ours: ours, base: ppa, unit: "s", speedup: true}
			if n == 100_000 {
				r.target, r.targetText = 20, "≥ 20× faster"
			}
			rows = append(rows, r,
				&row{work: "report: peak RSS vs input size", n: n, ours: oursRSS, base: samples{float64(st.Size())}, unit: "B",
					target: 2, targetText: "≤ 2× the input"})
			extra = append(extra, fmt.Sprintf("report %s (%s input): ours %s; pp %s; pp -aggressive %s; ours peak RSS %s",
				N, format(float64(st.Size()), "B"), list(ours, "s"), list(pp, "s"), list(ppa, "s"), list(oursRSS, "B")))
			if c.gsdPlain != "" {
				extra = append(extra, fmt.Sprintf("report %s, plain go build: %s; peak RSS %s", N, list(plain, "s"), list(plainRSS, "B")))
			}
			hr, he, err := htmlRows(c, n, file, reps)
			if err != nil {
				return err
			}
			rows, extra = append(rows, hr...), append(extra, he...)
		}
	}

	// The floors the report rows are read against: they need no pp.
	idle := samples{}
	for range 3 {
		rss, err := peakRSS(c.gsd, "version")
		if err != nil {
			return err
		}
		idle = append(idle, rss)
	}
	extra = append(extra, rssMethod(),
		fmt.Sprintf("peak RSS of gsysint-demo version (the binary's floor): %s", format(idle.median(), "B")))
	if c.deps != "" {
		var wall, rss samples
		for range c.reportRepsSmall {
			w, err := timeCmd(c.deps)
			if err != nil {
				return err
			}
			r, err := peakRSS(c.deps)
			if err != nil {
				return err
			}
			wall, rss = append(wall, w), append(rss, r)
		}
		extra = append(extra, fmt.Sprintf("bench/deps, a program that only links net/http/pprof, urfave/cli, google/pprof/profile and x/exp/trace, built like gsysint-demo: start to exit %s, peak RSS %s",
			format(wall.median(), "s"), format(rss.median(), "B")))
	}

	// --http debug=2.
	if c.httpN > 0 {
		o, b, ob, bb, oh, bh, err := runHTTP(c)
		if err != nil {
			return err
		}
		N := count(c.httpN)
		rows = append(rows,
			&row{work: "--http ?debug=2 GET vs net/http/pprof", n: c.httpN, ours: o, base: b, unit: "s", speedup: true,
				target: 5, targetText: "≥ 5× faster",
				note: fmt.Sprintf("headers ours %s, net/http/pprof %s", format(oh.median(), "count"), format(bh.median(), "count"))})
		extra = append(extra, fmt.Sprintf("http %s: ours %s (%s); net/http/pprof %s (%s)",
			N, list(o, "s"), format(ob.median(), "B"), list(b, "s"), format(bb.median(), "B")))
	}

	printTable(os.Stdout, c.label, rows, extra)
	return nil
}

func list(s samples, unit string) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = format(v, unit)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func printTable(w io.Writer, label string, rows []*row, extra []string) {
	if label != "" {
		fmt.Fprintf(w, "\n### %s\n\n", label)
	}
	fmt.Fprintln(w, "| work | N | gsysint-demo | baseline | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rows {
		ratio := ""
		if q := r.ratio(); q != 0 {
			if r.speedup {
				ratio = fmt.Sprintf("%.2f× faster", q)
			} else {
				ratio = fmt.Sprintf("%.2f×", q)
			}
		}
		if r.unit == "count" {
			ratio = fmt.Sprintf("%.1f%% vs %.1f%% of N", 100*r.ours.median()/float64(r.n), 100*r.base.median()/float64(r.n))
		}
		base := format(r.base.median(), r.unit)
		if r.note != "" {
			base += " (" + r.note + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n",
			r.work, count(r.n), format(r.ours.median(), r.unit), base, ratio, r.targetText, r.met())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Samples (each figure above is the median of these):")
	fmt.Fprintln(w)
	for _, e := range extra {
		fmt.Fprintln(w, "- "+e)
	}
}

// parkRun collects the figures of the runs of one program at one count.
type parkRun struct {
	park, rssPerG, release samples
	dump, bytes, headers   samples // ours
	stack, stackBytes      samples // baseline
	stackHeaders           samples
	pprof, pprofBytes      samples
	pprofHeaders           samples
}

var (
	reParked   = regexp.MustCompile(`^parking took (\S+); resident memory grew .*, ([0-9.]+) KB a goroutine$`)
	reDump     = regexp.MustCompile(`^dump \d+: goroutine debug=2, (\d+) goroutines, ([0-9.]+) (B|KB|MB|GB) in (\S+)$`)
	reReleased = regexp.MustCompile(`^released (\d+) goroutines in (\S+)`)
)

func seconds(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	return d.Seconds(), err
}

func runOurs(c *config, n, dumps int, r *parkRun) error {
	args := []string{"park", "-n", strconv.Itoa(n), "-r", c.reason, "--interval", "1ms", "--dumps", strconv.Itoa(max(dumps, 1))}
	logf("gsysint-demo %s", strings.Join(args, " "))
	stderr, err := runCapture(c.gsd, args...)
	if err != nil {
		return err
	}
	var got int
	for _, line := range strings.Split(stderr, "\n") {
		if m := reParked.FindStringSubmatch(line); m != nil {
			t, err := seconds(m[1])
			if err != nil {
				return err
			}
			kb, _ := strconv.ParseFloat(m[2], 64)
			r.park, r.rssPerG = append(r.park, t), append(r.rssPerG, kb*1000)
			got++
		}
		if m := reDump.FindStringSubmatch(line); m != nil && dumps > 0 {
			t, err := seconds(m[4])
			if err != nil {
				return err
			}
			h, _ := strconv.Atoi(m[1])
			size, _ := strconv.ParseFloat(m[2], 64)
			size *= map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m[3]]
			r.dump, r.headers, r.bytes = append(r.dump, t), append(r.headers, float64(h)), append(r.bytes, size)
			got++
		}
		if m := reReleased.FindStringSubmatch(line); m != nil {
			t, err := seconds(m[2])
			if err != nil {
				return err
			}
			r.release = append(r.release, t)
			got++
		}
	}
	if got < 2 {
		return fmt.Errorf("gsysint-demo park: unexpected output:\n%s", stderr)
	}
	return nil
}

func runBaseline(c *config, n, dumps, pprofDumps int, r *parkRun) error {
	args := []string{"-mode", "park", "-n", strconv.Itoa(n), "-reason", c.reason, "-dumps", strconv.Itoa(dumps), "-pprof-dumps", strconv.Itoa(pprofDumps)}
	logf("baseline %s", strings.Join(args, " "))
	stderr, err := runCapture(c.baseline, args...)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(stderr, "\n") {
		kv, ok := benchLine(line)
		if !ok {
			continue
		}
		switch {
		case kv["mode"] == "park":
			r.park = append(r.park, num(kv["park_ns"])/1e9)
			r.rssPerG = append(r.rssPerG, num(kv["rss_per_g"]))
		case kv["mode"] == "release":
			r.release = append(r.release, num(kv["release_ns"])/1e9)
		case kv["mode"] == "dump" && kv["method"] == "stack":
			r.stack = append(r.stack, num(kv["ns"])/1e9)
			r.stackBytes = append(r.stackBytes, num(kv["bytes"]))
			r.stackHeaders = append(r.stackHeaders, num(kv["headers"]))
		case kv["mode"] == "dump" && kv["method"] == "pprof":
			r.pprof = append(r.pprof, num(kv["ns"])/1e9)
			r.pprofBytes = append(r.pprofBytes, num(kv["bytes"]))
			r.pprofHeaders = append(r.pprofHeaders, num(kv["headers"]))
		}
	}
	if len(r.park) == 0 {
		return fmt.Errorf("baseline: unexpected output:\n%s", stderr)
	}
	return nil
}

func benchLine(line string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(line, "BENCH ")
	if !ok {
		return nil, false
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	return kv, true
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// runCapture runs a program with stdout to /dev/null and returns its stderr.
func runCapture(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String(), nil
}

// timeCmd runs a program with stdout to /dev/null and returns its wall
// time in seconds.
func timeCmd(name string, args ...string) (float64, error) {
	wall, err := run1(name, args, func(*exec.Cmd) {})
	if err == nil {
		logf("%s %s: %.3f s", filepath.Base(name), strings.Join(args, " "), wall)
	}
	return wall, err
}

// peakRSS runs a program with stdout to /dev/null and returns its peak
// resident set in bytes: as GNU time measures it where installed (see
// gnuTime), else the child's ru_maxrss, an upper bound.
func peakRSS(name string, args ...string) (float64, error) {
	var rss float64
	var err error
	if gnuTime != "" {
		rss, err = gnuTimeRSS(name, args)
	} else {
		_, err = run1(name, args, func(cmd *exec.Cmd) {
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = float64(ru.Maxrss) * 1024 // kilobytes on Linux
			}
		})
	}
	if err == nil {
		logf("%s %s: peak RSS %s", filepath.Base(name), strings.Join(args, " "), format(rss, "B"))
	}
	return rss, err
}

// rssMethod says how peakRSS measures, for the report.
func rssMethod() string {
	if gnuTime != "" {
		return "peak RSS as GNU time measures it (/usr/bin/time -f %M, one extra run per sample)"
	}
	return "peak RSS: the child's ru_maxrss (GNU time is not installed), an upper bound: never below the runner's own"
}

// run1 runs a program with stdout to /dev/null, passes it to done once it
// has exited, and returns its wall time in seconds.
func run1(name string, args []string, done func(*exec.Cmd)) (float64, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	done(cmd)
	return wall, nil
}

// gnuTime is GNU time's path, or "" if it is not installed. Go starts a
// child with vfork (clone with CLONE_VM|CLONE_VFORK), and the kernel
// charges the parent's peak resident set to the child's ru_maxrss when the
// child execs: a child's ru_maxrss is never below the runner's own (~8 MiB),
// which hides the figures of small commands. GNU time forks, so its child
// starts from GNU time's small memory.
var gnuTime = findGNUTime()

// findGNUTime returns /usr/bin/time if it is GNU time (BusyBox's and the
// BSDs' take other flags), else "".
func findGNUTime() string {
	const path = "/usr/bin/time"
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("GNU")) {
		return ""
	}
	return path
}

// gnuTimeRSS runs a program under GNU time and returns its peak RSS in bytes.
func gnuTimeRSS(name string, args []string) (float64, error) {
	out, err := os.CreateTemp("", "rss")
	if err != nil {
		return 0, err
	}
	defer os.Remove(out.Name())
	out.Close()
	if _, err := run1(gnuTime, append([]string{"-f", "%M", "-o", out.Name(), name}, args...), func(*exec.Cmd) {}); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		return 0, fmt.Errorf("GNU time printed %q: %v", b, err)
	}
	return kb * 1024, nil
}

// makeDump writes a debug=2 dump of n parked goroutines with gsysint-demo park.
func makeDump(c *config, n int, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(c.gsd, "park", "-n", strconv.Itoa(n), "-r", c.reason, "--dumps", "1")
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	logf("gsysint-demo park -n %d -r %s --dumps 1 > %s", n, c.reason, file)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("making %s: %v\n%s", file, err, stderr.String())
	}
	return nil
}

// server is a program serving pprof while it holds goroutines parked.
type server struct {
	cmd  *exec.Cmd
	url  string
	errs bytes.Buffer
}

// startServer starts a program and waits for the stderr line that gives
// its address.
func startServer(re *regexp.Regexp, name string, args ...string) (*server, error) {
	s := &server{cmd: exec.Command(name, args...)}
	pr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			s.errs.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			s.cmd.Wait()
			return nil, fmt.Errorf("%s exited before serving", filepath.Base(name))
		}
		s.url = "http://" + addr + "/debug/pprof/goroutine?debug=2"
		return s, nil
	case <-time.After(5 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("%s did not start serving", filepath.Base(name))
	}
}

func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Minute):
		s.cmd.Process.Kill()
		return errors.New("did not stop on SIGTERM")
	}
}

// headerCounter counts goroutine headers in a stream, across writes.
type headerCounter struct {
	n, headers int
	tail       []byte // the last bytes of the previous write
}

var header = []byte("\ngoroutine ")

func (h *headerCounter) Write(p []byte) (int, error) {
	if h.n == 0 && bytes.HasPrefix(p, header[1:]) {
		h.headers++
	}
	// Headers that straddle the previous write and this one.
	if len(h.tail) > 0 {
		j := append(slices.Clone(h.tail), p[:min(len(p), len(header)-1)]...)
		h.headers += bytes.Count(j, header)
	}
	h.headers += bytes.Count(p, header)
	h.tail = append(h.tail[:0], p[max(0, len(p)-(len(header)-1)):]...)
	h.n += len(p)
	return len(p), nil
}

// get fetches url and returns the seconds to the body's last byte, its
// size and its goroutine headers. The body is counted as it streams in,
// not kept.
func get(url string) (float64, float64, float64, error) {
	client := &http.Client{Timeout: 5 * time.Minute}
	start := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		return 0, 0, 0, err
	}
	var hc headerCounter
	_, err = io.Copy(&hc, resp.Body)
	resp.Body.Close()
	t := time.Since(start).Seconds()
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return t, float64(hc.n), float64(hc.headers), nil
}

func runHTTP(c *config) (ours, base, oursBytes, baseBytes, oursH, baseH samples, err error) {
	n := strconv.Itoa(c.httpN)
	logf("gsysint-demo park -n %s --http 127.0.0.1:0 and baseline -mode http -n %s", n, n)
	o, err := startServer(regexp.MustCompile(`^serving pprof on http://(\S+)/debug/pprof/`),
		c.gsd, "park", "-n", n, "-r", c.reason, "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "24h")
	if err != nil {
		return
	}
	defer o.stop()
	b, err := startServer(regexp.MustCompile(`^BENCH mode=http addr=(\S+)`),
		c.baseline, "-mode", "http", "-n", n, "-reason", c.reason)
	if err != nil {
		return
	}
	defer b.stop()
	// One GET of each first, not counted: both servers have just parked
	// their goroutines, and their garbage collections may still run.
	for _, s := range []*server{o, b} {
		t, _, _, gerr := get(s.url)
		if gerr != nil {
			err = gerr
			return
		}
		logf("GET %s (warm-up, not counted): %.3f s", s.url, t)
	}
	for rep := range c.httpReps {
		srvs := []*server{o, b}
		if rep%2 == 1 {
			srvs = []*server{b, o}
		}
		for _, s := range srvs {
			t, size, h, gerr := get(s.url)
			if gerr != nil {
				err = gerr
				return
			}
			logf("GET %s: %.3f s, %s, %.0f headers", s.url, t, format(size, "B"), h)
			if s == o {
				ours, oursBytes, oursH = append(ours, t), append(oursBytes, size), append(oursH, h)
			} else {
				base, baseBytes, baseH = append(base, t), append(baseBytes, size), append(baseH, h)
			}
		}
	}
	return
}

// htmlRows times report --html and pp -html on the dump file of n
// goroutines, reps times each, and measures their pages' sizes; at 100k
// the targets are absolute: at most 0.5 s and 1 MiB of HTML.
func htmlRows(c *config, n int, file string, reps int) ([]*row, []string, error) {
	ours, oursOut := samples{}, filepath.Join(c.work, "report.html")
	pp, ppOut := samples{}, filepath.Join(c.work, "pp.html")
	var oursSize, ppSize samples
	for range reps {
		w, err := timeCmd(c.gsd, "report", "--html", oursOut, file)
		if err != nil {
			return nil, nil, err
		}
		ours = append(ours, w)
		if w, err = timeCmd(c.pp, "-html", ppOut, file); err != nil {
			return nil, nil, err
		}
		pp = append(pp, w)
	}
	for _, f := range []struct {
		path string
		size *samples
	}{{oursOut, &oursSize}, {ppOut, &ppSize}} {
		st, err := os.Stat(f.path)
		if err != nil {
			return nil, nil, err
		}
		*f.size = samples{float64(st.Size())}
		os.Remove(f.path)
	}
	rows := []*row{
		{work: "report --html vs pp -html", n: n, ours: ours, base: pp, unit: "s", speedup: true},
		{work: "report --html: page size vs pp -html's", n: n, ours: oursSize, base: ppSize, unit: "B"},
	}
	if n == 100_000 {
		rows = append(rows,
			&row{work: "report --html: time vs 0.5 s", n: n, ours: ours, base: samples{0.5}, unit: "s", speedup: true, target: 1, targetText: "≤ 0.5 s"},
			&row{work: "report --html: page size vs 1 MiB", n: n, ours: oursSize, base: samples{1 << 20}, unit: "B", target: 1, targetText: "≤ 1 MiB"})
	}
	extra := []string{fmt.Sprintf("report --html %s: ours %s, %s of HTML; pp -html %s, %s",
		count(n), list(ours, "s"), format(oursSize.median(), "B"), list(pp, "s"), format(ppSize.median(), "B"))}
	return rows, extra, nil
}
