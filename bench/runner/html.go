package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// measureHTML times report --html and pp -html on the debug=2 dump of each
// -report count (made by measureReport, which runs first), and measures
// their pages' sizes; at 100k the targets are absolute: at most 0.5 s and
// 1 MiB of HTML.
func measureHTML(c *config, t *table) error {
	for _, n := range c.reportNs {
		file := filepath.Join(c.work, fmt.Sprintf("goroutines-%d.txt", n))
		if _, err := os.Stat(file); err != nil {
			if err := makeDump(c, n, file); err != nil {
				return err
			}
		}
		reps := c.reps
		if n <= 10_000 {
			reps = max(reps, c.reportRepsSmall)
		}
		ours, oursOut := samples{}, filepath.Join(c.work, "report.html")
		pp, ppOut := samples{}, filepath.Join(c.work, "pp.html")
		var oursSize, ppSize samples
		for range reps {
			// report --html never replaces a file: each rep writes anew.
			os.Remove(oursOut)
			os.Remove(ppOut)
			w, err := timeCmd(c.gsd, "report", "--html", oursOut, file)
			if err != nil {
				return err
			}
			ours = append(ours, w)
			if w, err = timeCmd(c.pp, "-html", ppOut, file); err != nil {
				return err
			}
			pp = append(pp, w)
		}
		for _, f := range []struct {
			path string
			size *samples
		}{{oursOut, &oursSize}, {ppOut, &ppSize}} {
			st, err := os.Stat(f.path)
			if err != nil {
				return err
			}
			*f.size = samples{float64(st.Size())}
			os.Remove(f.path)
		}
		t.rows = append(t.rows,
			&row{work: "report --html vs pp -html", n: n, ours: ours, base: pp, unit: "s", speedup: true},
			&row{work: "report --html: page size vs pp -html's", n: n, ours: oursSize, base: ppSize, unit: "B"})
		if n == 100_000 {
			t.rows = append(t.rows,
				&row{work: "report --html: time vs 0.5 s", n: n, ours: ours, base: samples{0.5}, unit: "s", speedup: true, target: 1, targetText: "≤ 0.5 s"},
				&row{work: "report --html: page size vs 1 MiB", n: n, ours: oursSize, base: samples{1 << 20}, unit: "B", target: 1, targetText: "≤ 1 MiB"})
		}
		t.extra = append(t.extra, fmt.Sprintf("report --html %s: ours %s, %s of HTML; pp -html %s, %s",
			count(n), list(ours, "s"), format(oursSize.median(), "B"), list(pp, "s"), format(ppSize.median(), "B")))
	}
	return nil
}
