package dump

import (
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// The mapped-file path of ReadSummary, fenced here: a regular file is
// mapped into memory rather than read (mapfile_*.go), so that its pages
// come from the page cache without a copy, and summarised in parts
// (readsummary_parts.go). A file that another process cuts short while it
// is mapped faults on the lost pages: the fault is recovered here and
// reported as errFileChanged. streamSummary is the reference it must
// agree with (reference_test.go, FuzzDebug2).

// readMapped summarises the rest of f from a mapping of it; ok is false
// when f cannot be mapped or holds no text (read it then).
func readMapped(f *os.File, opt Options) (sum *Summary, err error, ok bool) {
	b, unmap, release, err, ok := mapText(f)
	if !ok || err != nil {
		return nil, err, ok
	}
	defer unmap()
	sum, err = summarizeIn(b, opt, mappedParts(len(b)), release)
	return sum, err, true
}

// mapText maps the rest of f when it is debug=2 text. ok is false, and f
// back where it was, when f cannot be mapped or holds anything else (gzip,
// a protobuf, a census's JSON): read that as a stream, so that memory does
// not grow with the pages of the file read. On an error (ok is true) f is
// unmapped already; otherwise the caller unmaps.
func mapText(f *os.File) (b []byte, unmap func(), release func(from, to int), err error, ok bool) {
	b, unmap, release, ok = mapFile(f)
	if !ok {
		return nil, nil, nil, nil, false
	}
	var text bool
	if err := faultSafe(func() error {
		text = isDebug2Text(b[:min(len(b), sniffLen)])
		return nil
	}); err != nil {
		unmap()
		return nil, nil, nil, err, true
	}
	if !text {
		unmap()
		if _, err := f.Seek(-int64(len(b)), io.SeekCurrent); err != nil {
			return nil, nil, nil, err, true
		}
		return nil, nil, nil, nil, false
	}
	return b, unmap, release, nil, true
}

// mappedParts is how many parts a mapped text of n bytes is summarised
// in: one per P, each at least minPart long.
func mappedParts(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/minPart))
}

// releaseWindow is how much text a reader of a mapped file reads between
// two releases of the pages it has read.
var releaseWindow = 4 << 20

// releasingReader reads b, releasing (see mapFile) what it has read a
// window at a time: the reader of a mapped file that is streamed (input
// that is not cut into parts).
type releasingReader struct {
	b             []byte
	off, released int
	release       func(from, to int)
}

func (r *releasingReader) Read(p []byte) (int, error) {
	if r.off == len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	if r.release != nil && r.off-r.released >= releaseWindow {
		r.release(r.released, r.off)
		r.released = r.off
	}
	return n, nil
}

// errFileChanged is the error for a fault while reading a mapped file.
var errFileChanged = errors.New("the file was cut short while being read")

// faultSafe runs read with memory faults turned into errFileChanged. Each
// goroutine that reads mapped memory must read it inside faultSafe:
// debug.SetPanicOnFault is per goroutine.
func faultSafe(read func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer faultError(&err)
	return read()
}

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
