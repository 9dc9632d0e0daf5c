package dump

import (
	"bytes"
	"strings"
	"testing"
)

// TestReleaseTextBuffer checks that a library user can give back the
// buffer WriteGoroutineText keeps, and that the next dump is whole: the
// kept buffer is an optimisation, the dump is the same without it.
func TestReleaseTextBuffer(t *testing.T) {
	blockGoroutines(t, 100, 0, 0)
	want := map[string]int{"liveChanRecv chan receive": 100}
	waitDump(t, want)
	if textBuf.Load() == nil {
		t.Fatal("no buffer kept after a dump")
	}
	ReleaseTextBuffer()
	if tb := textBuf.Load(); tb != nil {
		t.Fatalf("ReleaseTextBuffer left a buffer of %d bytes", len(tb.b))
	}
	ReleaseTextBuffer() // nothing kept: a no-op
	var buf bytes.Buffer
	st, err := WriteGoroutineText(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n := liveCounts(s)["liveChanRecv chan receive"]; n != 100 || st.Goroutines != s.Total {
		t.Errorf("dump after a release: %d blocked goroutines of 100, stats %+v, parsed %d", n, st, s.Total)
	}
}

// TestTakeGoroutineText: the bytes TakeGoroutineText returns are a whole
// debug=2 dump in the buffer it was taken into; until they are released
// the next dump takes a buffer of its own, and after, that buffer is kept
// for the next dump.
func TestTakeGoroutineText(t *testing.T) {
	ReleaseTextBuffer()
	text, st, release := TakeGoroutineText()
	if st.Goroutines < 1 || st.Goroutines != countHeaders(text) || st.Bytes != int64(len(text)) ||
		!strings.Contains(string(text), "gsysint-demo/dump.TestTakeGoroutineText(") {
		t.Fatalf("TakeGoroutineText: %+v, %d bytes, want this test's goroutine and as many headers as counted:\n%s", st, len(text), text[:min(len(text), 2000)])
	}
	held := &text[0]
	var other bytes.Buffer
	if _, err := WriteGoroutineText(&other); err != nil {
		t.Fatal(err)
	}
	if kept := textBuf.Load(); kept != nil && &kept.b[0] == held {
		t.Fatal("a dump taken while the bytes of another were held wrote into that one's buffer")
	}
	ReleaseTextBuffer()
	release()
	release() // once only: a second call does nothing
	if kept := textBuf.Load(); kept == nil || &kept.b[0] != held {
		t.Fatal("the released buffer is not kept for the next dump")
	}
}
