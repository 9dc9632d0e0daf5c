//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package dump

import "syscall"

// mapTextBuffer maps size bytes of anonymous memory outside the Go heap
// for runtime.Stack to write into. The kernel provides pages only as they
// are first written, so a generous size costs address space, not memory;
// and a buffer of hundreds of megabytes neither counts towards the next
// garbage collection nor makes the dumping goroutine assist one, as a
// make([]byte) of that size would. ok is false if the mapping failed.
func mapTextBuffer(size int) (b []byte, ok bool) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
	if err != nil {
		return nil, false
	}
	adviseHugePages(b)
	return b, true
}

// unmapTextBuffer returns a buffer of mapTextBuffer to the kernel.
func unmapTextBuffer(b []byte) { syscall.Munmap(b) }
