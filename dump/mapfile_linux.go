package dump

import "syscall"

// dropPages gives back the pages of b, which must start and end at pages
// of a file mapping: they leave the process's resident memory, and come
// back from the page cache if read again.
func dropPages(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }
