package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"gsysint-demo/internal/leaklock"
)

// Stats describes one written dump.
type Stats struct {
	// Goroutines is the number of goroutines in the dump: the goroutine
	// headers for debug=2 text, the profile's total for debug=1 and debug=0.
	Goroutines int `json:"goroutines"`
	// Bytes is the number of bytes written to w.
	Bytes int64 `json:"bytes"`
	// Elapsed is the time taken to capture and write the dump.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ErrNoLeakProfile is returned by [Write] for profile "goroutineleak" when
// the running binary has no such profile.
var ErrNoLeakProfile = errors.New(`profile "goroutineleak" is not registered in this binary: ` +
	`use Go 1.27 or later, or build with GOEXPERIMENT=goroutineleakprofile on Go 1.26`)

// Buffer sizing for WriteGoroutineText.
const (
	// initialPerGoroutine is the bytes-per-goroutine estimate used before the
	// first dump. A parked goroutine with a short stack takes 200-600 bytes;
	// a deep one several KB. A mapped buffer (mapTextBuffer) costs only the
	// pages the dump writes, so the estimate can be generous enough that the
	// first dump almost never needs a second pass; a buffer from the Go heap
	// is zeroed and counted by the GC, so it starts smaller.
	initialPerGoroutine       = 4 << 10
	initialPerGoroutineInHeap = 1 << 10
	// minTextBuffer is the smallest buffer we hand to runtime.Stack.
	minTextBuffer = 64 << 10
)

var (
	// perGoroutine is the average size of a goroutine's text in the
	// previous dump, the base of the next buffer estimate.
	perGoroutine atomic.Int64
	// textBuf holds the buffer of the previous dump for reuse: its pages
	// are already in memory, which makes the next dump of as many
	// goroutines markedly faster. A caller takes it out (Swap(nil)) and
	// puts it back when done, so concurrent dumps never share a buffer and
	// never wait for each other's writer.
	textBuf atomic.Pointer[textBuffer]
)

// textBuffer is the buffer runtime.Stack writes a dump into.
type textBuffer struct {
	b      []byte // len(b) is what runtime.Stack may fill
	used   int    // bytes the last dump wrote: the pages in memory
	mapped bool   // b comes from mapTextBuffer, else from the Go heap
}

// newTextBuffer returns a buffer of at least size bytes, mapped outside
// the Go heap where the system allows it.
func newTextBuffer(size int) *textBuffer {
	if b, ok := mapTextBuffer(size); ok {
		return &textBuffer{b: b, mapped: true}
	}
	return &textBuffer{b: make([]byte, size)}
}

// free returns a mapped buffer to the system; a heap buffer is left to
// the GC. tb must not be used afterwards.
func (tb *textBuffer) free() {
	if tb.mapped {
		unmapTextBuffer(tb.b)
	}
	tb.b = nil
}

// keep offers tb to the next dump, or frees it if another dump already
// put its own back.
func (tb *textBuffer) keep() {
	if !textBuf.CompareAndSwap(nil, tb) {
		tb.free()
	}
}

// textBufferSize returns the buffer size for a dump of n goroutines: the
// previous average plus a quarter, for 1/8 more goroutines than now.
func textBufferSize(n int, mapped bool) int {
	per := perGoroutine.Load()
	if per <= 0 {
		per = initialPerGoroutine
		if !mapped {
			per = initialPerGoroutineInHeap
		}
	}
	size := int64(n+n/8+16) * (per + per/4)
	if size < minTextBuffer {
		size = minTextBuffer
	}
	return int(size)
}

// takeTextBuffer returns a buffer for a dump of n goroutines: the kept
// one if it is large enough and the previous dump did not fill far more
// of it than this one will need (the goroutines have gone: give their
// memory back), else a new one.
func takeTextBuffer(n int) *textBuffer {
	tb := textBuf.Swap(nil)
	if tb != nil {
		want := textBufferSize(n, tb.mapped)
		if len(tb.b) >= want && (tb.used <= 4*want || tb.used <= 4*minTextBuffer) {
			return tb
		}
		tb.free()
	}
	if b, ok := mapTextBuffer(textBufferSize(n, true)); ok {
		return &textBuffer{b: b, mapped: true}
	}
	return &textBuffer{b: make([]byte, textBufferSize(n, false))}
}

// minCountPart is the least text worth a goroutine of its own when
// countHeaders counts in parallel.
const minCountPart = 16 << 20

// goroutineHeader starts every goroutine in debug=2 text (the first one is
// at offset 0, the others follow a blank line):
//
//	goroutine 18 [chan receive, 2 minutes]:
var goroutineHeader = []byte("\ngoroutine ")

// countHeaders counts the goroutine headers in debug=2 text. A dump of a
// million goroutines is hundreds of megabytes: the parts are counted in
// parallel.
func countHeaders(b []byte) int {
	n := 0
	if bytes.HasPrefix(b, goroutineHeader[1:]) {
		n++
	}
	parts := min(runtime.GOMAXPROCS(0), len(b)/minCountPart)
	if parts < 2 {
		return n + bytes.Count(b, goroutineHeader)
	}
	// Part i counts the headers that start in [i*size, (i+1)*size).
	size := (len(b) + parts - 1) / parts
	counts := make(chan int, parts)
	for i := range parts {
		go func() {
			lo := i * size
			hi := min(lo+size+len(goroutineHeader)-1, len(b))
			counts <- bytes.Count(b[lo:hi], goroutineHeader)
		}()
	}
	for range parts {
		n += <-counts
	}
	return n
}

// WriteGoroutineText writes the stacks of all goroutines in the debug=2
// format: the bytes of one runtime.Stack(buf, true) call, which stops the
// world once. The buffer is sized from runtime.NumGoroutine and the previous
// dump's bytes per goroutine; it is grown and the dump retaken only when the
// runtime filled it. The buffer is kept for the next call.
//
// pprof.Lookup("goroutine").WriteTo(w, 2) prints the same text but stops the
// world for each attempt while doubling a buffer from 1 MiB, and silently
// truncates the dump at 64 MiB.
func WriteGoroutineText(w io.Writer) (Stats, error) {
	start := time.Now()
	tb := takeTextBuffer(runtime.NumGoroutine())
	var n int
	for {
		n = runtime.Stack(tb.b, true)
		if n < len(tb.b) {
			break
		}
		// Filled: the dump may be cut short. Grow and take it again.
		size := 2 * len(tb.b)
		tb.free()
		tb = newTextBuffer(size)
	}
	tb.used = n
	defer tb.keep()

	text := tb.b[:n]
	st := Stats{Goroutines: countHeaders(text)}
	if st.Goroutines > 0 {
		perGoroutine.Store(int64(n / st.Goroutines))
	}
	m, err := w.Write(text)
	st.Bytes = int64(m)
	st.Elapsed = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("writing goroutine dump: %w", err)
	}
	return st, nil
}

// Write writes profile at the given debug level: [DebugProto] for a
// gzipped protobuf, [DebugCounts] for the legacy text with counts per stack,
// [DebugStacks] for the stacks of every goroutine. goroutine with debug=2
// goes through [WriteGoroutineText]; everything else through
// pprof.Lookup(profile).WriteTo(w, debug). Taking "goroutineleak" runs a
// garbage collection that marks leaked goroutines; without that profile in
// the binary, Write returns [ErrNoLeakProfile]. A
// profile or level not among those is a [*ValueError], as from
// [ParseProfile] and [ParseDebug].
func Write(w io.Writer, profile Profile, debug Debug) (Stats, error) {
	if err := debug.Check(); err != nil {
		return Stats{}, err
	}
	if err := profile.Check(); err != nil {
		return Stats{}, err
	}
	if profile == ProfileGoroutine && debug == DebugStacks {
		return WriteGoroutineText(w)
	}
	p := pprof.Lookup(string(profile))
	start := time.Now()
	cw := &countingWriter{w: w, debug: debug, atLineStart: true}
	var err error
	if profile == ProfileGoroutineLeak {
		// The runtime walks this profile with the world running, and
		// assumes no goroutine it marked leaked runs again: park readies
		// such goroutines under the same lock. The profile is taken into
		// memory under the lock and written after: a reader of w that
		// stalls (a pipe nobody reads, an HTTP client that never reads)
		// must not hold up a release waiting for that lock.
		var buf bytes.Buffer
		leaklock.Mu.Lock()
		err = p.WriteTo(&buf, int(debug))
		leaklock.Mu.Unlock()
		if err == nil {
			buf.WriteTo(cw) // cw keeps w's error, reported below
		}
	} else {
		err = p.WriteTo(cw, int(debug))
	}
	st := Stats{Bytes: cw.n, Elapsed: time.Since(start)}
	if err != nil {
		return st, fmt.Errorf("writing %s profile (debug=%d): %w", profile, debug, err)
	}
	if cw.err != nil {
		return st, fmt.Errorf("writing %s profile (debug=%d): %w", profile, debug, cw.err)
	}
	st.Goroutines, err = cw.goroutines()
	if err != nil {
		return st, fmt.Errorf("counting goroutines in %s profile (debug=%d): %w", profile, debug, err)
	}
	return st, nil
}

// countingWriter passes writes through and keeps what it needs to count the
// goroutines: the whole protobuf (it is small: one sample per distinct
// stack), the first line of debug=1 text, or a running count of debug=2
// headers.
type countingWriter struct {
	w     io.Writer
	n     int64
	err   error
	debug Debug

	proto       bytes.Buffer // debug=0
	firstLine   []byte       // debug=1, up to its newline
	atLineStart bool         // debug=2: the next byte starts a line
	match       int          // debug=2: bytes of "goroutine " matched so far
	headers     int          // debug=2
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	p = p[:n]
	switch c.debug {
	case 0:
		c.proto.Write(p)
	case 1:
		if i := bytes.IndexByte(c.firstLine, '\n'); i < 0 && len(c.firstLine) < 256 {
			c.firstLine = append(c.firstLine, p[:min(len(p), 256)]...)
		}
	case 2:
		c.countHeaders(p)
	}
	return n, err
}

// countHeaders advances a small matcher for "goroutine " at a line start,
// across Write boundaries.
func (c *countingWriter) countHeaders(p []byte) {
	const prefix = "goroutine "
	for _, b := range p {
		switch {
		case b == '\n':
			c.atLineStart, c.match = true, 0
		case c.atLineStart && c.match < len(prefix) && b == prefix[c.match]:
			c.match++
			if c.match == len(prefix) {
				c.headers++
				c.atLineStart, c.match = false, 0
			}
		default:
			c.atLineStart, c.match = false, 0
		}
	}
}

func (c *countingWriter) goroutines() (int, error) {
	switch c.debug {
	case 0:
		s, err := Parse(&c.proto)
		if err != nil {
			return 0, err
		}
		return s.Total, nil
	case 1:
		line, _, _ := bytes.Cut(c.firstLine, []byte("\n"))
		_, total, err := parseDebug1Title(line)
		return total, err
	}
	return c.headers, nil
}
