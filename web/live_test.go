package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gsysint-demo/dump"
	"gsysint-demo/park"
)

func TestWaiterFunc(t *testing.T) {
	if WaiterFunc != park.WaiterFunc {
		t.Errorf("web.WaiterFunc %q, park.WaiterFunc %q: the live page would find no parked goroutine", WaiterFunc, park.WaiterFunc)
	}
}

// scan runs a debug2Scanner on text, written in pieces of at most chunk
// bytes, looking for goroutines in blockedHere.
func scan(t *testing.T, text []byte, chunk int, want int64) *snapshot {
	t.Helper()
	s := &snapshot{byReason: map[string]*reasonIDs{}, blocks: map[int64]block{}}
	sc := &debug2Scanner{s: s, fn: "gsysint-demo/web.blockedHere", want: want, headers: map[string]headerInfo{}}
	for p := text; len(p) > 0; {
		n := min(chunk, len(p))
		if _, err := sc.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := sc.finish(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDebug2Scanner reads a real debug=2 dump of this process, in one
// write and in pieces cut anywhere: the same goroutines, ids and blocks.
func TestDebug2Scanner(t *testing.T) {
	const n = keptIDs + 8
	blockN(t, n)
	var text bytes.Buffer
	if _, err := dump.Write(&text, "goroutine", 2); err != nil {
		t.Fatal(err)
	}
	whole := scan(t, text.Bytes(), text.Len(), 0)
	r := whole.byReason["chan receive"]
	if r == nil || r.count != n || len(r.ids) != keptIDs {
		t.Fatalf("one write: %+v, want %d goroutines in chan receive, %d ids kept", r, n, keptIDs)
	}
	want := int64(0) // a goroutine beyond those kept, asked for by id
	all, err := dump.Parse(bytes.NewReader(text.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range all.Goroutines {
		if len(g.Frames) > 0 && g.Frames[0].Func == "gsysint-demo/web.blockedHere" && !slices.Contains(r.ids, g.ID) {
			want = g.ID
		}
	}
	if want == 0 {
		t.Fatal("no goroutine in blockedHere beyond those kept")
	}
	for _, chunk := range []int{1, 7, 4096} {
		s := scan(t, text.Bytes(), chunk, want)
		if s.total != all.Total || s.total != whole.total {
			t.Errorf("chunk %d: %d goroutines, one write %d, dump.Parse %d", chunk, s.total, whole.total, all.Total)
		}
		got := s.byReason["chan receive"]
		if got == nil || got.count != n || !slices.Equal(got.ids, r.ids) {
			t.Errorf("chunk %d: %+v, want %+v", chunk, got, r)
		}
		b, ok := s.blocks[want]
		if !ok || b.g.ID != want || b.g.State != "chan receive" || !bytes.HasPrefix([]byte(b.text), []byte("goroutine ")) {
			t.Errorf("chunk %d: goroutine %d asked for: %+v (found %v)", chunk, want, b, ok)
		}
		for _, id := range r.ids {
			if s.blocks[id].text != whole.blocks[id].text {
				t.Errorf("chunk %d: goroutine %d's block differs from one write's:\n%s\n---\n%s", chunk, id, s.blocks[id].text, whole.blocks[id].text)
			}
		}
	}
}

// TestLive serves the live page of goroutines parked by package park, to
// requests at once: it opens on a parked goroutine at its own URL and shows
// it in every report; bad selections are refused.
func TestLive(t *testing.T) {
	l, srv, pg := serveParked(t, park.Group{Reason: "waiting for the web test", Count: 3, Labels: map[string]string{"job": "w7"}})
	if code, body := get(t, srv.URL+"/"); code != http.StatusOK || !strings.Contains(body, "Parking") {
		t.Errorf("before SetParked: %d, want 200 and a page that says it is parking:\n%s", code, body)
	}
	l.SetParked([]ParkedGroup{pg})

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			id := strings.TrimPrefix(resp.Request.URL.RawQuery, "g=")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "goroutine "+id+" [waiting for the web test]:") ||
				!strings.Contains(body, `# labels: {&#34;job&#34;:&#34;w7&#34;`) || !strings.Contains(body, "job=w7") {
				t.Errorf("GET / led to %s (%d), want a parked goroutine's page with its debug=2 header and labels:\n%s", resp.Request.URL, resp.StatusCode, body)
			}
		})
	}
	wg.Wait()

	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/?g=abc", http.StatusBadRequest, `g="abc": want a goroutine id`},
		{"/?g=1", http.StatusNotFound, "Goroutine 1 is not in this snapshot"},
		{"/elsewhere", http.StatusNotFound, "404"},
	} {
		if code, body := get(t, srv.URL+tc.path); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want %d and %q:\n%s", tc.path, code, tc.code, tc.want, clip(body))
		}
	}
}

// TestLiveSnapshotsBounded: a client looping on ?new=1, or on ids that
// are not in the snapshot, does not take a snapshot (four stops of the
// world) a request: snapshots are at least minGap apart, an unknown id is
// answered from the snapshot there is, and the page says when it did not
// take the new snapshot asked for.
func TestLiveSnapshotsBounded(t *testing.T) {
	l, srv, pg := serveParked(t, park.Group{Reason: "waiting for the bounded test", Count: 2})
	l.SetParked([]ParkedGroup{pg})
	current := func() *snapshot {
		l.snapMu.Lock()
		defer l.snapMu.Unlock()
		return l.snap
	}

	code, body := get(t, srv.URL+"/?g=1")
	first := current()
	if code != http.StatusNotFound || first == nil {
		t.Fatalf("GET /?g=1: %d, want 404 from a first snapshot:\n%s", code, clip(body))
	}
	// An id not in the snapshot, asked again and again: no new snapshot
	// while the first is young enough to serve the page.
	for range 20 {
		get(t, srv.URL+"/?g=1")
	}
	if s := current(); s != first && time.Since(first.taken) < maxAge {
		t.Errorf("GET /?g=1 (not in the snapshot) took a new snapshot %v after the last", s.taken.Sub(first.taken))
	}

	var snaps []*snapshot
	held := 0
	for range 20 {
		_, body := get(t, srv.URL+"/?g=1&new=1")
		s := current()
		if len(snaps) > 0 && s == snaps[len(snaps)-1] {
			held++
			if !strings.Contains(body, "no new snapshot was taken") {
				t.Fatalf("?new=1 was served the last snapshot, and the page does not say so:\n%s", clip(body))
			}
			continue
		}
		snaps = append(snaps, s)
	}
	for i := 1; i < len(snaps); i++ {
		if gap := snaps[i].taken.Sub(snaps[i-1].taken); gap < minGap(snaps[i-1]) {
			t.Errorf("snapshots %d and %d were taken %v apart, want at least %v", i-1, i, gap, minGap(snaps[i-1]))
		}
	}
	t.Logf("20 requests with ?new=1: %d snapshots, %d served the last", len(snaps), held)
}

// serveParked parks g's goroutines and serves a Live page, not yet told
// of them: the group to give SetParked is returned. Both end with the test.
func serveParked(t *testing.T, g park.Group) (*Live, *httptest.Server, ParkedGroup) {
	t.Helper()
	p, err := park.New()
	if err != nil {
		t.Fatal(err)
	}
	parked, err := p.Park(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Release() })
	w := parked[0].Wait
	l := NewLive(LiveConfig{})
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	return l, srv, ParkedGroup{Count: g.Count, Wait: Reason{Text: w.Text, Index: w.Index, Custom: w.Custom}}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func clip(s string) string { return s[:min(len(s), 2000)] }
