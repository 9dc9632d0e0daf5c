package dump

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSummarizeBlocked(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			w := readWant(t, dir, "blocked")
			s := parseFile(t, filepath.Join(dir, "blocked.debug2.txt"))
			sum := Summarize(s, Options{})
			if sum.Total != w.Total || sum.Matched != w.Total || sum.Format != FormatDebug2 {
				t.Errorf("total %d, matched %d, format %s; want %d", sum.Total, sum.Matched, sum.Format, w.Total)
			}
			// The scenario's reasons plus goroutine 1, running.
			states := map[string]int{}
			for _, r := range sum.States {
				states[r.State] = r.Count
			}
			wantStates := map[string]int{"running": 1}
			for k, v := range w.Reasons {
				wantStates[k] += v
			}
			equalCounts(t, "states", states, wantStates)
			if !slices.IsSortedFunc(sum.States, func(a, b StateRow) int { return b.Count - a.Count }) {
				t.Errorf("states not sorted by count: %+v", sum.States)
			}

			// One group per blocking function and label set aside: the three
			// blockChanRecv goroutines differ in ids and args only.
			byFunc := map[string]Group{}
			for _, g := range sum.Groups {
				for _, f := range g.Funcs {
					if strings.HasPrefix(f, "main.block") || f == "main.leakyRecv" {
						byFunc[f] = g
						break
					}
				}
			}
			for fn, n := range w.Funcs {
				g, ok := byFunc[fn]
				if !ok || g.Count != n {
					t.Errorf("group of %s: count %d, want %d", fn, g.Count, n)
					continue
				}
				if len(g.CreatedBy) != 1 || g.CreatedBy[0] != "main.start" || len(g.IDs) != n {
					t.Errorf("group of %s: created by %v, ids %v", fn, g.CreatedBy, g.IDs)
				}
			}
			if g := byFunc["main.blockChanRecv"]; len(g.States) != 1 || g.States[0] != (NameCount{"chan receive", 3}) {
				t.Errorf("blockChanRecv states %+v", g.States)
			}

			top := Summarize(s, Options{Top: 3})
			if len(top.Groups) != 3 || top.GroupCount != sum.GroupCount || top.Groups[0].Count < top.Groups[2].Count {
				t.Errorf("Top 3: %d groups of %d", len(top.Groups), top.GroupCount)
			}

			m := Summarize(s, Options{Match: regexp.MustCompile(`^sync\.Mutex\.Lock$|blockCond`)})
			if m.Matched != 4 || m.Total != w.Total || len(m.Groups) != 2 {
				t.Errorf("Match: matched %d in %d groups, want 4 in 2 (mutex, cond)", m.Matched, len(m.Groups))
			}
		})
	}
}

// TestSummarizeFormatsAgree checks that the three readings of the same
// moment give the same groups by blocking function and the same labels.
func TestSummarizeFormatsAgree(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			labels := func(name string) []LabelRow {
				return Summarize(parseFile(t, filepath.Join(dir, name)), Options{}).Labels
			}
			d1, pb := labels("blocked.debug1.txt"), labels("blocked.pb.gz")
			if !slices.Equal(d1, pb) || len(d1) != 3 {
				t.Errorf("labels: debug1 %v, proto %v", d1, pb)
			}
			l2 := labels("labels.debug2.txt")
			if !slices.Equal(l2, d1) {
				t.Errorf("labels: tracebacklabels debug2 %v, debug1 %v", l2, d1)
			}
			d1sum := Summarize(parseFile(t, filepath.Join(dir, "blocked.debug1.txt")), Options{})
			if len(d1sum.States) != 0 {
				t.Errorf("debug1 has states %v", d1sum.States)
			}
		})
	}
}

func TestSummaryOutput(t *testing.T) {
	dir := fixtureDirs(t)[0]
	s := parseFile(t, filepath.Join(dir, "labels.debug2.txt"))
	sum := Summarize(s, Options{Top: 2})

	a, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(Summarize(s, Options{Top: 2}))
	if !bytes.Equal(a, b) {
		t.Errorf("JSON differs between two runs:\n%s\n%s", a, b)
	}
	var generic map[string]any
	if err := json.Unmarshal(a, &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"format", "total", "matched", "reading", "context", "states", "group_count", "groups", "labels"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("JSON has no %q: %s", key, a)
		}
	}
	group := generic["groups"].([]any)[0].(map[string]any)
	for _, key := range []string{"count", "leaked", "state", "funcs", "frames", "states", "created_by", "ids", "labels"} {
		if _, ok := group[key]; !ok {
			t.Errorf("group JSON has no %q: %v", key, group)
		}
	}

	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{
		"format: debug2\n",
		"goroutines: 7\n",
		"STATE         COUNT  LEAKED  MINUTES\n",
		"chan receive  6      0       0\n",
		"running       1      0       0\n",
		"stack groups (by state and stack): 3 (top 2 shown)\n",
		"[chan receive] x3; created by main.start; ids ",
		"\n   labels job=w7 x2, job=w8 x1, path=a b}\"x x2\n",
		"\n   main.blockLabeled  main.go:",
		"job=w7",
		"path=a b}\"x  2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if err := sum.WriteText(failWriter{}); err == nil {
		t.Error("WriteText to a failing writer: no error")
	}
}

// TestReadSummaryAgrees checks that summarising while reading, one reused
// goroutine at a time, gives what Summarize gives on the whole Snapshot, for
// every fixture of every format.
func TestReadSummaryAgrees(t *testing.T) {
	opts := map[string]Options{
		"all":   {},
		"top 2": {Top: 2},
		"match": {Match: regexp.MustCompile(`chan|sync\.|runtime\.gopark`)},
	}
	for _, dir := range fixtureDirs(t) {
		paths, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			if strings.HasSuffix(path, ".json") {
				continue
			}
			snap := parseFile(t, path)
			for name, opt := range opts {
				want := Summarize(snap, opt)
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				// A bytes.Reader, not the file: a file would be mapped
				// and summarised in parts (TestSummarizeInParts).
				got, err := ReadSummary(bytes.NewReader(b), opt)
				if err != nil {
					t.Fatalf("ReadSummary(%s): %v", path, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s: ReadSummary differs from Summarize(Parse):\n got %+v\nwant %+v", path, name, got, want)
				}
			}
		}
	}
}
