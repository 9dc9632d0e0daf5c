package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
)

// measureReport measures gsysint-demo report against panicparse's pp on a
// debug=2 dump of each -report count, the programs in turn, and report's
// peak RSS against the size of its input.
func measureReport(c *config, t *table) error {
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
			t.rows = append(t.rows, r)
			if c.gsdPlain != "" {
				t.rows = append(t.rows, &row{work: "report vs pp (default flags), plain go build", n: n, ours: plain, base: pp, unit: "s", speedup: true})
			}
		}
		r := &row{work: "report vs pp -aggressive", n: n, ours: ours, base: ppa, unit: "s", speedup: true}
		if n == 100_000 {
			r.target, r.targetText = 20, "≥ 20× faster"
		}
		t.rows = append(t.rows, r,
			&row{work: "report: peak RSS vs input size", n: n, ours: oursRSS, base: samples{float64(st.Size())}, unit: "B",
				target: 2, targetText: "≤ 2× the input"})
		t.extra = append(t.extra, fmt.Sprintf("report %s (%s input): ours %s; pp %s; pp -aggressive %s; ours peak RSS %s",
			N, format(float64(st.Size()), "B"), list(ours, "s"), list(pp, "s"), list(ppa, "s"), list(oursRSS, "B")))
		if c.gsdPlain != "" {
			t.extra = append(t.extra, fmt.Sprintf("report %s, plain go build: %s; peak RSS %s", N, list(plain, "s"), list(plainRSS, "B")))
		}
	}
	return nil
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
