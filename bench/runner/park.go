package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
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
