package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
)

func TestWriteGoroutineTextCounts(t *testing.T) {
	blockGoroutines(t, 30, 20, 10)
	text, st, s := waitDump(t, map[string]int{
		"liveChanRecv chan receive": 30,
		"liveSelect select":         20,
		"liveMutex sync.Mutex.Lock": 10,
	})
	if st.Bytes != int64(len(text)) || st.Goroutines != s.Total || st.Goroutines != strings.Count(string(text), "\ngoroutine ")+1 {
		t.Errorf("stats %+v for %d bytes, %d goroutines parsed", st, len(text), s.Total)
	}
	if s.Goroutines[0].State != "running" {
		t.Errorf("first goroutine [%s], want the caller, running", s.Goroutines[0].State)
	}
}

// TestWriteGoroutineTextComplete blocks many goroutines and checks that one
// dump holds every one of them, from a cold estimate that forces the
// grow-and-retry path and from the warm one.
func TestWriteGoroutineTextComplete(t *testing.T) {
	n := 50_000
	if raceEnabled {
		n = 5_000
	}
	if testing.Short() {
		n = 2_000
	}
	blockGoroutines(t, n, 0, 0)
	want := map[string]int{"liveChanRecv chan receive": n}
	waitDump(t, want)

	for _, cold := range []bool{true, false} {
		if cold {
			perGoroutine.Store(1) // far too small: the first buffer fills
			if tb := textBuf.Swap(nil); tb != nil {
				tb.free()
			}
		}
		var buf bytes.Buffer
		st, err := WriteGoroutineText(&buf)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := liveCounts(s); !maps.Equal(got, want) {
			t.Errorf("cold=%v: got %v, want %v", cold, got, want)
		}
		ids := make(map[int64]bool, s.Total)
		for _, g := range s.Goroutines {
			if ids[g.ID] {
				t.Fatalf("cold=%v: goroutine %d twice", cold, g.ID)
			}
			ids[g.ID] = true
		}
		if st.Goroutines != s.Total || s.Total < n+1 {
			t.Errorf("cold=%v: stats say %d goroutines, parsed %d, want >= %d", cold, st.Goroutines, s.Total, n+1)
		}
		last := s.Goroutines[len(s.Goroutines)-1]
		if last.CreatedBy == "" || last.CreatedByLine == 0 {
			t.Errorf("cold=%v: last goroutine %d has no complete created-by line: cut short?", cold, last.ID)
		}
	}
}

// TestWriteGoroutineTextSameBytes checks that WriteGoroutineText prints the
// blocked goroutines exactly as pprof's debug=2 does.
func TestWriteGoroutineTextSameBytes(t *testing.T) {
	blockGoroutines(t, 5, 5, 5)
	waitDump(t, map[string]int{
		"liveChanRecv chan receive": 5, "liveSelect select": 5, "liveMutex sync.Mutex.Lock": 5,
	})
	var ours, theirs bytes.Buffer
	if _, err := WriteGoroutineText(&ours); err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(&theirs, 2); err != nil {
		t.Fatal(err)
	}
	blocks := func(b []byte) map[string]bool {
		m := map[string]bool{}
		for _, blk := range strings.Split(string(b), "\n\n") {
			if strings.Contains(blk, ".live") {
				m[blk] = true
			}
		}
		return m
	}
	a, b := blocks(ours.Bytes()), blocks(theirs.Bytes())
	if len(a) != 15 || len(b) != 15 {
		t.Fatalf("found %d and %d blocked goroutines, want 15", len(a), len(b))
	}
	for blk := range a {
		if !b[blk] {
			t.Errorf("not in pprof's debug=2 dump:\n%s", blk)
		}
	}
}

func TestWriteFormats(t *testing.T) {
	blockGoroutines(t, 7, 3, 0)
	waitDump(t, map[string]int{"liveChanRecv chan receive": 7, "liveSelect select": 3})
	for debug := range DebugStacks + 1 {
		var buf bytes.Buffer
		st, err := Write(&buf, "goroutine", debug)
		if err != nil {
			t.Fatalf("debug=%d: %v", debug, err)
		}
		s, err := Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("debug=%d: %v", debug, err)
		}
		wantFormat := []string{FormatProto, FormatDebug1, FormatDebug2}[debug]
		if s.Format != wantFormat || st.Goroutines != s.Total || st.Bytes != int64(buf.Len()) {
			t.Errorf("debug=%d: format %s, stats %+v, parsed total %d, %d bytes", debug, s.Format, st, s.Total, buf.Len())
		}
		if debug != 2 {
			// No states in debug=1 and protobuf: count by function.
			n := 0
			for _, g := range s.Goroutines {
				for _, f := range g.Frames {
					if strings.HasSuffix(f.Func, ".liveChanRecv") {
						n += g.Count
						break
					}
				}
			}
			if n != 7 {
				t.Errorf("debug=%d: %d goroutines in liveChanRecv, want 7", debug, n)
			}
		}
	}
}

// leakForever blocks on a channel nothing else references: the goroutine
// leak detector reports it, and it is never released.
func leakForever(ready func()) {
	ch := make(chan int)
	ready()
	<-ch
}

func TestWriteLeakProfile(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		_, err := Write(io.Discard, "goroutineleak", 1)
		if !errors.Is(err, ErrNoLeakProfile) || !strings.Contains(err.Error(), "GOEXPERIMENT=goroutineleakprofile") {
			t.Fatalf("Write(goroutineleak) = %v, want ErrNoLeakProfile naming the experiment", err)
		}
		return
	}
	done := make(chan struct{})
	go leakForever(func() { close(done) })
	<-done
	for debug := range DebugStacks + 1 {
		var buf bytes.Buffer
		st, err := Write(&buf, "goroutineleak", debug)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, g := range s.Goroutines {
			for _, f := range g.Frames {
				if strings.HasSuffix(f.Func, ".leakForever") && g.Leaked {
					found++
				}
			}
		}
		// The goroutine parks asynchronously; the detector may need
		// another cycle. debug=2 and debug=1 are taken after debug=0.
		if found == 0 && debug > 0 {
			t.Errorf("debug=%d: leakForever not reported leaked", debug)
		}
		if st.Goroutines != s.Total {
			t.Errorf("debug=%d: stats %d goroutines, parsed %d", debug, st.Goroutines, s.Total)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	for _, c := range []struct {
		profile Profile
		debug   Debug
		want    string
	}{
		{"heap", 1, `profile "heap": want goroutine or goroutineleak`},
		{"goroutine", 7, "debug level 7: want 0, 1 or 2"},
		{"goroutine", -1, "debug level -1: want 0, 1 or 2"},
	} {
		_, err := Write(io.Discard, c.profile, c.debug)
		var ve *ValueError
		if !errors.As(err, &ve) || err.Error() != c.want {
			t.Errorf("Write(%q, %d) = %v, want %q", c.profile, c.debug, err, c.want)
		}
	}
	for debug := range DebugStacks + 1 {
		_, err := Write(failWriter{}, "goroutine", debug)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("debug=%d to a failing writer: %v, want its error", debug, err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestCountingWriterSplit feeds a dump to the debug=2 header counter one
// byte per Write.
func TestCountingWriterSplit(t *testing.T) {
	text, err := readFixture(t, "blocked.debug2.txt")
	if err != nil {
		t.Fatal(err)
	}
	cw := &countingWriter{w: io.Discard, debug: 2, atLineStart: true}
	for i := range text {
		cw.Write(text[i : i+1])
	}
	if got, want := cw.headers, countHeaders(text); got != want || want == 0 {
		t.Errorf("byte-wise count %d, countHeaders %d", got, want)
	}
}

func TestTextBufferSize(t *testing.T) {
	defer perGoroutine.Store(perGoroutine.Load())
	perGoroutine.Store(0)
	for _, mapped := range []bool{true, false} {
		if got := textBufferSize(0, mapped); got < minTextBuffer {
			t.Errorf("textBufferSize(0, %v) = %d, want at least %d", mapped, got, minTextBuffer)
		}
	}
	if got := textBufferSize(100_000, true); got < 100_000*initialPerGoroutine {
		t.Errorf("textBufferSize(100000, mapped) = %d: less than the initial estimate", got)
	}
	if got := textBufferSize(100_000, false); got < 100_000*initialPerGoroutineInHeap {
		t.Errorf("textBufferSize(100000, heap) = %d: less than the initial estimate", got)
	}
	perGoroutine.Store(400)
	if got := textBufferSize(1000, true); got < 1000*400*5/4 {
		t.Errorf("textBufferSize(1000) at 400 B each = %d, want 25%% headroom", got)
	}
}

// TestTextBufferReuse checks when a dump reuses the kept buffer: when it
// is large enough, and not when the goroutines that filled it are gone.
func TestTextBufferReuse(t *testing.T) {
	defer perGoroutine.Store(perGoroutine.Load())
	if tb := textBuf.Swap(nil); tb != nil {
		tb.free()
	}
	perGoroutine.Store(400)
	first := takeTextBuffer(10_000)
	first.used = 10_000 * 400
	first.keep()
	if again := takeTextBuffer(9_000); again != first {
		t.Errorf("a dump of fewer goroutines did not reuse the kept buffer")
	} else {
		again.keep()
	}
	if small := takeTextBuffer(100); small == first {
		t.Errorf("a dump of 100 goroutines kept the buffer 10000 filled")
	} else {
		small.keep()
	}
	if big := takeTextBuffer(1_000_000); big == first {
		t.Errorf("a dump of 1000000 goroutines reused a buffer sized for 10000")
	} else {
		big.keep()
	}
}

// TestWriteGoroutineTextConcurrent takes dumps from several goroutines at
// once: each must get a whole dump of its own (the kept buffer is handed
// to one caller at a time).
func TestWriteGoroutineTextConcurrent(t *testing.T) {
	blockGoroutines(t, 200, 0, 0)
	waitDump(t, map[string]int{"liveChanRecv chan receive": 200})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for range 5 {
				var buf bytes.Buffer
				st, err := WriteGoroutineText(&buf)
				if err != nil {
					errs <- err
					return
				}
				s, err := Parse(&buf)
				if err != nil {
					errs <- err
					return
				}
				if n := liveCounts(s)["liveChanRecv chan receive"]; n != 200 || st.Goroutines != s.Total {
					errs <- fmt.Errorf("dump has %d blocked goroutines of 200, stats %+v, parsed %d", n, st, s.Total)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestCountHeadersParallel checks the parallel count of a large dump
// against a serial one, with headers at every offset around the parts'
// boundaries.
func TestCountHeadersParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 40 MB of text")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU: countHeaders counts serially")
	}
	var b bytes.Buffer
	for i := 0; b.Len() < 40<<20; i++ {
		fmt.Fprintf(&b, "goroutine %d [select]:\nmain.f(%s)\n\t/x.go:1 +0x1\n\n", i, strings.Repeat("x", i%37))
	}
	text := b.Bytes()
	want := bytes.Count(text, []byte("goroutine "))
	if got := countHeaders(text); got != want {
		t.Errorf("countHeaders = %d, want %d", got, want)
	}
}
