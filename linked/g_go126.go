//go:build go1.26 && !go1.28 && linux && (amd64 || arm64)

package linked

// Offsets of runtime.g fields (runtime/runtime2.go), the same on Go 1.26.8
// and 1.27.3, amd64 and arm64 (g is 456 bytes). checkG verifies them against
// independent witnesses at start-up.
const (
	offAtomicstatus = 144 // atomicstatus atomic.Uint32
	offGoid         = 152 // goid uint64
	offWaitreason   = 176 // waitreason waitReason (uint8)
)

// Goroutine statuses (runtime/runtime2.go).
const (
	StatusRunning = 2      // _Grunning
	StatusWaiting = 4      // _Gwaiting
	StatusLeaked  = 10     // _Gleaked
	statusScan    = 0x1000 // _Gscan, or'ed in while the GC or tracer owns the stack
)
