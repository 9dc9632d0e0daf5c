package dump

import (
	"bytes"
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
