package dump

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// minPart is the least debug=2 text worth a goroutine of its own when a
// dump in memory is summarised in parts.
const minPart = 256 << 10

// ReadSummary reads a goroutine dump in any format [Parse] reads and
// summarises it as [Summarize] does, without keeping its goroutines: a
// debug=2 dump is summarised one goroutine at a time as it is read, so
// memory grows with the number of distinct stacks, not with the input.
//
// A regular file (r is an *os.File) is mapped into memory rather than
// read, and large debug=2 text is summarised in parts, one per CPU, cut
// at goroutine boundaries. A file that shrinks while mapped is reported
// as an error.
func ReadSummary(r io.Reader, opt Options) (*Summary, error) {
	if f, ok := r.(*os.File); ok {
		if b, unmap, ok := mapFile(f); ok {
			defer unmap()
			return summarizeBytes(b, opt, max(1, min(runtime.GOMAXPROCS(0), len(b)/minPart)))
		}
	}
	return streamSummary(r, opt)
}

// streamSummary summarises r in one pass, one goroutine at a time.
func streamSummary(r io.Reader, opt Options) (*Summary, error) {
	z := newSummarizer(opt)
	s, err := parse(r, z.add)
	if err != nil {
		return nil, err
	}
	return z.finish(s), nil
}

// summarizeBytes is ReadSummary on input in memory, debug=2 text in at
// most parts parts.
func summarizeBytes(b []byte, opt Options, parts int) (sum *Summary, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer faultError(&err)
	head := b[:min(len(b), sniffLen)]
	if !isDebug2Text(head) {
		return streamSummary(bytes.NewReader(b), opt)
	}
	// Colour seen at the start is removed from every part.
	in := textInput{ansi: bytes.IndexByte(head, 0x1b) >= 0}
	starts := splitDebug2(b, parts)
	type result struct {
		z   *summarizer
		s   *Snapshot
		err error
	}
	results := make([]result, len(starts))
	var wg sync.WaitGroup
	part := func(i int) []byte {
		if i+1 < len(starts) {
			return b[starts[i]:starts[i+1]]
		}
		return b[starts[i]:]
	}
	for i := range starts {
		wg.Go(func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			r := &results[i]
			defer faultError(&r.err)
			r.z = newSummarizer(opt)
			r.s, r.err = parseDebug2(lineReader{mem: part(i)}, r.z.add, in)
		})
	}
	wg.Wait()
	if len(results) > 1 {
		for _, r := range results {
			// A debug=1 title before the first goroutine header, and
			// headers after it; or a prefix learned in one part, which the
			// parts after it would not know: read it in one pass, as a
			// stream would be. (A prefixed dump has no header at column 0
			// to cut at: such input mixes dumps.)
			if r.err == nil && (r.s.Format != FormatDebug2 || r.s.Reading.Prefix != "") {
				return streamSummary(bytes.NewReader(b), opt)
			}
		}
	}
	for i, r := range results {
		if r.err == nil {
			continue
		}
		if i > 0 && r.err != errFileChanged {
			// Read the part again, counting lines from the start of the
			// input, for the error's line number.
			lines := bytes.Count(b[:starts[i]], []byte("\n"))
			if _, err := parseDebug2(lineReader{mem: part(i), n: lines}, func(*Goroutine) {}, in); err != nil {
				return nil, err
			}
		}
		return nil, r.err
	}
	z, s := results[0].z, results[0].s
	for i, r := range results[1:] {
		z.merge(r.z)
		s.Total += r.s.Total
		// Each part counted its first dump; it continues the one before
		// unless context ended the part before.
		r.s.Reading.Dumps--
		if results[i].s.contextAtEnd {
			r.s.Reading.Dumps++
		}
		s.Reading.add(r.s.Reading)
		for _, line := range r.s.Context {
			if len(s.Context) < maxContext {
				s.Context = append(s.Context, line)
			}
		}
	}
	return z.finish(s), nil
}

// splitDebug2 returns the offsets at which to cut debug=2 text into at
// most parts parts of about equal size: 0, then the starts of goroutine
// headers that follow a blank line, where the parser holds nothing from
// the lines before.
func splitDebug2(b []byte, parts int) []int {
	starts := []int{0}
	// Part 0 keeps the preamble (a crash's log can be most of the input)
	// and at least the first goroutine: cut only after the first header.
	first := 0
	for !headerLike(b[first:min(len(b), first+64)]) {
		j := bytes.Index(b[first:], []byte("\ngoroutine "))
		if j < 0 {
			return starts
		}
		first += j + 1
	}
	boundary := []byte("\n\ngoroutine ")
	for i := 1; i < parts; i++ {
		from := max(len(b)*i/parts, starts[len(starts)-1], first+1)
		for {
			j := bytes.Index(b[from:], boundary)
			if j < 0 {
				return starts
			}
			start := from + j + 2 // the header line
			from = start
			// "goroutine 12 exited" (a log line after a dump) is no header.
			if headerLike(b[start:min(len(b), start+64)]) {
				starts = append(starts, start)
				break
			}
		}
	}
	return starts
}

// errFileChanged is the error for a fault while reading a mapped file.
var errFileChanged = errors.New("the file was cut short while being read")

// faultError turns the panic of a memory fault (reading a mapped file
// that another process truncated) into errFileChanged in *err; other
// panics go on. It must be deferred, by a goroutine that has set
// debug.SetPanicOnFault.
func faultError(err *error) {
	if r := recover(); r != nil {
		if _, ok := r.(interface{ Addr() uintptr }); ok {
			*err = errFileChanged
			return
		}
		panic(r)
	}
}
