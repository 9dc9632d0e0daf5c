//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package dump

// dropPages does nothing here (package syscall has no madvise on every
// BSD): a mapped file's pages stay resident until it is unmapped.
func dropPages([]byte) {}
