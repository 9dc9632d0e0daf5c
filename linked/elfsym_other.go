//go:build !linux

package linked

import (
	"fmt"
	"runtime"
)

// symbolSizes has no symbol table to read outside linux (the witness is an
// ELF executable at /proc/self/exe). No vetted range includes another OS, so
// this file only keeps the refusal in unsupported.go the one compiler error
// there.
func symbolSizes(names ...string) ([]uint64, error) {
	return nil, fmt.Errorf("no ELF symbol table to read on %s", runtime.GOOS)
}
