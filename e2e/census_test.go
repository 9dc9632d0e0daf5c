package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The census table: one row per group, park's groups with their count,
// state (custom text included), park time and labels.
func TestCensusTable(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "-n", "40", "-r", "chan receive", "-r", "waiting for godot", "--label", "team=core", "--profile", "census", "--dumps", "1")
	wantExit(t, r, 0)
	// COUNT  STATE         AGE (runtime)  PARKED (real)  START                                            CREATED AT   LABELS
	// 40     chan receive  -              1.2ms–3.4ms    gsysint-demo/park.(*Parker).start.func1.gowrap1  park.go:242  {reason: chan receive, team: core, trace_reason: chan receive}
	for _, state := range []string{"chan receive", "waiting for godot"} {
		row := regexp.MustCompile(`(?m)^40  +` + regexp.QuoteMeta(state) + `  .*$`).FindString(r.stdout)
		cols := regexp.MustCompile(`  +`).Split(row, -1)
		if len(cols) != 7 || cols[3] == "-" || !strings.HasPrefix(cols[4], "gsysint-demo/park.") ||
			!regexp.MustCompile(`^park\.go:\d+$`).MatchString(cols[5]) || !strings.HasPrefix(cols[6], "{reason: "+state+", team: core, ") {
			t.Errorf("no row of 40 %q goroutines with their park time, start, creation site and labels:\n%v", state, r)
		}
	}
	if !regexp.MustCompile(`(?m)^\d+\s+running\s+`).MatchString(r.stdout) {
		t.Errorf("no row for the goroutine taking the census:\n%v", r)
	}
	if !regexp.MustCompile(`(?m)^dump 1: census table of groups, \d+ goroutines in \d+ groups, read in \S+ without stopping the world`).MatchString(strings.Join(asText(r.stderrLines()), "\n")) {
		t.Errorf("no census event on stderr:\n%v", r)
	}
}

// --json --per-goroutine: every goroutine once, park's with their park
// time, creator and labels.
func TestCensusJSONPerGoroutine(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "-n", "25", "-r", "waiting, (for) lefty", "--profile", "census", "--json", "--per-goroutine", "--dumps", "1")
	wantExit(t, r, 0)
	var s struct {
		Total      int `json:"total"`
		System     int `json:"system"`
		Goroutines []struct {
			ID          uint64            `json:"id"`
			Status      string            `json:"status"`
			State       string            `json:"state"`
			ParkedKnown bool              `json:"parked_known"`
			CreatorID   uint64            `json:"creator_id"`
			Labels      map[string]string `json:"labels"`
			Start       struct{ Func string }
		} `json:"goroutines"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	seen := map[uint64]bool{}
	parked := 0
	for _, g := range s.Goroutines {
		if seen[g.ID] {
			t.Errorf("goroutine %d listed twice", g.ID)
		}
		seen[g.ID] = true
		if g.State == "waiting, (for) lefty" {
			parked++
			if !g.ParkedKnown || g.CreatorID == 0 || g.Labels["reason"] != g.State || g.Status != "waiting" {
				t.Errorf("parked goroutine %+v", g)
			}
		}
	}
	if parked != 25 {
		t.Errorf("%d goroutines in state %q, parked 25:\n%v", parked, "waiting, (for) lefty", r)
	}
	if len(s.Goroutines)+s.System != s.Total {
		t.Errorf("%d goroutines listed and %d system ones, total %d", len(s.Goroutines), s.System, s.Total)
	}
	// report reads the JSON back, from a file and from stdin.
	path := filepath.Join(t.TempDir(), "census.json")
	if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := gsys(t, "report", path)
	wantExit(t, rep, 0)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	piped := execute(t, nil, f, "", bin, "report", "-")
	wantExit(t, piped, 0)
	for _, out := range []string{rep.stdout, piped.stdout} {
		if !strings.HasPrefix(out, "format: census\n") || !regexp.MustCompile(`(?m)^waiting, \(for\) lefty\s+25\s`).MatchString(out) {
			t.Errorf("report on the census JSON:\n%s", out)
		}
	}
}

// The protobuf, both shapes, read by the real go tool pprof.
func TestCensusPprof(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := gsys(t, "park", "-n", "30", "-r", "chan receive", "-r", "waiting for godot", "--profile", "census", "--debug", "0", "--dumps", "1", "--out", dir)
	wantExit(t, r, 0)
	groups := filepath.Join(dir, "census-0001.pb.gz")
	top := goPprof(t, nil, "-top", groups)
	wantExit(t, top, 0)
	// 60 97.56% 97.56%  60 97.56%  gsysint-demo/park.(*Parker).start.func1.gowrap1
	if !regexp.MustCompile(`(?m)^\s*60\s+\S+%\s+\S+%\s+60\s+\S+%\s+gsysint-demo/park\.\(\*Parker\)\.start\.func1\.gowrap1$`).MatchString(top.stdout) {
		t.Errorf("-top has no row of 60 for park's start function:\n%v", top)
	}
	tags := goPprof(t, nil, "-tags", groups)
	wantExit(t, tags, 0)
	for _, re := range []string{
		`(?m)^\s*go::goroutine_state: Total \d+ of \d+ `,
		`(?m)^\s+30 \(\S+%\): chan receive$`,
		`(?m)^\s+30 \(\S+%\): waiting for godot$`,
		`(?m)^\s+\d+ \(\s*\S+%\): running$`, // the goroutine taking the census, at least
		`(?m)^\s*reason: Total 60 of \d+ `,
	} {
		if !regexp.MustCompile(re).MatchString(tags.stdout) {
			t.Errorf("-tags does not match %s:\n%v", re, tags)
		}
	}
	// report reads the states back from the protobuf.
	rep := gsys(t, "report", groups)
	wantExit(t, rep, 0)
	for _, state := range []string{"chan receive", "waiting for godot"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(state) + `\s+30\s`).MatchString(rep.stdout) {
			t.Errorf("report on the census protobuf has no row of 30 %q:\n%v", state, rep)
		}
	}
	root := goPprof(t, nil, "-top", "-tagroot=go::goroutine_state", groups)
	wantExit(t, root, 0)
	if !regexp.MustCompile(`(?m)^\s*0\s+0%\s+\S+%\s+30\s+\S+%\s+waiting for godot$`).MatchString(root.stdout) {
		t.Errorf("-tagroot=go::goroutine_state has no node of 30 for the state:\n%v", root)
	}

	each := t.TempDir() // dumps never replace files
	r = gsys(t, "park", "-n", "4", "--profile", "census", "--debug", "0", "--per-goroutine", "--dumps", "1", "--out", each)
	wantExit(t, r, 0)
	tags = goPprof(t, nil, "-tags", filepath.Join(each, "census-0001.pb.gz"))
	wantExit(t, tags, 0)
	for _, re := range []string{
		`(?m)^\s*go::goroutine: Total \d+ of \d+ `,
		`(?m)^\s*go::goroutine_created_by: Total \d+ of \d+ `,
		`(?m)^\s+4 \(\S+%\): parked by gsysint-demo$`,
	} {
		if !regexp.MustCompile(re).MatchString(tags.stdout) {
			t.Errorf("per goroutine -tags does not match %s:\n%v", re, tags)
		}
	}
	// One sample per goroutine: the id label counts each once.
	ids := regexp.MustCompile(`(?m)^\s+1 \(\s*\S+%\): \d+$`).FindAllString(tags.stdout[strings.Index(tags.stdout, "go::goroutine:"):], -1)
	if len(ids) < 5 {
		t.Errorf("%d goroutine ids with a count of 1, want at least the 4 parked and the census's own:\n%v", len(ids), tags)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(each, ".*tmp*")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestCensusBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args  []string
		names []string
	}{
		{[]string{"--profile", "census", "--debug", "1"}, []string{"--debug 1", "--debug 2", "--debug 0"}},
		{[]string{"--profile", "census", "--debug", "0", "--json"}, []string{"--debug 0", "--json"}},
		{[]string{"--json"}, []string{"--json", "--profile census"}},
		{[]string{"--per-goroutine", "--profile", "goroutine"}, []string{"--per-goroutine", "--profile census"}},
		{[]string{"--profile", "censuses"}, []string{`"censuses"`, "census"}},
		{[]string{"--profile", "census", "--summary"}, []string{"--summary", "--profile census"}},
		{[]string{"--system"}, []string{"--system", "--profile census"}},
	} {
		dir := t.TempDir()
		r := gsys(t, append([]string{"park", "--dumps", "1", "--out", dir}, c.args...)...)
		wantExit(t, r, 2)
		wantOneLine(t, r, c.names...)
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v wrote %d files", c.args, len(entries))
		}
	}
}

// --http serves the census next to pprof, in every form, with park times;
// go tool pprof reads the protobuf from its URL.
func TestCensusHTTP(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h", "-r", "waiting for godot", "-n", "5")
	url := strings.Replace(p.waitFor(servingLine)[1], "/debug/pprof/", "/debug/census", 1)
	body := httpGet(t, url)
	// COUNT  STATE  AGE (runtime)  PARKED (real)  START  CREATED AT  LABELS
	row := regexp.MustCompile(`(?m)^5  +waiting for godot  .*$`).FindString(body)
	if cols := regexp.MustCompile(`  +`).Split(row, -1); len(cols) != 7 || cols[3] == "-" || !strings.HasPrefix(cols[4], "gsysint-demo/park.") {
		t.Errorf("GET %s: no row of 5 goroutines waiting for godot with their park time:\n%s", url, clip(body, 3000))
	}
	var s struct {
		Goroutines []struct {
			State       string `json:"state"`
			ParkedKnown bool   `json:"parked_known"`
		} `json:"goroutines"`
	}
	if err := json.Unmarshal([]byte(httpGet(t, url+"?format=json&shape=goroutines")), &s); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range s.Goroutines {
		if g.State == "waiting for godot" && g.ParkedKnown {
			n++
		}
	}
	if n != 5 {
		t.Errorf("JSON lists %d goroutines waiting for godot with a park time, want 5", n)
	}
	tags := goPprof(t, nil, "-tags", url+"?format=proto")
	wantExit(t, tags, 0)
	if !regexp.MustCompile(`(?m)^\s+5 \(\s*\S+%\): waiting for godot$`).MatchString(tags.stdout) {
		t.Errorf("go tool pprof -tags on %s?format=proto:\n%v", url, tags)
	}
	p.interrupt(5)
}

func TestCensusHelp(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--help")
	wantExit(t, r, 0)
	for _, re := range []string{`(?m)^\s+--json\b`, `(?m)^\s+--per-goroutine\b`, `(?m)^\s+--profile .*\bcensus\b`} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("park --help does not match %s:\n%s", re, r.stdout)
		}
	}
}

// Census files never replace earlier ones, JSON included.
func TestCensusOutNeverReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, form := range [][]string{{"--json"}, {}, {"--debug", "0"}} {
		args := append([]string{"park", "--profile", "census", "--dumps", "1", "--out", dir}, form...)
		wantExit(t, gsys(t, args...), 0)
		r := gsys(t, args...)
		wantExit(t, r, 2)
		wantOneLine(t, r, "already holds census-0001")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "census-0001.json census-0001.pb.gz census-0001.txt" {
		t.Errorf("--out holds %v, want the three census files", names)
	}
}

// --system lists the runtime's own goroutines too, marked; without it the
// header counts them and says how to list them.
func TestCensusSystem(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "--profile", "census", "--dumps", "1")
	wantExit(t, r, 0)
	if strings.Contains(r.stdout, "(runtime's own)") || !regexp.MustCompile(`(?m)^census: .*; \d+ are the runtime's own \(listed with --system`).MatchString(r.stdout) {
		t.Errorf("without --system: runtime goroutines listed, or not counted in the header:\n%v", r)
	}
	r = gsys(t, "park", "--profile", "census", "--dumps", "1", "--system")
	wantExit(t, r, 0)
	// 1  finalizer wait  ≤ 31.749ms  -  runtime.runFinalizers (runtime's own)  mfinal.go:172  -
	if !regexp.MustCompile(`(?m)^\d+ +GC worker \(idle\) +.*runtime\.\S+ \(runtime's own\)`).MatchString(r.stdout) {
		t.Errorf("--system lists no GC worker marked as the runtime's own:\n%v", r)
	}
	if strings.Contains(r.stdout, "listed with --system") {
		t.Errorf("--system: the header still says how to list them:\n%v", r)
	}
}
