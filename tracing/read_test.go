package tracing

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/exp/trace"
)

// update rewrites what the tests compare against: with -run
// TestUpdateFixture, it records testdata/<go version>.trace afresh; with
// -run Golden, it rewrites testdata/golden from the recorded traces.
var update = flag.Bool("update", false, "record testdata/<go version>.trace (-run TestUpdateFixture) or rewrite testdata/golden (-run Golden) afresh")

// recordScenario records runScenario once per test process and returns the
// trace file; TestMain removes it.
var recordScenario = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tracing-test-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "scenario.trace")
	rec, err := Start(path)
	if err != nil {
		return "", err
	}
	if err := runScenario(); err != nil {
		rec.Abort()
		return "", fmt.Errorf("scenario: %w", err)
	}
	return path, rec.Stop()
})

func scenarioTrace(t *testing.T) (path string, data []byte) {
	t.Helper()
	path, err := recordScenario()
	if err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func TestMain(m *testing.M) {
	code := m.Run()
	if path, err := recordScenario(); err == nil && path != "" {
		os.RemoveAll(filepath.Dir(path))
	}
	os.Exit(code)
}

func TestSummarizeScenario(t *testing.T) {
	path, _ := scenarioTrace(t)
	all, err := SummarizeFile(path, Options{MarkFuncPrefix: ourPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if all.Source != path {
		t.Errorf("Source = %q, want %q", all.Source, path)
	}
	if all.SyncEvents < 2 {
		t.Errorf("SyncEvents = %d, want >= 2", all.SyncEvents)
	}
	if all.Blocks == 0 || all.OurBlocks == 0 || all.DurationNS <= 0 {
		t.Errorf("Blocks=%d OurBlocks=%d DurationNS=%d, want all > 0", all.Blocks, all.OurBlocks, all.DurationNS)
	}
	sumT, sumO := 0, 0
	for _, r := range all.Reasons {
		sumT += r.Transitions
		sumO += r.OurTransitions
	}
	if sumT != all.Blocks || sumO != all.OurBlocks {
		t.Errorf("reasons add up to %d/%d blocks, summary says %d/%d", sumT, sumO, all.Blocks, all.OurBlocks)
	}

	for _, c := range scenarioCases {
		t.Run(c.fn, func(t *testing.T) {
			fn := "gsysint-demo/tracing." + c.fn
			s, err := SummarizeFile(path, Options{MarkFuncPrefix: fn})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Lookup(c.traceWhy)
			if r == nil {
				t.Fatalf("no reason %q in %q", c.traceWhy, reasonNames(s))
			}
			if r.OurGoroutines != c.n || len(r.OurGoroutineIDs) != c.n {
				t.Errorf("%q: %d goroutines (ids %v) in %s, want %d", c.traceWhy, r.OurGoroutines, r.OurGoroutineIDs, c.fn, c.n)
			}
			// A woken mutex waiter may block again; the others block once.
			if r.OurTransitions < c.n || c.fn != "oursMutex" && r.OurTransitions != c.n {
				t.Errorf("%q: %d transitions in %s, want %d", c.traceWhy, r.OurTransitions, c.fn, c.n)
			}
			if r.Goroutines < r.OurGoroutines || r.Transitions < r.OurTransitions {
				t.Errorf("%q: totals %d goroutines/%d transitions below ours %d/%d",
					c.traceWhy, r.Goroutines, r.Transitions, r.OurGoroutines, r.OurTransitions)
			}
			// Every stack marked ours has fn on it; the ours stacks add up.
			n := 0
			for _, st := range r.Stacks {
				if st.Ours != slices.Contains(st.Funcs, fn) {
					t.Errorf("stack %q: Ours=%v", st.Funcs, st.Ours)
				}
				if len(st.Funcs) == 0 || st.First.Func != st.Funcs[0] || st.First.Line == 0 {
					t.Errorf("stack %q: First = %+v, want the innermost frame", st.Funcs, st.First)
				}
				if st.Ours {
					n += st.Count
					// The runtime skips gopark and its callers inside the
					// scheduler: the stack starts at the primitive.
					if strings.HasPrefix(st.First.Func, "runtime.gopark") {
						t.Errorf("stack %q starts inside the parking code", st.Funcs)
					}
				}
			}
			if n != r.OurTransitions {
				t.Errorf("ours stacks count %d transitions, reason says %d", n, r.OurTransitions)
			}
			// No other reason has blocks in fn, except the mutex a woken
			// cond waiter takes back.
			for _, o := range s.Reasons {
				if o.Reason != c.traceWhy && o.OurTransitions > 0 && !(c.fn == "oursCondWait" && o.Reason == "sync") {
					t.Errorf("%s also blocked for %q (%d times)", c.fn, o.Reason, o.OurTransitions)
				}
			}
		})
	}
}

func reasonNames(s *Summary) []string {
	var names []string
	for _, r := range s.Reasons {
		names = append(names, r.Reason)
	}
	return names
}

func TestTop(t *testing.T) {
	_, data := scenarioTrace(t)
	for _, top := range []int{0, 1, 2, -1} {
		s, err := Summarize(bytes.NewReader(data), Options{Top: top})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range s.Reasons {
			if len(r.Stacks) > r.DistinctStacks || top > 0 && len(r.Stacks) != min(top, r.DistinctStacks) ||
				top <= 0 && len(r.Stacks) != r.DistinctStacks {
				t.Errorf("Top %d: %q keeps %d of %d stacks", top, r.Reason, len(r.Stacks), r.DistinctStacks)
			}
			if !slices.IsSortedFunc(r.Stacks, func(a, b Stack) int { return b.Count - a.Count }) {
				t.Errorf("Top %d: %q stacks not by count", top, r.Reason)
			}
			if r.OurTransitions != 0 {
				t.Errorf("no MarkFuncPrefix, but %q has %d ours", r.Reason, r.OurTransitions)
			}
		}
	}
}

func TestWriteText(t *testing.T) {
	path, _ := scenarioTrace(t)
	s, err := SummarizeFile(path, Options{MarkFuncPrefix: ourPrefix})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("\n%s", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := "open it with: go tool trace " + shellQuote(path); lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
	if !strings.HasPrefix(lines[0], "REASON ") {
		t.Errorf("first line %q, want the REASON header", lines[0])
	}
	for _, c := range scenarioCases {
		if !strings.Contains(out, "\n"+c.traceWhy+"  ") {
			t.Errorf("no table row for %q", c.traceWhy)
		}
		if !strings.Contains(out, "gsysint-demo/tracing."+c.fn) {
			t.Errorf("no stack with %s", c.fn)
		}
	}
	// The columns line up: "BLOCKS" starts where each row's count does.
	col := strings.Index(lines[0], "BLOCKS")
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("row %q not aligned under BLOCKS at %d", l, col)
		}
	}

	s.Source = ""
	buf.Reset()
	s.WriteText(&buf)
	if strings.Contains(buf.String(), "open it with") {
		t.Error("hint printed without Source")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"out.trace":        "out.trace",
		"/tmp/a-b_c.trace": "/tmp/a-b_c.trace",
		"my trace":         "'my trace'",
		"it's":             `'it'\''s'`,
		"":                 "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	_, data := scenarioTrace(t)
	s, err := Summarize(bytes.NewReader(data), Options{Top: 1, MarkFuncPrefix: ourPrefix})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	// Source is omitted when empty; everything else is always there.
	if got, want := keys(m), []string{"blocks", "duration_ns", "events", "our_blocks", "reasons", "sync_events"}; !slices.Equal(got, want) {
		t.Errorf("summary keys %q, want %q", got, want)
	}
	r := m["reasons"].([]any)[0].(map[string]any)
	if got, want := keys(r), []string{"distinct_stacks", "goroutines", "our_goroutine_ids", "our_goroutines", "our_transitions", "reason", "stacks", "transitions"}; !slices.Equal(got, want) {
		t.Errorf("reason keys %q, want %q", got, want)
	}
	st := r["stacks"].([]any)[0].(map[string]any)
	if got, want := keys(st), []string{"count", "first", "funcs", "goroutines", "ours"}; !slices.Equal(got, want) {
		t.Errorf("stack keys %q, want %q", got, want)
	}
	if got, want := keys(st["first"].(map[string]any)), []string{"file", "func", "line"}; !slices.Equal(got, want) {
		t.Errorf("frame keys %q, want %q", got, want)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if b2, _ := json.Marshal(&back); !bytes.Equal(b, b2) {
		t.Error("JSON does not round-trip")
	}
}

// goCommand finds the go command; under GOTOOLCHAIN=go1.27.3 go test, the
// variable is inherited and the command switches toolchains itself.
func goCommand(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	return gobin
}

// TestGoToolTrace checks that go tool trace reads our trace and sees the same
// block reasons. Its -d=parsed output has, per block:
//
//	M=6381 P=1 G=5 StateTransition Time=388637765696 GoID=5 Running->Waiting Reason="chan receive"
func TestGoToolTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool trace")
	}
	path, _ := scenarioTrace(t)
	gobin := goCommand(t)
	ver, err := exec.Command(gobin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("go version: %v\n%s", err, ver)
	}
	if !strings.Contains(string(ver), runtime.Version()+" ") {
		t.Logf("go tool trace from %s, test built with %s", strings.TrimSpace(string(ver)), runtime.Version())
	}
	out, err := exec.Command(gobin, "tool", "trace", "-d=parsed", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool trace -d=parsed: %v\n%.2000s", err, out)
	}
	s, err := SummarizeFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Count "Running->Waiting Reason=%q" per reason in the tool's output:
	// it must agree with ours exactly.
	tool := map[string]int{}
	for line := range strings.Lines(string(out)) {
		_, after, ok := strings.Cut(line, " Running->Waiting Reason=")
		if !ok || !strings.Contains(line, " StateTransition ") {
			continue
		}
		var reason string
		if _, err := fmt.Sscanf(after, "%q", &reason); err != nil {
			t.Fatalf("cannot read the reason in %q: %v", line, err)
		}
		tool[reason]++
	}
	for _, c := range scenarioCases {
		if want := fmt.Sprintf("Running->Waiting Reason=%q", c.traceWhy); !bytes.Contains(out, []byte(want)) {
			t.Errorf("go tool trace output has no %s", want)
		}
	}
	ours := map[string]int{}
	for _, r := range s.Reasons {
		ours[r.Reason] = r.Transitions
	}
	if fmt.Sprint(tool) != fmt.Sprint(ours) {
		t.Errorf("go tool trace counts %v\nSummarize counts    %v", tool, ours)
	}
}

// completeGenerations reads a trace that may still be being written and
// returns the number of sync events the reader emits before the data ends.
func syncsSoFar(data []byte) int {
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0
	}
	n := 0
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			return n
		}
		if ev.Kind() == trace.EventSync {
			n++
		}
	}
}

// TestGenerations records across trace generations (the runtime starts one
// about every second): a goroutine that blocks in the first generation and
// one that blocks after two generations are written are both seen once.
func TestGenerations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "long.trace")
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Abort()
	var wg sync.WaitGroup
	early, late := make(chan int), make(chan int)
	wg.Go(func() { oursChanRecv(early) })
	if err := waitParked("oursChanRecv", "chan receive", 1); err != nil {
		t.Fatal(err)
	}

	// Poll the file being written until the reader sees two generations end:
	// it emits a sync event before each generation, and one more when the
	// data stops, so 3 sync events. The bound is generous; it takes ~2 s.
	rec.mu.Lock()
	tmp := rec.tmp.Name()
	rec.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if syncsSoFar(data) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s the trace being written shows %d sync events, want 3", syncsSoFar(data))
		}
		time.Sleep(20 * time.Millisecond) // poll interval, not synchronisation
	}

	wg.Go(func() { oursChanRecv(late) })
	if err := waitParked("oursChanRecv", "chan receive", 2); err != nil {
		t.Fatal(err)
	}
	close(early)
	close(late)
	wg.Wait()
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	s, err := SummarizeFile(path, Options{MarkFuncPrefix: ourPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if s.SyncEvents < 4 {
		t.Errorf("SyncEvents = %d, want >= 4 (3 generations)", s.SyncEvents)
	}
	r := s.Lookup("chan receive")
	if r == nil || r.OurGoroutines != 2 || r.OurTransitions != 2 {
		t.Errorf("chan receive: %+v, want 2 of our goroutines blocking once each", r)
	}
	if s.DurationNS < int64(time.Second) {
		t.Errorf("DurationNS = %d, want > 1s", s.DurationNS)
	}
}

func TestNotATrace(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"text":         "goroutine 1 [running]:\nmain.main()\n",
		"header only":  "go 1.26 trace\x00\x00\x00",
		"future":       "go 1.99 trace\x00\x00\x00",
		"short header": "go 1.2",
		"gzip":         "\x1f\x8b\x08\x00\x00\x00\x00\x00",
	} {
		_, err := Summarize(strings.NewReader(in), Options{})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := SummarizeFile(filepath.Join(t.TempDir(), "nope.trace"), Options{}); err == nil || !strings.Contains(err.Error(), "nope.trace") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}

// summarizeBounded fails the test if Summarize does not return in time.
func summarizeBounded(t *testing.T, data []byte) (*Summary, error) {
	t.Helper()
	type result struct {
		s   *Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Summarize(bytes.NewReader(data), Options{Top: 2, MarkFuncPrefix: ourPrefix})
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Summarize of %d bytes did not return in 30s", len(data))
		return nil, nil
	}
}

func TestTruncated(t *testing.T) {
	_, data := scenarioTrace(t)
	full, err := Summarize(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cuts := []int{0, 1, 15, 16, 17, 20, 64}
	for i := 1; i < 40; i++ {
		cuts = append(cuts, len(data)*i/40)
	}
	cuts = append(cuts, len(data)-2, len(data)-1)
	ok := 0
	for _, n := range cuts {
		s, err := summarizeBounded(t, data[:n])
		if err == nil {
			// Only a cut between generations leaves a valid, shorter trace.
			ok++
			t.Logf("cut at %d of %d parses", n, len(data))
			if s.SyncEvents >= full.SyncEvents {
				t.Errorf("cut at %d of %d parses with %d sync events, the whole trace has %d", n, len(data), s.SyncEvents, full.SyncEvents)
			}
			continue
		}
		if n >= 16 && !strings.Contains(err.Error(), "malformed execution trace") {
			t.Errorf("cut at %d: %v", n, err)
		}
		if n == len(data)/2 {
			t.Logf("cut at %d: %v", n, err)
		}
	}
	t.Logf("%d of %d cuts parsed, the rest gave errors", ok, len(cuts))
}

func TestCorrupt(t *testing.T) {
	_, data := scenarioTrace(t)
	errs, oks := 0, 0
	for i := 16; i < len(data); i += max(1, len(data)/300) {
		for _, x := range []byte{0xff, 0x01, 0x80} {
			bad := bytes.Clone(data)
			bad[i] ^= x
			if _, err := summarizeBounded(t, bad); err != nil {
				errs++
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("flipped %#x at %d: the error spans lines (want one; the parser's whole state is in errors.Unwrap):\n%.500s", x, i, err)
				}
			} else {
				oks++
			}
		}
	}
	// A flipped byte in a string or a timestamp still makes a valid trace.
	t.Logf("flipped bytes: %d errors, %d still parsed", errs, oks)
	if errs == 0 {
		t.Error("no corruption was detected")
	}
}

func fixtures(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.trace"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fixtureName is where -update writes this toolchain's fixture.
func fixtureName() string {
	return filepath.Join("testdata", runtime.Version()+".trace")
}

// oursFixture is the one block recorded in the fixtures.
//
//go:noinline
func oursFixture(c chan int) { <-c }

// TestUpdateFixture records testdata/<go version>.trace with -update:
//
//	go test -ldflags=-checklinkname=0 ./tracing -run TestUpdateFixture -update
//	GOTOOLCHAIN=go1.27.3 go test -ldflags=-checklinkname=0 ./tracing -run TestUpdateFixture -update
//
// (the package must come before -update, which only the test binary knows).
func TestUpdateFixture(t *testing.T) {
	if !*update {
		t.Skip("use -update to record", fixtureName())
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	// Finish any GC and its sweeping first, so the background sweeper does
	// not fill the small fixture.
	runtime.GC()
	rec, err := Start(fixtureName())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Abort()
	c := make(chan int)
	var wg sync.WaitGroup
	wg.Go(func() { oursFixture(c) })
	if err := waitParked("oursFixture", "chan receive", 1); err != nil {
		t.Fatal(err)
	}
	close(c)
	wg.Wait()
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fixtureName()); err != nil || fi.Size() > 100<<10 {
		t.Fatalf("recorded %s: %v, size %d; keep fixtures under 100 KB, run again", fixtureName(), err, fi.Size())
	}
}

// TestFixtures reads the traces recorded by every toolchain, whichever runs
// the test: the reader must handle each trace format they write.
func TestFixtures(t *testing.T) {
	files := fixtures(t)
	if len(files) == 0 {
		t.Fatal("no testdata/*.trace; record them with -run TestUpdateFixture -update")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() > 100<<10 {
				t.Errorf("%s is %d bytes, keep fixtures under 100 KB", file, fi.Size())
			}
			s, err := SummarizeFile(file, Options{MarkFuncPrefix: "gsysint-demo/tracing.oursFixture"})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Lookup("chan receive")
			if r == nil || r.OurGoroutines != 1 || r.OurTransitions != 1 {
				t.Fatalf("chan receive: %+v, want one block in oursFixture", r)
			}
			for _, st := range r.Stacks {
				if st.Ours {
					want := []string{"runtime.chanrecv1", "gsysint-demo/tracing.oursFixture"}
					if len(st.Funcs) < 2 || !slices.Equal(st.Funcs[:2], want) || st.First.Func != want[0] {
						t.Errorf("stack %q first %+v, want it to start %q", st.Funcs, st.First, want)
					}
				}
			}
		})
	}
}

func FuzzSummarize(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte("go 1.26 trace\x00\x00\x00"))
	f.Add([]byte("go 1.21 trace\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Summarize(bytes.NewReader(data), Options{Top: 2, MarkFuncPrefix: "runtime."})
		checkSummary(t, s, err)
	})
}
