package web

import (
	"bytes"
	"context"
	"io"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"gsysint-demo/dump"
)

// blockedHere blocks on ch: the function the tests look for in dumps.
func blockedHere(ch chan struct{}) { <-ch }

// blockN starts n goroutines in blockedHere, labelled with labels, and
// waits (within a bound) until a debug=1 dump shows them all there. They
// are released when tb ends.
func blockN(tb testing.TB, n int, labels ...string) {
	tb.Helper()
	ch := make(chan struct{})
	var wg sync.WaitGroup
	tb.Cleanup(func() { close(ch); wg.Wait() })
	for range n {
		wg.Go(func() {
			pprof.Do(context.Background(), pprof.Labels(labels...), func(context.Context) { blockedHere(ch) })
		})
	}
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		s := summary(tb, 1, dump.Options{})
		if g := groupOf(s, "gsysint-demo/web.blockedHere"); g != nil && g.Count >= n {
			return
		}
		select {
		case <-deadline:
			tb.Fatalf("%d goroutines not all in blockedHere within 20s", n)
		case <-tick.C:
		}
	}
}

// summary is the summary of a dump of this process's goroutines.
func summary(tb testing.TB, debug dump.Debug, opt dump.Options) *dump.Summary {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := dump.Write(&buf, "goroutine", debug); err != nil {
		tb.Fatal(err)
	}
	s, err := dump.ReadSummary(&buf, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// groupOf is the group whose innermost function is fn, or nil.
func groupOf(s *dump.Summary, fn string) *dump.Group {
	for i, g := range s.Groups {
		if len(g.Funcs) > 0 && g.Funcs[0] == fn {
			return &s.Groups[i]
		}
	}
	return nil
}

func TestWriteReportEscapes(t *testing.T) {
	const hostile = `</script><b onclick="x">&`
	blockN(t, 3, "job", hostile)
	s := summary(t, 1, dump.Options{})
	var page bytes.Buffer
	if err := WriteReport(&page, FromSummary(s, "<dump>")); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if strings.Contains(html, hostile) || strings.Contains(html, "<dump>") {
		t.Errorf("the page holds a label value or source name unescaped")
	}
	if !strings.Contains(html, "job=&lt;/script&gt;&lt;b onclick=&#34;x&#34;&gt;&amp;") {
		t.Errorf("the page lacks the label escaped:\n%s", html)
	}
	if n := strings.Count(html, "<script>"); n != 1 {
		t.Errorf("%d <script> elements, want the filter's alone", n)
	}
	// The page asks for nothing over the network.
	for _, ref := range []string{"http://", "https://", "src=", "href=", "@import", "url("} {
		if strings.Contains(html, ref) {
			t.Errorf("the page holds %q: it must be self-contained", ref)
		}
	}
}

func TestFromSummaryCapsIDs(t *testing.T) {
	blockN(t, MaxIDs+5)
	s := summary(t, 2, dump.Options{})
	r := FromSummary(s, "self")
	for _, g := range r.Groups {
		if len(g.Frames) > 0 && g.Frames[0].Func == "gsysint-demo/web.blockedHere" {
			if g.Count < MaxIDs+5 || len(g.IDs) != MaxIDs || !g.More {
				t.Errorf("group of %d goroutines lists %d ids (more: %v), want %d and more", g.Count, len(g.IDs), g.More, MaxIDs)
			}
			return
		}
	}
	t.Fatalf("no group in blockedHere in %+v", r.Groups)
}

const benchGoroutines = 100_000

// BenchmarkReport100k reads a debug=2 dump of 100k goroutines (all but a
// few in one stack group) and writes its page; html-bytes is the page's size
// (the target: at most 1 MiB at 100k goroutines).
func BenchmarkReport100k(b *testing.B) {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(ch); wg.Wait() }()
	for range benchGoroutines {
		wg.Go(func() { blockedHere(ch) })
	}
	var input bytes.Buffer
	if _, err := dump.Write(&input, "goroutine", 2); err != nil {
		b.Fatal(err)
	}
	var size int
	b.ResetTimer()
	for b.Loop() {
		s, err := dump.ReadSummary(bytes.NewReader(input.Bytes()), dump.Options{})
		if err != nil {
			b.Fatal(err)
		}
		cw := &countWriter{}
		if err := WriteReport(cw, FromSummary(s, "bench")); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size), "html-bytes")
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
