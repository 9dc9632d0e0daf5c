package web

import (
	"bufio"
	"html/template"
	"io"

	"gsysint-demo/series"
)

// SeriesPage is what the series page shows: the comparison of dumps in
// order, the same data as report's text and --json.
type SeriesPage struct {
	*series.Series
	// Groups are the groups listed: the Series' groups that changed
	// most, at most the top given to FromSeries.
	Groups []series.GroupSeries
}

// FromSeries is the page of s, with its top groups (0: all).
func FromSeries(s *series.Series, top int) *SeriesPage {
	p := &SeriesPage{Series: s, Groups: s.Groups}
	if top > 0 && len(p.Groups) > top {
		p.Groups = p.Groups[:top]
	}
	return p
}

var seriesTemplate = template.Must(template.New("series.html").Funcs(funcs).Funcs(template.FuncMap{
	"delta": series.Delta,
	"inc":   func(i int) int { return i + 1 },
	"stack": series.StackText,
	"change": func(g series.GroupSeries) string {
		if g.Change == series.New || g.Change == series.Gone {
			return g.Change
		}
		return series.Delta(g.Delta)
	},
}).ParseFS(assets, "assets/series.html"))

// WriteSeries writes p as one self-contained HTML page.
func WriteSeries(w io.Writer, p *SeriesPage) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := seriesTemplate.Execute(bw, p); err != nil {
		return err
	}
	return bw.Flush()
}
