package e2e

import (
	"encoding/json"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

const catalogName = "go1.26–go1.27"

func TestReasonsText(t *testing.T) {
	t.Parallel()
	r := gsys(t, "reasons")
	wantExit(t, r, 0)
	wait, trace, ok := strings.Cut(r.stdout, "\nTrace block reasons")
	if !ok || !strings.HasPrefix(wait, "Wait reasons (runtime.waitReasonStrings, 47 entries, read live from "+runtime.Version()) {
		t.Fatalf("unexpected layout:\n%v", r)
	}
	row := regexp.MustCompile(`(?m)^\d+\s+".*"\s`)
	if n := len(row.FindAllString(wait, -1)); n != 47 {
		t.Errorf("%d wait rows, want 47", n)
	}
	if n := len(row.FindAllString(trace, -1)); n != 17 {
		t.Errorf("%d trace rows, want 17", n)
	}
	if !regexp.MustCompile(`(?m)^19\s+"chan receive"\s+leak candidate\s+yes\b`).MatchString(wait) {
		t.Errorf("wait row 19 is not \"chan receive\", a parkable leak candidate:\n%s", wait)
	}
	if !regexp.MustCompile(`(?m)^4\s+"garbage collection"\s+refused\s+no\b`).MatchString(wait) {
		t.Errorf("wait row 4 is not \"garbage collection\", refused:\n%s", wait)
	}
	if !regexp.MustCompile(`(?m)^7\s+"chan receive"\s`).MatchString(trace) {
		t.Errorf("trace row 7 is not \"chan receive\":\n%s", trace)
	}
}

type reasonRow struct {
	Index      int    `json:"index"`
	Text       string `json:"text"`
	Class      string `json:"class"`
	Parkable   bool   `json:"parkable"`
	Borrowable bool   `json:"borrowable"`
	Note       string `json:"note"`
}

func TestReasonsJSON(t *testing.T) {
	t.Parallel()
	r := gsys(t, "reasons", "--json")
	wantExit(t, r, 0)
	var rep struct {
		Go      string      `json:"go"`
		Catalog string      `json:"catalog"`
		Wait    []reasonRow `json:"wait"`
		Trace   []reasonRow `json:"trace"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding reasons --json: %v\n%v", err, r)
	}
	if rep.Go != runtime.Version() || rep.Catalog != catalogName {
		t.Errorf("go %q, catalog %q: want %q, %q", rep.Go, rep.Catalog, runtime.Version(), catalogName)
	}
	if len(rep.Wait) != 47 || len(rep.Trace) != 17 {
		t.Fatalf("%d wait and %d trace reasons, want 47 and 17", len(rep.Wait), len(rep.Trace))
	}
	for i, w := range rep.Wait {
		if w.Index != i {
			t.Errorf("wait[%d].index = %d", i, w.Index)
		}
	}
	for i, w := range rep.Trace {
		if w.Index != i {
			t.Errorf("trace[%d].index = %d", i, w.Index)
		}
	}
	cr := rep.Wait[19]
	if cr.Text != "chan receive" || cr.Class != "leak candidate" || !cr.Parkable || cr.Borrowable || cr.Note == "" {
		t.Errorf("wait[19] = %+v, want chan receive, a parkable leak candidate with a note", cr)
	}
	if gc := rep.Wait[4]; gc.Text != "garbage collection" || gc.Parkable || !strings.Contains(gc.Note, "suspendG") {
		t.Errorf("wait[4] = %+v, want garbage collection, not parkable, suspendG", gc)
	}
	if slot := rep.Wait[31]; !slot.Borrowable || !slot.Parkable {
		t.Errorf("wait[31] = %+v, want the first borrowable slot (park's default reason uses it)", slot)
	}
	if rep.Trace[7].Text != "chan receive" {
		t.Errorf("trace[7] = %+v, want chan receive", rep.Trace[7])
	}
	if strings.TrimSpace(r.stdout[dec.InputOffset():]) != "" {
		t.Errorf("output after the JSON object")
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		r := gsys(t, args...)
		wantExit(t, r, 0)
		for _, want := range []string{
			"gsysint-demo ",
			"go:      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
			"catalog: " + catalogName + " (runtime tables and g layout match)",
			"build:   ",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: output lacks %q:\n%v", args, want, r)
			}
		}
		if r.stderr != "" {
			t.Errorf("%v: stderr not empty:\n%v", args, r)
		}
	}
}

func TestParkHelpListsFlags(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--help")
	wantExit(t, r, 0)
	for _, flag := range []string{"--reason", "-r", "--count", "-n", "--trace-reason", "--label", "--interval", "--dumps",
		"--duration", "--debug", "--profile", "--out", "-o", "--http", "--http-public", "--summary", "--log-format"} {
		if !regexp.MustCompile(`(?m)^\s+.*` + regexp.QuoteMeta(flag) + `\b`).MatchString(r.stdout) {
			t.Errorf("park --help lacks %s", flag)
		}
	}
}
