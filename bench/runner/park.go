package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gsysint-demo/internal/events"
)

// measurePark measures parking, dumping and releasing: one process of
// each program per rep and count, ours and the baseline alternately. The
// park and release rows are at the -park count, the dump rows at each
// -dump count.
func measurePark(c *config, t *table) error {
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
			t.rows = append(t.rows,
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
			t.rows = append(t.rows,
				&row{work: "debug=2 dump vs one pre-sized runtime.Stack", n: n, ours: o.dump, base: b.stack, unit: "s",
					target: 1.15, targetText: "≤ 1.15×"},
				&row{work: "debug=2 dump vs pprof WriteTo(w, 2)", n: n, ours: o.dump, base: b.pprof, unit: "s",
					speedup: true, target: pprofTarget, targetText: pprofTargetText},
				&row{work: "debug=2 completeness: goroutine headers, ours vs pprof", n: n, ours: o.headers, base: b.pprofHeaders, unit: "count",
					speedup: true, note: fmt.Sprintf("pre-sized runtime.Stack: %s headers; pprof text %s (cut at 64 MiB)", format(b.stackHeaders.median(), "count"), format(b.pprofBytes.median(), "B"))},
			)
			t.extra = append(t.extra,
				fmt.Sprintf("dump %s: ours %s", N, list(o.dump, "s")),
				fmt.Sprintf("dump %s: pre-sized runtime.Stack %s", N, list(b.stack, "s")),
				fmt.Sprintf("dump %s: pprof WriteTo %s", N, list(b.pprof, "s")),
				fmt.Sprintf("dump %s: bytes ours %s, runtime.Stack %s", N, format(o.bytes.median(), "B"), format(b.stackBytes.median(), "B")))
		}
		t.extra = append(t.extra,
			fmt.Sprintf("park %s: ours %s; baseline %s", N, list(o.park, "s"), list(b.park, "s")),
			fmt.Sprintf("park %s RSS/goroutine: ours %s; baseline %s", N, list(o.rssPerG, "B/g"), list(b.rssPerG, "B/g")),
			fmt.Sprintf("release %s: ours %s; baseline %s", N, list(o.release, "s"), list(b.release, "s")))
	}
	return nil
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

// runOurs runs gsysint-demo park once and reads its times and sizes
// from the events it tells in the JSON form (package internal/events).
func runOurs(c *config, n, dumps int, r *parkRun) error {
	args := []string{"park", "--log-format", "json", "-n", strconv.Itoa(n), "-r", c.reason, "--interval", "1ms", "--dumps", strconv.Itoa(max(dumps, 1))}
	logf("gsysint-demo %s", strings.Join(args, " "))
	stderr, err := runCapture(c.gsd, args...)
	if err != nil {
		return err
	}
	var got int
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		ev, err := events.Decode([]byte(line))
		if err != nil {
			return fmt.Errorf("gsysint-demo park: %v", err)
		}
		switch e := ev.(type) {
		case events.ParkingDone:
			r.park = append(r.park, e.Elapsed.Seconds())
			r.rssPerG = append(r.rssPerG, float64(e.RSSGrowth)/float64(max(e.Goroutines, 1)))
			got++
		case events.Dump:
			if dumps == 0 {
				break // the one dump of a run that measures parking only
			}
			r.dump = append(r.dump, e.Elapsed.Seconds())
			r.headers = append(r.headers, float64(e.Goroutines))
			r.bytes = append(r.bytes, float64(e.Bytes))
			got++
		case events.Released:
			r.release = append(r.release, e.Elapsed.Seconds())
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
