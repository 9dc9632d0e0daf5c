package web

import (
	"bytes"
	"slices"
	"testing"

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
