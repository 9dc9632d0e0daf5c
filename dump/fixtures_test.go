package dump

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"gsysint-demo/dump/internal/fixture"
)

var update = flag.Bool("update", false, "regenerate testdata/goX.Y/ by running internal/scenario with this toolchain")

// fixtureVersion is "go1.26" for "go1.26.8".
func fixtureVersion(v string) string {
	return regexp.MustCompile(`^go\d+\.\d+`).FindString(v)
}

// scenarioRuns lists how TestUpdate runs the scenario program: the mode,
// its environment, and whether it crashes (its stderr is the fixture).
var scenarioRuns = []struct {
	mode  string
	env   []string
	crash bool
}{
	{mode: "blocked"},
	{mode: "labels", env: []string{"GODEBUG=tracebacklabels=1"}},
	{mode: "ancestors", env: []string{"GODEBUG=tracebackancestors=3"}},
	{mode: "system", env: []string{"GOTRACEBACK=system"}, crash: true},
	{mode: "panic", env: []string{"GOTRACEBACK=all"}, crash: true},
	{mode: "deadlock", crash: true},
	{mode: "mapwrites", crash: true},
}

// TestUpdate regenerates the fixtures of the running toolchain (a few KB
// per file):
//
//	go test ./dump -run TestUpdate -update
//	GOTOOLCHAIN=go1.27.3 go test ./dump -run TestUpdate -update
func TestUpdate(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate the fixtures")
	}
	dir := filepath.Join("testdata", fixtureVersion(runtime.Version()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "scenario")
	build := exec.Command("go", "build", "-o", bin, "./internal/scenario")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/scenario: %v\n%s", err, out)
	}
	// Go 1.26 has the goroutineleak profile only with the experiment: the
	// blocked scenario (and it alone) is built with it there, so that the
	// 1.26 fixtures have leak profiles too.
	leakBin := bin
	if pprof.Lookup("goroutineleak") == nil {
		leakBin = bin + "-leak"
		build := exec.Command("go", "build", "-o", leakBin, "./internal/scenario")
		build.Env = append(os.Environ(), "GOEXPERIMENT=goroutineleakprofile")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("GOEXPERIMENT=goroutineleakprofile go build ./internal/scenario: %v\n%s", err, out)
		}
	}
	for _, run := range scenarioRuns {
		b := bin
		if run.mode == "blocked" {
			b = leakBin
		}
		cmd := exec.Command(b, "-mode", run.mode, "-out", dir)
		cmd.Env = append(os.Environ(), run.env...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		if !run.crash {
			if err != nil {
				t.Fatalf("scenario -mode %s: %v\n%s", run.mode, err, stderr.String())
			}
			continue
		}
		// A Go crash exits with status 2.
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("scenario -mode %s: %v, want exit status 2\n%s", run.mode, err, stderr.String())
		}
		if err := os.WriteFile(filepath.Join(dir, run.mode+".txt"), []byte(stderr.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s", dir)
}

// fixtureDirs returns testdata/go1.*, failing if there are none.
func fixtureDirs(t testing.TB) []string {
	dirs, err := filepath.Glob(filepath.Join("testdata", "go1.*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures in testdata/go1.* (%v): run go test -run TestUpdate -update", err)
	}
	return dirs
}

func readWant(t *testing.T, dir, mode string) fixture.Want {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, mode+".want.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w fixture.Want
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if got := fixtureVersion(w.Version); got != filepath.Base(dir) {
		t.Fatalf("%s was made by %s", dir, w.Version)
	}
	return w
}

func parseFile(t *testing.T, path string) *Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return s
}

// scenarioFunc returns the first frame of g in package main of the
// scenario (main.block*, main.leakyRecv), or "".
func scenarioFunc(g *Goroutine) string {
	for _, f := range g.Frames {
		if strings.HasPrefix(f.Func, "main.block") || f.Func == "main.leakyRecv" {
			return f.Func
		}
	}
	return ""
}

// scenarioCounts counts the scenario's goroutines by blocking function and
// by state, weighted by Count.
func scenarioCounts(s *Snapshot) (funcs, states map[string]int) {
	funcs, states = map[string]int{}, map[string]int{}
	for _, g := range s.Goroutines {
		if fn := scenarioFunc(g); fn != "" {
			funcs[fn] += g.Count
			states[g.State] += g.Count
		}
	}
	return funcs, states
}

func labelCounts(s *Snapshot) map[string]int {
	m := map[string]int{}
	for _, l := range Summarize(s, Options{}).Labels {
		m[l.Key+"="+l.Value] += l.Count
	}
	return m
}

func equalCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s[%q] = %d, want %d (got %v)", what, k, got[k], v, got)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v != 0 {
			t.Errorf("%s has unexpected %q: %d", what, k, v)
		}
	}
}

func TestFixturesBlocked(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			w := readWant(t, dir, "blocked")
			d2 := parseFile(t, filepath.Join(dir, "blocked.debug2.txt"))
			if d2.Format != FormatDebug2 || d2.Total != w.Total || len(d2.Goroutines) != w.Total {
				t.Errorf("debug2: format %q, total %d, %d goroutines; want debug2, %d", d2.Format, d2.Total, len(d2.Goroutines), w.Total)
			}
			funcs, states := scenarioCounts(d2)
			equalCounts(t, "debug2 funcs", funcs, w.Funcs)
			equalCounts(t, "debug2 states", states, w.Reasons)

			var deep, locked, main int
			for _, g := range d2.Goroutines {
				switch scenarioFunc(g) {
				case "main.blockDeep":
					deep++
					// The runtime prints 50 innermost and 50 outermost frames.
					if g.ElidedFrames == 0 || len(g.Frames) != 100 {
						t.Errorf("blockDeep: %d frames, %d elided; want 100 and some elided", len(g.Frames), g.ElidedFrames)
					}
				case "main.blockLocked":
					if !g.LockedToThread {
						t.Errorf("goroutine %d in blockLocked: not LockedToThread", g.ID)
					}
					locked++
				case "":
					if g.ID == 1 {
						main++
						if g.State != "running" || g.Frames[len(g.Frames)-1].Func != "main.main" {
							t.Errorf("goroutine 1: state %q, frames %v", g.State, g.Frames)
						}
					}
					continue
				}
				if g.CreatedBy != "main.start" || g.CreatedByGoroutine != 1 || !strings.HasSuffix(g.CreatedByFile, "main.go") || g.CreatedByLine == 0 {
					t.Errorf("goroutine %d: created by %q in goroutine %d at %s:%d; want main.start in goroutine 1",
						g.ID, g.CreatedBy, g.CreatedByGoroutine, g.CreatedByFile, g.CreatedByLine)
				}
				for _, f := range g.Frames {
					if f.File == "" || f.Line == 0 {
						t.Errorf("goroutine %d: frame %+v has no location", g.ID, f)
					}
				}
				if g.Leaked || len(g.Labels) != 0 {
					t.Errorf("goroutine %d: leaked %v, labels %v; want neither before the leak profile", g.ID, g.Leaked, g.Labels)
				}
			}
			if deep != 1 || locked != 1 || main != 1 {
				t.Errorf("found %d deep, %d locked, %d main goroutines; want 1 each", deep, locked, main)
			}

			// debug=1 and the protobuf were taken at the same moment: the
			// same totals, stacks and labels.
			for _, name := range []string{"blocked.debug1.txt", "blocked.pb.gz"} {
				s := parseFile(t, filepath.Join(dir, name))
				if s.Total != w.Total || s.Profile != "goroutine" {
					t.Errorf("%s: total %d, profile %q; want %d, goroutine", name, s.Total, s.Profile, w.Total)
				}
				funcs, _ := scenarioCounts(s)
				equalCounts(t, name+" funcs", funcs, w.Funcs)
				equalCounts(t, name+" labels", labelCounts(s), w.Labels)
			}
		})
	}
}

func TestFixturesLeak(t *testing.T) {
	ran := false
	for _, dir := range fixtureDirs(t) {
		w := readWant(t, dir, "blocked")
		if !w.LeakProfile {
			continue
		}
		ran = true
		t.Run(filepath.Base(dir), func(t *testing.T) {
			d2 := parseFile(t, filepath.Join(dir, "blocked.leak.debug2.txt"))
			leaked := map[string]int{}
			for _, g := range d2.Goroutines {
				if g.Leaked {
					leaked[scenarioFunc(g)]++
					if strings.Contains(g.State, "leaked") {
						t.Errorf("leaked goroutine %d: state %q still has the suffix", g.ID, g.State)
					}
				}
			}
			equalCounts(t, "leaked", leaked, w.Leaked)
			total := 0
			for _, n := range w.Leaked {
				total += n
			}
			for _, name := range []string{"blocked.leak.debug1.txt", "blocked.leak.pb.gz"} {
				s := parseFile(t, filepath.Join(dir, name))
				if s.Total != total || s.Profile != "goroutineleak" {
					t.Errorf("%s: total %d, profile %q; want %d, goroutineleak", name, s.Total, s.Profile, total)
				}
				funcs, _ := scenarioCounts(s)
				equalCounts(t, name+" funcs", funcs, w.Leaked)
				for _, g := range s.Goroutines {
					if !g.Leaked {
						t.Errorf("%s: record not marked leaked: %+v", name, g)
					}
				}
			}
		})
	}
	if !ran {
		t.Skip("no fixture has the goroutineleak profile")
	}
}

func TestFixturesLabels(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			w := readWant(t, dir, "labels")
			s := parseFile(t, filepath.Join(dir, "labels.debug2.txt"))
			funcs, states := scenarioCounts(s)
			equalCounts(t, "funcs", funcs, w.Funcs)
			equalCounts(t, "states", states, w.Reasons)
			equalCounts(t, "labels", labelCounts(s), w.Labels)
		})
	}
}

func TestFixturesAncestors(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			w := readWant(t, dir, "ancestors")
			s := parseFile(t, filepath.Join(dir, "ancestors.debug2.txt"))
			funcs, _ := scenarioCounts(s)
			equalCounts(t, "funcs", funcs, w.Funcs)
			for _, g := range s.Goroutines {
				if scenarioFunc(g) == "" {
					continue
				}
				// [originating from goroutine 5]: main.ancestorsMiddle, created by main.ancestorsSpawn
				// [originating from goroutine 4]: main.ancestorsSpawn, created by main.start
				// [originating from goroutine 1]: main.start, main.main
				if g.CreatedBy != "main.ancestorsMiddle" || len(g.Ancestors) != 3 {
					t.Fatalf("goroutine %d: created by %q, %d ancestors; want main.ancestorsMiddle, 3", g.ID, g.CreatedBy, len(g.Ancestors))
				}
				a := g.Ancestors
				if a[0].ID != g.CreatedByGoroutine || a[2].ID != 1 {
					t.Errorf("ancestor ids %d, %d, %d: want %d first, 1 last", a[0].ID, a[1].ID, a[2].ID, g.CreatedByGoroutine)
				}
				if a[0].CreatedBy != "main.ancestorsSpawn" || a[1].CreatedBy != "main.start" || a[2].CreatedBy != "" {
					t.Errorf("ancestors created by %q, %q, %q", a[0].CreatedBy, a[1].CreatedBy, a[2].CreatedBy)
				}
				if len(a[2].Frames) == 0 || a[2].Frames[len(a[2].Frames)-1].Func != "main.main" || a[2].Frames[0].Line == 0 {
					t.Errorf("ancestor 1 frames %v: want main.main last, with lines", a[2].Frames)
				}
			}
		})
	}
}

func TestFixturesCrash(t *testing.T) {
	cases := []struct {
		mode     string
		headline string
		// goroutine 1's state
		mainState string
		// every header has " gp=... m=..." (GOTRACEBACK=system)
		system bool
		// states that must be present (runtime goroutines)
		states []string
	}{
		{mode: "panic", headline: "panic: boom 42", mainState: "running"},
		{mode: "system", headline: "panic: boom 42", mainState: "running", system: true,
			states: []string{"GC worker (idle)", "force gc (idle)", "GC sweep wait", "finalizer wait"}},
		{mode: "deadlock", headline: "fatal error: all goroutines are asleep - deadlock!", mainState: "chan receive"},
		{mode: "mapwrites", headline: "fatal error: concurrent map writes"},
	}
	for _, dir := range fixtureDirs(t) {
		for _, c := range cases {
			t.Run(filepath.Base(dir)+"/"+c.mode, func(t *testing.T) {
				s := parseFile(t, filepath.Join(dir, c.mode+".txt"))
				sum := Summarize(s, Options{})
				if sum.Headline != c.headline {
					t.Errorf("headline %q, want %q (preamble %q)", sum.Headline, c.headline, s.Preamble)
				}
				if c.mode == "mapwrites" {
					if s.Total == 0 || s.Goroutines[0].State != "running" || s.Goroutines[0].CreatedBy != "main.mapWrites" {
						t.Errorf("first goroutine %+v: want the map writer, running", s.Goroutines)
					}
					return
				}
				w := readWant(t, dir, c.mode)
				funcs, states := scenarioCounts(s)
				equalCounts(t, "funcs", funcs, w.Funcs)
				equalCounts(t, "states", states, w.Reasons)
				if s.Goroutines[0].ID != 1 || s.Goroutines[0].State != c.mainState {
					t.Errorf("first goroutine %d [%s], want 1 [%s]", s.Goroutines[0].ID, s.Goroutines[0].State, c.mainState)
				}
				seen := map[string]bool{}
				for _, g := range s.Goroutines {
					seen[g.State] = true
					if c.system && (g.System == nil || g.System.GP == 0) {
						t.Errorf("goroutine %d: no gp=, want GOTRACEBACK=system fields", g.ID)
					}
					if c.system && len(g.Frames) > 0 && g.Frames[len(g.Frames)-1].Func != "runtime.goexit" {
						t.Errorf("goroutine %d: last frame %q, want runtime.goexit with GOTRACEBACK=system", g.ID, g.Frames[len(g.Frames)-1].Func)
					}
				}
				if c.system && s.Goroutines[0].System.M < 0 {
					t.Errorf("goroutine 1: m=nil, want the running thread")
				}
				for _, st := range c.states {
					if !seen[st] {
						t.Errorf("no goroutine in state %q", st)
					}
				}
			})
		}
	}
}
