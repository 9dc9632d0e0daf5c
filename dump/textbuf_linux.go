package dump

import "syscall"

// mapNoReserve: reserve no swap for the mapping; its pages are written
// once, front to back, and only as far as the dump goes.
const mapNoReserve = syscall.MAP_NORESERVE

// adviseHugePages asks for transparent huge pages where the system hands
// them out on request (THP "madvise", the common default): the dump then
// takes a page fault per 2 MiB rather than per 4 KiB, which is most of the
// cost of writing a first dump of a million goroutines into fresh memory.
func adviseHugePages(b []byte) { syscall.Madvise(b, syscall.MADV_HUGEPAGE) }
