package dump

import "sync/atomic"

// The buffer WriteGoroutineText keeps between dumps, fenced here. A dump
// of 100k goroutines is tens of megabytes, and writing it into fresh
// memory costs a page fault per page; the buffer of the previous dump is
// kept, process-wide, so the next dump of as many goroutines finds its
// pages in memory. It is bounded: it holds the pages of the last dump
// (a dump of far fewer goroutines gets a new, smaller buffer and the old
// one is freed), and a library user who takes one large dump gives the
// memory back with ReleaseTextBuffer. Where the system allows, it is
// mapped outside the Go heap (textbuf_*.go), so it costs only the pages a
// dump wrote and never counts towards the next garbage collection.

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
	// never wait for each other's writer. ReleaseTextBuffer empties it.
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

// ReleaseTextBuffer frees the buffer that [WriteGoroutineText] keeps for
// the next dump (as large as the last dump written, up to hundreds of
// megabytes for a million goroutines): a program that has taken its last
// large dump, or takes one rarely, calls it to give that memory back. The
// next dump allocates a new buffer. It is safe to call at any time,
// concurrently with dumps (a dump in progress keeps its own buffer for
// the next call). A buffer from the Go heap, where none can be mapped, is
// left to the garbage collector.
func ReleaseTextBuffer() {
	if tb := textBuf.Swap(nil); tb != nil {
		tb.free()
	}
}
