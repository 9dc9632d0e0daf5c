package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"sync"
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

// WriteGoroutineText writes the stacks of all goroutines in the debug=2
// format: the bytes of one runtime.Stack(buf, true) call, which stops the
// world once. The buffer is sized from runtime.NumGoroutine and the previous
// dump's bytes per goroutine; it is grown and the dump retaken only when the
// runtime filled it. The buffer is kept for the next call (see
// [ReleaseTextBuffer]).
//
// pprof.Lookup("goroutine").WriteTo(w, 2) prints the same text but stops the
// world for each attempt while doubling a buffer from 1 MiB, and silently
// truncates the dump at 64 MiB.
func WriteGoroutineText(w io.Writer) (Stats, error) {
	tb, st := takeGoroutineText()
	defer tb.keep()
	m, err := w.Write(tb.b[:tb.used])
	st.Bytes = int64(m)
	st.Elapsed = time.Since(st.start)
	if err != nil {
		return st.Stats, fmt.Errorf("writing goroutine dump: %w", err)
	}
	return st.Stats, nil
}

// TakeGoroutineText takes the debug=2 dump of [WriteGoroutineText] and
// returns its bytes, for a caller that sends them to several readers at
// once without a copy: text is the buffer the dump was taken into, the
// caller's until it calls release (once, after its last use of text),
// which offers the buffer to the next dump as WriteGoroutineText keeps its
// own. Until then, the next dump takes a buffer of its own.
func TakeGoroutineText() (text []byte, st Stats, release func()) {
	tb, ts := takeGoroutineText()
	ts.Bytes = int64(tb.used)
	ts.Elapsed = time.Since(ts.start)
	return tb.b[:tb.used:tb.used], ts.Stats, sync.OnceFunc(tb.keep)
}

type textStats struct {
	Stats
	start time.Time
}

// takeGoroutineText takes the dump into a buffer, tb.b[:tb.used].
func takeGoroutineText() (*textBuffer, textStats) {
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
	st := textStats{Stats: Stats{Goroutines: countHeaders(tb.b[:n])}, start: start}
	if st.Goroutines > 0 {
		perGoroutine.Store(int64(n / st.Goroutines))
	}
	return tb, st
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
