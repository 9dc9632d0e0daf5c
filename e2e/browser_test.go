package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The browser tests drive headless Chromium (Debian's chromium-headless-shell
// or chromium package; scripts/test.sh installs it) through chromedp.
// Without a browser they skip, except under CI=true, where they fail.

var screenshots = flag.String("screenshots", "", "write the browser tests' screenshots (PNG) to this `directory`: ../docs to update the README's")

// browserBound bounds each wait on the browser: its start, a page load, a
// DOM condition.
const browserBound = 20 * time.Second

// browserNames are the commands Chromium is installed as, most wanted first.
var browserNames = []string{"chromium-headless-shell", "chromium", "chromium-browser", "headless_shell", "google-chrome"}

// noBrowser ends a test that cannot have a browser: a failure under CI=true
// (CI promises one), a skip elsewhere.
func noBrowser(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and no browser: %s", msg)
	}
	t.Skipf("skipped, no browser: %s (scripts/test.sh installs chromium-headless-shell; under CI=true this fails)", msg)
}

// newBrowser starts headless Chromium with a fresh profile and returns the
// context of its first tab; the browser is closed when t ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		noBrowser(t, "none of %s on PATH", strings.Join(browserNames, ", "))
	}
	var out bytes.Buffer // the browser's own stderr, for a failure message
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium refuses to run as root with its sandbox, and the
		// machines that run the tests have no network: the flags after
		// Headless keep it from trying to reach one.
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	if err := open(ctx); err != nil {
		noBrowser(t, "%s did not start: %v\n%s", path, err, clip(out.String(), 2000))
	}
	return ctx
}

// newTab opens another tab of the browser of ctx.
func newTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := open(tab); err != nil {
		t.Fatalf("browser: open a tab: %v", err)
	}
	return tab
}

// open opens the tab of ctx (and starts the browser, for the first tab)
// within browserBound. The first Do on a tab's context ties the tab to the
// context it is given, which must not be one with a deadline: the bound is
// a timer, and the tab is closed if it fires.
func open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(browserBound)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		chromedp.Cancel(ctx)
		return fmt.Errorf("not open within %v", browserBound)
	}
}

// do runs steps in the tab of ctx within browserBound.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserBound)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval evaluates the JavaScript expression expr in the tab of ctx, within
// browserBound, and decodes its value (JSON) into a T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserBound)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// waitUntil evaluates the JavaScript condition cond in the tab of ctx
// every few milliseconds until it holds; it fails the test, showing the
// page's text, if browserBound passes first. An evaluation that fails (the
// page is being replaced by a navigation) counts as false.
func waitUntil(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(browserBound)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		ectx, cancel := context.WithTimeout(ctx, browserBound)
		var ok bool
		ok, err = chromedp.Run(ectx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		<-tick.C
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : "(no body)"`))
	t.Fatalf("browser: not %s within %v (last error: %v)\npage text:\n%s", cond, browserBound, err, clip(text, 3000))
}

// screenshot saves the whole page of the tab of ctx as name (a PNG) in the
// -screenshots directory, if one was given.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, browserBound)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(*screenshots, name))
}

// fileURL is the file:// URL of path.
func fileURL(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(abs)
}

// pageState is a state row of the report page.
type pageState struct {
	State string `json:"state"`
	Count int    `json:"count"`
}

// The JavaScript that reads the report page back.
const (
	jsStates        = `Array.from(document.querySelectorAll("#states tbody tr")).map(tr => ({state: tr.dataset.state, count: +tr.querySelector(".count").textContent}))`
	jsLabels        = `Array.from(document.querySelectorAll("#labels tbody tr")).map(tr => ({state: tr.dataset.label, count: +tr.querySelector(".count").textContent}))`
	jsGroupCounts   = `Array.from(document.querySelectorAll("details.group")).map(d => +d.dataset.count)`
	jsVisibleCounts = `Array.from(document.querySelectorAll("details.group")).filter(d => d.offsetParent !== null).map(d => +d.dataset.count)`
)

func addUp(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// TestBrowserReport loads report --html pages of dumps park made into
// Chromium: the page shows the numbers report --json gives, the filter box
// filters the groups, and the page reads the same with JavaScript off.
func TestBrowserReport(t *testing.T) {
	t.Parallel()
	const parked = 7
	dir := t.TempDir()
	for _, debug := range []string{"2", "1"} {
		r := gsys(t, "park", "-n", fmt.Sprint(parked), "-r", "waiting for godot", "--label", "job=w7", "--debug", debug, "--dumps", "1")
		wantExit(t, r, 0)
		if err := os.WriteFile(filepath.Join(dir, "g"+debug+".txt"), []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		// Relative names: the page shows the source as it was given.
		wantExit(t, execute(t, nil, nil, dir, bin, "report", "--html", "g"+debug+".html", "g"+debug+".txt"), 0)
	}
	ctx := newBrowser(t)

	// debug=2: states, groups, the filter.
	want := report(t, nil, filepath.Join(dir, "g2.txt"))
	do(t, ctx, "load the debug=2 page", chromedp.Navigate(fileURL(t, filepath.Join(dir, "g2.html"))))
	waitUntil(t, ctx, `document.readyState === "complete" && !document.getElementById("filterbar").hidden`)
	if h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`); h1 != fmt.Sprintf("%d goroutines", want.Total) {
		t.Errorf("page heading %q, want %d goroutines (report --json)", h1, want.Total)
	}
	states := eval[[]pageState](t, ctx, jsStates)
	if len(states) != len(want.States) {
		t.Errorf("page has %d state rows %v, report --json %d", len(states), states, len(want.States))
	}
	for i := range min(len(states), len(want.States)) {
		if states[i].State != want.States[i].State || states[i].Count != want.States[i].Count {
			t.Errorf("state row %d: page %v, report --json %s %d", i, states[i], want.States[i].State, want.States[i].Count)
		}
	}
	if n := stateCount(want, "waiting for godot"); n != parked {
		t.Errorf("report --json: %d goroutines [waiting for godot], park parked %d", n, parked)
	}
	groups := eval[[]int](t, ctx, jsGroupCounts)
	if len(groups) != want.GroupCount || addUp(groups) != want.Total {
		t.Errorf("page groups %v (%d goroutines), want %d groups of %d goroutines", groups, addUp(groups), want.GroupCount, want.Total)
	}
	screenshot(t, ctx, "report.png")

	do(t, ctx, "type in the filter box", chromedp.SendKeys(chromedp.ID("filter"), "godot"))
	waitUntil(t, ctx, jsVisibleCounts+`.join() === "`+fmt.Sprint(parked)+`"`)
	if shown := eval[string](t, ctx, `document.getElementById("shown").textContent`); shown != fmt.Sprintf("1 of %d groups, %d goroutines", len(groups), parked) {
		t.Errorf("filter godot: the page says %q", shown)
	}
	if hash := eval[string](t, ctx, `location.hash`); hash != "#filter=godot" {
		t.Errorf("filter godot: location.hash %q, want #filter=godot (a filtered page has its own URL)", hash)
	}
	do(t, ctx, "type a filter nothing matches", chromedp.SendKeys(chromedp.ID("filter"), " no-such-function"))
	waitUntil(t, ctx, jsVisibleCounts+`.length === 0 && !document.getElementById("nomatch").hidden`)
	do(t, ctx, "empty the filter box", chromedp.SendKeys(chromedp.ID("filter"), strings.Repeat("\b", len("godot no-such-function"))))
	waitUntil(t, ctx, fmt.Sprintf(`%s.length === %d && document.getElementById("nomatch").hidden`, jsVisibleCounts, len(groups)))

	// The filter in the URL is applied on load.
	tab := newTab(t, ctx)
	do(t, tab, "load the page filtered", chromedp.Navigate(fileURL(t, filepath.Join(dir, "g2.html"))+"#filter=godot"))
	waitUntil(t, tab, `document.getElementById("filter").value === "godot" && `+jsVisibleCounts+`.join() === "`+fmt.Sprint(parked)+`"`)

	// debug=1: no states (the page says so), the labels.
	want = report(t, nil, filepath.Join(dir, "g1.txt"))
	do(t, ctx, "load the debug=1 page", chromedp.Navigate(fileURL(t, filepath.Join(dir, "g1.html"))))
	waitUntil(t, ctx, `document.readyState === "complete" && !document.getElementById("filterbar").hidden`)
	// debug=1 records no state: the page says so, or shows the states
	// report --json read from the reason label.
	if len(want.States) == 0 {
		if text := eval[string](t, ctx, `document.getElementById("states").innerText`); !strings.Contains(text, "no state or wait reason") {
			t.Errorf("debug=1 page: the states section does not say the format has none:\n%s", text)
		}
	} else if got := eval[[]pageState](t, ctx, jsStates); len(got) != len(want.States) || stateOf(got, "waiting for godot") != stateCount(want, "waiting for godot") {
		t.Errorf("debug=1 page: state rows %v, report --json %+v", got, want.States)
	}
	labels := eval[[]pageState](t, ctx, jsLabels)
	found := false
	for _, l := range labels {
		if l.State == "job=w7" {
			found = l.Count == parked
		}
	}
	if !found || summaryLabel(want, "job", "w7") != parked {
		t.Errorf("debug=1 page labels %v, want job=w7 on %d goroutines (report --json: %d)", labels, parked, summaryLabel(want, "job", "w7"))
	}

	// JavaScript off: the same numbers are in the HTML, the filter box
	// (which needs script) stays hidden.
	off := newTab(t, ctx)
	do(t, off, "turn script off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.Navigate(fileURL(t, filepath.Join(dir, "g2.html"))))
	waitUntil(t, off, `document.readyState === "complete"`)
	want = report(t, nil, filepath.Join(dir, "g2.txt"))
	if got := eval[[]pageState](t, off, jsStates); len(got) != len(want.States) || stateOf(got, "waiting for godot") != parked {
		t.Errorf("script off: state rows %v, want %d rows with waiting for godot %d", got, len(want.States), parked)
	}
	if hidden := eval[bool](t, off, `document.getElementById("filterbar").hidden`); !hidden {
		t.Errorf("script off: the filter box is shown, but nothing would make it work")
	}
}

func stateOf(rows []pageState, state string) int {
	for _, r := range rows {
		if r.State == state {
			return r.Count
		}
	}
	return -1
}

// liveGroup is a row of the live page's table of parked groups.
type liveGroup struct {
	Reason string `json:"reason"`
	Parked int    `json:"parked"`
	Seen   int    `json:"seen"`
	First  string `json:"first"` // the first goroutine's link
}

const jsLiveGroups = `Array.from(document.querySelectorAll("#groups tr.group")).map(tr => ({reason: tr.dataset.reason, parked: +tr.querySelector(".parked").textContent, seen: +tr.querySelector(".seen").textContent, first: tr.querySelector(".ids a").href}))`

// TestBrowserLive loads park --http's live page into Chromium while park
// runs: it opens on a parked goroutine at its own URL, its numbers are
// what park parked, and the one-goroutine view shows the custom reason in
// the debug=2 block and the label in the debug=1 and protobuf views.
func TestBrowserLive(t *testing.T) {
	t.Parallel()
	const parked = 5
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h",
		"-n", fmt.Sprint(parked), "-r", "waiting for godot", "-r", "chan receive", "--label", "job=w7")
	base := p.waitFor(liveLine)[1]
	ctx := newBrowser(t)

	do(t, ctx, "load the live page", chromedp.Navigate(base))
	waitUntil(t, ctx, `document.getElementById("selected") !== null`)
	selected := eval[string](t, ctx, `document.getElementById("selected").textContent`)
	if href := eval[string](t, ctx, `location.href`); href != base+"?g="+selected {
		t.Errorf("the page opened at %s showing goroutine %s: want it at %s?g=%s, its own URL", href, selected, base, selected)
	}
	groups := eval[[]liveGroup](t, ctx, jsLiveGroups)
	if len(groups) != 2 {
		t.Fatalf("the page shows %d groups, want 2: %+v", len(groups), groups)
	}
	for i, reason := range []string{"waiting for godot", "chan receive"} {
		if g := groups[i]; g.Reason != reason || g.Parked != parked || g.Seen != parked {
			t.Errorf("group %d: %+v, want %q with %d parked and %d in debug=2", i, g, reason, parked, parked)
		}
	}
	if groups[0].First != base+"?g="+selected {
		t.Errorf("the page opened on goroutine %s, want the first of the first group (%s)", selected, groups[0].First)
	}
	text := func(id string) string {
		return eval[string](t, ctx, `document.getElementById("`+id+`").innerText`)
	}
	if d2 := text("debug2"); !strings.Contains(d2, "goroutine "+selected+" [waiting for godot") {
		t.Errorf("the debug=2 view lacks goroutine %s's header with the custom reason:\n%s", selected, d2)
	}
	if d1 := text("debug1"); !strings.Contains(d1, `# labels: {`) || !strings.Contains(d1, `"job":"w7"`) || !strings.Contains(d1, `"reason":"waiting for godot"`) {
		t.Errorf("the debug=1 view lacks the labels line with job and reason:\n%s", d1)
	}
	if pb := text("proto"); !strings.Contains(pb, "job=w7") || !strings.Contains(pb, "reason=waiting for godot") || !strings.Contains(pb, fmt.Sprintf("goroutine/count = %d", parked)) {
		t.Errorf("the protobuf view lacks the sample's labels or count:\n%s", pb)
	}
	// The census's record of the same goroutine: the runtime's status, the
	// custom reason as the runtime's table holds it, the real park time,
	// the labels without GODEBUG, and a user goroutine.
	if c := text("census-status"); c != "waiting" {
		t.Errorf("census status %q, want waiting", c)
	}
	if c := text("census-reason"); !strings.HasPrefix(c, "waiting for godot (custom text, read from slot ") {
		t.Errorf("census wait reason %q, want the custom text, read from its borrowed slot", c)
	}
	if c := text("census-age"); !strings.Contains(c, "ago in fact") {
		t.Errorf("census age %q, want the real time since park parked it", c)
	}
	if c := text("census-labels"); !strings.Contains(c, "job=w7") || !strings.Contains(c, "reason=waiting for godot") {
		t.Errorf("census labels %q, want job=w7 and reason=waiting for godot", c)
	}
	if c := text("census-start"); !strings.Contains(c, "gsysint-demo/park.") {
		t.Errorf("census start function %q, want one of package park's", c)
	}
	if c := text("census-kind"); !strings.HasPrefix(c, "user goroutine") {
		t.Errorf("census kind %q, want a user goroutine", c)
	}
	if *screenshots != "" {
		// The screenshot shows a few samples over time (one a second).
		waitUntil(t, ctx, `+document.getElementById("over-time-body").dataset.samples >= 4`)
	}
	screenshot(t, ctx, "live.png")

	// Another goroutine, picked by a click: the page follows to its URL.
	other := groups[1].First
	do(t, ctx, "click the first goroutine of the chan receive group",
		chromedp.Click(chromedp.CSS(`#groups tr.group[data-reason="chan receive"] td.ids a`)))
	waitUntil(t, ctx, `location.href === "`+other+`" && document.getElementById("selected") !== null`)
	id := strings.TrimPrefix(other, base+"?g=")
	if d2 := text("debug2"); !strings.Contains(d2, "goroutine "+id+" [chan receive") {
		t.Errorf("after the click, the debug=2 view lacks goroutine %s [chan receive:\n%s", id, d2)
	}
	leak := text("leak-answer")
	if hasLeakProfile(t) && !strings.HasPrefix(leak, "leaked") {
		t.Errorf("goroutineleak: %q, want leaked for a goroutine parked as chan receive", leak)
	} else if !hasLeakProfile(t) && !strings.HasPrefix(leak, "not in this binary") {
		t.Errorf("goroutineleak: %q, want the page to say the binary has no such profile", leak)
	}

	// A selection's URL loads it without clicking.
	tab := newTab(t, ctx)
	do(t, tab, "load a selection's URL", chromedp.Navigate(other))
	waitUntil(t, tab, `document.getElementById("selected") !== null && document.getElementById("selected").textContent === "`+id+`"`)

	p.interrupt(2 * parked)
}

// TestBrowserLiveTrace: with --trace, the one-goroutine view shows the
// goroutine's block event, with the custom trace block reason, read from
// the trace while park writes it.
func TestBrowserLiveTrace(t *testing.T) {
	t.Parallel()
	traceFile := filepath.Join(t.TempDir(), "t.trace")
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "1h",
		"-n", "2", "-r", "waiting for godot", "--trace-reason", "godot (trace)", "--trace", traceFile)
	base := p.waitFor(liveLine)[1]
	ctx := newBrowser(t)
	do(t, ctx, "load the live page", chromedp.Navigate(base))
	waitUntil(t, ctx, `document.getElementById("selected") !== null`)
	id := eval[string](t, ctx, `document.getElementById("selected").textContent`)
	// The runtime writes a generation's events (about a second of them)
	// when it ends: take new snapshots until the block event is in, bounded.
	deadline := time.Now().Add(browserBound)
	tick := time.NewTicker(100 * time.Millisecond) // between snapshots: each stops park's world
	defer tick.Stop()
	for eval[string](t, ctx, `(document.getElementById("trace-reason") || {innerText: ""}).innerText`) != "godot (trace)" {
		<-tick.C
		if time.Now().After(deadline) {
			t.Fatalf("no block event with the trace reason for goroutine %s within %v:\n%s", id, browserBound,
				eval[string](t, ctx, `document.getElementById("trace").innerText`))
		}
		do(t, ctx, "take a new snapshot", chromedp.Navigate(base+"?g="+id+"&new=1"))
		waitUntil(t, ctx, `document.readyState === "complete" && document.getElementById("trace") !== null`)
	}
	if tr := eval[string](t, ctx, `document.getElementById("trace").innerText`); !strings.Contains(tr, "goroutine "+id+" Running→Waiting") || !strings.Contains(tr, "gsysint-demo/park.(*waiter).park") {
		t.Errorf("the trace view lacks goroutine %s's transition or its stack:\n%s", id, tr)
	}
	p.interrupt(2)
}

// jsLatest is the page's latest census count of goroutines in a state (0
// when the state has no row).
func jsLatest(state string) string {
	return `(() => { const r = document.querySelector('#over-time-latest tr[data-state="` + state + `"] .latest'); return r ? +r.textContent : 0 })()`
}

// TestBrowserLiveOverTime: the live page's chart of the whole process
// follows a change without a reload. The change is real: the test opens
// connections to park's server, whose goroutines (net/http's, one a
// connection, waiting for a request) wait as IO wait; the page's latest
// count of IO wait rises by them, and falls when they close. The count of
// the parked goroutines is what park parked and what /debug/census says.
func TestBrowserLiveOverTime(t *testing.T) {
	t.Parallel()
	// browserConns bounds the connections Chromium opens to one host.
	const parked, conns, browserConns = 5, 40, 6
	p := start(t, nil, "park", "--http", "127.0.0.1:0", "--serve-only", "-n", fmt.Sprint(parked), "-r", "waiting for godot")
	base := p.waitFor(liveLine)[1]
	ctx := newBrowser(t)
	do(t, ctx, "load the live page", chromedp.Navigate(base))
	waitUntil(t, ctx, `document.getElementById("over-time-body") !== null`)
	eval[bool](t, ctx, `window.notReloaded = true`)
	waitUntil(t, ctx, jsLatest("waiting for godot")+` === `+fmt.Sprint(parked))

	var census struct {
		Groups []struct {
			State string `json:"state"`
			Count int    `json:"count"`
		} `json:"groups"`
	}
	resp, err := http.Get(base + "debug/census?format=json")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&census)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/debug/census?format=json: %v", err)
	}
	inCensus := 0
	for _, g := range census.Groups {
		if g.State == "waiting for godot" {
			inCensus += g.Count
		}
	}
	if inCensus != parked {
		t.Errorf("/debug/census counts %d goroutines waiting for godot, the page %d: want both %d", inCensus, parked, parked)
	}

	before := eval[int](t, ctx, jsLatest("IO wait"))
	samples := eval[int](t, ctx, `+document.getElementById("over-time-body").dataset.samples`)
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	// The server closes a connection that sends no request header for
	// 10 s (httpHeaderTimeout); the page sees them within two samples
	// (one a second with --serve-only's interval).
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	// The browser's own connections come and go too, a few at most
	// (browserConns): the counts allow for them.
	waitUntil(t, ctx, `window.notReloaded === true && `+jsLatest("IO wait")+` >= `+fmt.Sprint(before+conns-browserConns))
	if after := eval[int](t, ctx, `+document.getElementById("over-time-body").dataset.samples`); after <= samples && after < 300 {
		t.Errorf("the chart has %d samples after the change, %d before: want more", after, samples)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#over-time-chart polyline[data-state="IO wait"]').length`); n != 1 {
		t.Errorf("the chart draws %d lines for IO wait, want 1", n)
	}
	risen := eval[int](t, ctx, jsLatest("IO wait"))
	for _, c := range open {
		c.Close()
	}
	open = nil
	waitUntil(t, ctx, `window.notReloaded === true && `+jsLatest("IO wait")+` <= `+fmt.Sprint(risen-conns+browserConns))
	p.interrupt(parked)
}
