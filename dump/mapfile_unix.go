//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package dump

import (
	"io"
	"os"
	"syscall"
)

// maxMappedFile bounds the files ReadSummary maps; larger ones are read.
const maxMappedFile = 1 << 40

// mapFile maps the rest of a regular file read-only, from its offset on,
// so that its pages come from the page cache without a copy, and moves the
// offset to the end as reading it would. ok is false for anything else (a
// pipe, a terminal, a /proc file, nothing left to read) or if the mapping
// failed: read it then.
//
// release(from, to) gives back the pages of b[from:to] that lie wholly
// inside it: the pages of a file read through count in the resident
// memory of the process until then, and a reader of a dump needs each
// byte once. Read again, they come back from the page cache.
func mapFile(f *os.File) (b []byte, unmap func(), release func(from, to int), ok bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxMappedFile {
		return nil, nil, nil, false
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || off >= fi.Size() {
		return nil, nil, nil, false
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, nil, false
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		syscall.Munmap(m)
		return nil, nil, nil, false
	}
	page := os.Getpagesize()
	release = func(from, to int) {
		// m starts at a page: offsets in m are page-aligned where the
		// addresses are.
		lo := (int(off) + from + page - 1) / page * page
		hi := (int(off) + to) / page * page
		if lo < hi {
			dropPages(m[lo:hi])
		}
	}
	return m[off:], func() { syscall.Munmap(m) }, release, true
}
