//go:build race

package linked

import (
	"runtime"
	"unsafe"
)

// labelSync is the address the runtime's race annotations use for pprof
// labels: runtime_setProfLabel and newproc release-merge on it, and the
// runtime's own readers of other goroutines' labels (the goroutine and CPU
// profiles) acquire it before they read a label set.
//
// runtime/proflabel.go: var labelSync uintptr. Not pushed: the build needs
// -ldflags=-checklinkname=0. Checked on Go 1.26.8 and 1.27.3.
//
//go:linkname labelSync runtime.labelSync
var labelSync uintptr

// acquireLabels tells the race detector what the runtime's profilers tell
// it: the label set a g points to was written before it was published.
func acquireLabels() { runtime.RaceAcquire(unsafe.Pointer(&labelSync)) }
