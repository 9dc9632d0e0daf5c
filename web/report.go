package web

import (
	"bufio"
	"embed"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gsysint-demo/dump"
)

//go:embed assets
var assets embed.FS

// MaxIDs is the most goroutine ids the report lists per group: the page
// grows with the number of groups, not of goroutines.
const MaxIDs = 8

// Report is what the report page shows of a dump.
type Report struct {
	// Source names the dump read ("g.txt", "stdin", a URL).
	Source   string
	Format   string // dump.FormatDebug2, FormatDebug1 or FormatProto
	Profile  string // "goroutine", "goroutineleak" or empty (debug=2)
	Headline string // a crash's first line, if any
	Total    int
	Matched  int
	// States is empty when the format records none (debug=1, protobuf).
	States     []StateRow
	GroupCount int
	Groups     []Group
	Labels     []Label
}

// StateRow is the number of goroutines in one state or wait reason.
type StateRow struct {
	State   string
	Count   int
	Leaked  int
	Minutes string // "3" or "1-5"; "0" is under a minute
	// FromLabel says the state is the value of park's reason label, not
	// a header's (debug=1 and protobuf record no state).
	FromLabel bool
}

// Group is a set of goroutines with the same stack.
type Group struct {
	Count     int
	Leaked    int
	States    []Count // most goroutines first
	CreatedBy []string
	// IDs holds at most MaxIDs goroutine ids; More says whether the
	// group has goroutines beyond them.
	IDs    []int64
	More   bool
	Frames []Frame // innermost call first
	Labels []Label // empty when the summary keeps no labels per group
}

// Count is a name with a number of goroutines.
type Count struct {
	Name  string
	Count int
}

// Frame is one call of a stack; File is empty when the summary keeps
// only function names.
type Frame struct {
	Func string
	File string
	Line int
}

// Label is a pprof label and the number of goroutines that carry it.
type Label struct {
	Key, Value string
	Count      int
}

// FromSummary is the report of s, read from source.
func FromSummary(s *dump.Summary, source string) *Report {
	r := &Report{
		Source:     source,
		Format:     s.Format,
		Profile:    s.Profile,
		Headline:   s.Headline,
		Total:      s.Total,
		Matched:    s.Matched,
		GroupCount: s.GroupCount,
	}
	for _, row := range s.States {
		minutes := strconv.Itoa(row.MinMinutes)
		if row.MaxMinutes != row.MinMinutes {
			minutes += "-" + strconv.Itoa(row.MaxMinutes)
		}
		r.States = append(r.States, StateRow{State: row.State, Count: row.Count, Leaked: row.Leaked, Minutes: minutes, FromLabel: row.FromLabel})
	}
	for _, g := range s.Groups {
		v := Group{Count: g.Count, Leaked: g.Leaked, CreatedBy: g.CreatedBy}
		for _, st := range g.States {
			v.States = append(v.States, Count{Name: st.Name, Count: st.Count})
		}
		v.IDs = g.IDs[:min(len(g.IDs), MaxIDs)]
		v.More = g.Count > len(v.IDs)
		if len(g.Frames) > 0 {
			for _, f := range g.Frames {
				v.Frames = append(v.Frames, Frame{Func: f.Func, File: f.File, Line: f.Line})
			}
		} else {
			for _, f := range g.Funcs {
				v.Frames = append(v.Frames, Frame{Func: f})
			}
		}
		for _, l := range g.Labels {
			v.Labels = append(v.Labels, Label{Key: l.Key, Value: l.Value, Count: l.Count})
		}
		r.Groups = append(r.Groups, v)
	}
	for _, l := range s.Labels {
		r.Labels = append(r.Labels, Label{Key: l.Key, Value: l.Value, Count: l.Count})
	}
	return r
}

var reportTemplate = template.Must(template.New("report.html").Funcs(funcs).ParseFS(assets, "assets/report.html"))

// funcs are the helpers the templates call.
var funcs = template.FuncMap{
	"asset": func(name string) (string, error) {
		b, err := assets.ReadFile("assets/" + name)
		return string(b), err
	},
	"css": func(s string) template.CSS { return template.CSS(s) },
	"js":  func(s string) template.JS { return template.JS(s) },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"parkedTotal": func(groups []liveGroup) int {
		n := 0
		for _, g := range groups {
			n += g.Count
		}
		return n
	},
	// tagfocus is go tool pprof's -tagfocus argument that matches label
	// key=value exactly, quoted for a POSIX shell.
	"tagfocus": func(key, value string) string {
		arg := "-tagfocus=" + key + "=^" + regexp.QuoteMeta(value) + "$"
		return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
	},
	"ids": func(ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(s, ", ")
	},
}

// openGroups is how many of the largest groups show their stacks unfolded.
const openGroups = 3

// WriteReport writes r as one self-contained HTML page.
func WriteReport(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := reportTemplate.Execute(bw, struct {
		*Report
		Open int
	}{r, openGroups}); err != nil {
		return err
	}
	return bw.Flush()
}
