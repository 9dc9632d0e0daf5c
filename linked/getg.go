package linked

// Getg returns the calling goroutine's g.
//
// The runtime's getg is a compiler intrinsic with no symbol to link to, so
// it is written in assembly here: on amd64 the g lives in thread-local
// storage (MOVQ (TLS), AX), on arm64 in the dedicated g register (R28).
// Both are ABI0 functions of this package: no linkname, no flag.
//
// implemented in getg_amd64.s, getg_arm64.s
func Getg() *G
