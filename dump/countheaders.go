package dump

import (
	"bytes"
	"runtime"
)

// The parallel count of a dump's goroutine headers, fenced here: a dump of
// a million goroutines is hundreds of megabytes, counted in one part per
// CPU above minCountPart. bytes.Count over the whole text is the reference
// (TestCountHeadersParallel).

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
