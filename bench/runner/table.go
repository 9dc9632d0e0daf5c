package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The table the runner prints: its rows, the samples listed under it, and
// how figures are written.

// table is what the measurements found: the rows of the table, and the
// lines printed under it (the samples each figure is the median of).
type table struct {
	rows  []*row
	extra []string
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

func list(s samples, unit string) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = format(v, unit)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// print writes the table as Markdown under the heading label, if any.
func (t *table) print(w io.Writer, label string) {
	if label != "" {
		fmt.Fprintf(w, "\n### %s\n\n", label)
	}
	fmt.Fprintln(w, "| work | N | gsysint-demo | baseline | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range t.rows {
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
	for _, e := range t.extra {
		fmt.Fprintln(w, "- "+e)
	}
}
