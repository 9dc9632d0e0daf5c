package cmd

import (
	"fmt"

	"gsysint-demo/internal/procstat"
	"gsysint-demo/park"
)

// Costs of a parked goroutine, measured on Go 1.26 and 1.27: its g and its
// smallest stack take about 2.7 KB; its block in a debug=2 dump about 0.4 KB,
// held once in the dump buffer.
const (
	bytesPerGoroutine = 2700
	dumpBytesPerG     = 400
)

// checkMemory refuses, up front, counts whose goroutines and dump buffer
// would not fit in the memory the machine has available.
func checkMemory(groups []park.Group) error {
	const per = bytesPerGoroutine + dumpBytesPerG
	avail, err := procstat.Available()
	if err != nil {
		return nil // no /proc: nothing to check against
	}
	// Compare counts, not products: a product of huge counts would wrap.
	fits := int(avail / per)
	total := 0
	for _, g := range groups {
		if g.Count > fits-total {
			want := float64(g.Count) * float64(len(groups))
			return fmt.Errorf("--count %d: %.4g goroutines need about %.3g GB (%.1f KB each, and %.1f KB each in a debug=2 dump), and this machine has %s available",
				g.Count, want, want*per/1e9, float64(bytesPerGoroutine)/1000, float64(dumpBytesPerG)/1000, formatBytes(int64(avail)))
		}
		total += g.Count
	}
	return nil
}
